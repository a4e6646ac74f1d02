"""MTA-STS policies and their TXT record, read and checked as RFC 8461 says (pure: no I/O).

    policy = parse_policy(body_bytes)          # PolicyError: unreadable at all (one line)
    policy.findings                            # what is wrong or worth knowing, each with a key
    policy.mode, policy.mx, policy.max_age, policy.allows_mx("mx1.example.test")
    txt = parse_txt("v=STSv1; id=20240101T000000;")

A policy (`https://mta-sts.<domain>/.well-known/mta-sts.txt`) is `key: value` lines: `version:
STSv1`, `mode:` enforce, testing or none, one `mx:` line per allowed MX host (a leading `*.` stands
for exactly one label), and `max_age:` in seconds (at most 31557600, a year). Unknown keys are
ignored (RFC 8461 3.2). The TXT record at `_mta-sts.<domain>` says `v=STSv1` first and an `id`
of 1-32 letters and digits, which senders compare to know when to fetch the policy again.

Findings carry a key and params (`Finding.text` is the English); `tutor/cli/mtasts.py` says them
in Japanese as well.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_POLICY_BYTES = 64 * 1024  # RFC 8461 sets no limit; real senders cap the fetch (64 KiB here)
MAX_MX_LINES = 100  # far more than any domain's MX set
MAX_AGE_LIMIT = 31_557_600  # RFC 8461 3.2: one year
MAX_AGE_SHORT = 86_400  # below a day the policy protects little between fetches
MAX_TXT_CHARS = 1024

_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")


class PolicyError(ValueError):
    """A policy or TXT record that cannot be read at all; the message is one plain line."""


class Mode(enum.StrEnum):
    ENFORCE = "enforce"
    TESTING = "testing"
    NONE = "none"


class Level(enum.StrEnum):
    OK = "ok"
    NOTE = "note"
    WARNING = "warning"
    PROBLEM = "problem"


FINDINGS: dict[str, str] = {
    "version.missing": "There is no 'version: STSv1' line; senders ignore the whole policy.",
    "version.wrong": "The version is {value!r}; only 'STSv1' exists, so senders ignore the policy.",
    "mode.missing": "There is no 'mode:' line; senders ignore the whole policy.",
    "mode.wrong": "The mode is {value!r}; it must be enforce, testing or none.",
    "mode.enforce": "mode: enforce. Senders refuse to deliver unless TLS to a listed MX verifies.",
    "mode.testing": "mode: testing. Senders deliver anyway and only report failures (TLS-RPT).",
    "mode.none": "mode: none. The domain withdraws its policy; senders forget it.",
    "mx.missing": "There is no 'mx:' line; with mode {mode} no MX host can ever match.",
    "mx.bad": "mx: {value!r} is not a host name or a '*.' pattern.",
    "mx.ok": "mx: {value} allows {what}.",
    "max_age.missing": "There is no 'max_age:' line; senders ignore the whole policy.",
    "max_age.bad": "max_age: {value!r} is not a whole number of seconds.",
    "max_age.too_long": "max_age: {value} is over a year ({limit} s); senders cap or refuse it.",
    "max_age.short": "max_age: {value} s is under a day: between fetches an attacker who blocks "
    "the policy's HTTPS fetch gets you treated as if you had no policy. Weeks are usual.",
    "max_age.ok": "max_age: {value} s ({days} d): senders remember the policy that long.",
    "line.bad": "Line {line} is not 'key: value'; senders ignore the whole policy.",
    "line.duplicate": "'{key}' appears more than once; only mx may repeat.",
    "host.match": "The MX host {host} matches the pattern {pattern}.",
    "host.nomatch": "The MX host {host} matches no mx line: with enforce, senders will not "
    "deliver to it.",
    "txt.version": "The TXT record must begin with 'v=STSv1;'.",
    "txt.id.missing": "The TXT record has no 'id='; senders ignore it.",
    "txt.id.bad": "The id {value!r} must be 1 to 32 letters and digits.",
    "txt.ok": "The TXT record is valid: id {value}. Change the id whenever the policy changes, "
    "or senders keep the old one until max_age runs out.",
    "txt.duplicate": "'{key}' appears more than once in the TXT record.",
}
"""Every finding, by key, in English."""


@dataclass(frozen=True, slots=True)
class Finding:
    level: Level
    key: str
    params: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def text(self) -> str:
        return FINDINGS[self.key].format(**self.params)


@dataclass(frozen=True, slots=True)
class Policy:
    version: str | None
    mode: Mode | None
    mx: tuple[str, ...]
    max_age: int | None
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        """Senders would use it (no problem found)."""
        return not any(f.level is Level.PROBLEM for f in self.findings)

    def allows_mx(self, host: str) -> bool:
        return any(mx_matches(p, host) for p in self.mx)


def _text(data: bytes, what: str, limit: int) -> str:
    if len(data) > limit:
        raise PolicyError(f"the {what} is {len(data)} bytes; at most {limit} are read")
    if b"\x00" in data:
        raise PolicyError(f"the {what} contains a NUL byte; it is not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"the {what} is not UTF-8 (byte {exc.start})") from None


def mx_matches(pattern: str, host: str) -> bool:
    """RFC 8461 4.1: exact, or `*.` + the rest where `*` is exactly one label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if pattern.startswith("*."):
        first, _, rest = host.partition(".")
        return bool(first) and rest == pattern[2:]
    return pattern == host


def valid_mx_pattern(value: str) -> bool:
    name = value[2:] if value.startswith("*.") else value
    labels = name.rstrip(".").split(".")
    return len(name) <= 253 and len(labels) >= 2 and all(_LABEL.fullmatch(x) for x in labels)


def parse_policy(data: bytes, hosts: Iterable[str] = ()) -> Policy:
    """Read a policy body; `hosts` are MX hosts to test against its mx patterns."""
    text = _text(data, "policy", MAX_POLICY_BYTES)
    found: list[Finding] = []
    seen: dict[str, str] = {}
    mx: list[str] = []
    for number, raw in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        line = raw.strip()
        if not line:
            continue
        key, colon, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not colon or not key:
            found.append(Finding(Level.PROBLEM, "line.bad", {"line": str(number)}))
            continue
        if key == "mx":
            mx.append(value)
            if len(mx) > MAX_MX_LINES:
                raise PolicyError(f"the policy has more than {MAX_MX_LINES} mx lines")
        elif key in seen and key in ("version", "mode", "max_age"):
            found.append(Finding(Level.PROBLEM, "line.duplicate", {"key": key}))
        else:
            seen[key] = value
    version = seen.get("version")
    if version is None:
        found.append(Finding(Level.PROBLEM, "version.missing"))
    elif version.lower() != "stsv1":  # ABNF strings ignore case (RFC 5234 2.3)
        found.append(Finding(Level.PROBLEM, "version.wrong", {"value": version}))
    mode = _mode(seen.get("mode"), found)
    for value in mx:
        if valid_mx_pattern(value):
            what = f"any one-label name under {value[2:]}" if value.startswith("*.") else value
            found.append(Finding(Level.OK, "mx.ok", {"value": value, "what": what}))
        else:
            found.append(Finding(Level.PROBLEM, "mx.bad", {"value": value}))
    if not mx and mode is not None and mode is not Mode.NONE:
        found.append(Finding(Level.PROBLEM, "mx.missing", {"mode": mode.value}))
    max_age = _max_age(seen.get("max_age"), found)
    for host in hosts:
        pattern = next((p for p in mx if mx_matches(p, host)), None)
        if pattern is None:
            level = Level.PROBLEM if mode is Mode.ENFORCE else Level.WARNING
            found.append(Finding(level, "host.nomatch", {"host": host}))
        else:
            found.append(Finding(Level.OK, "host.match", {"host": host, "pattern": pattern}))
    return Policy(version, mode, tuple(mx), max_age, tuple(found))


def _mode(value: str | None, found: list[Finding]) -> Mode | None:
    if value is None:
        found.append(Finding(Level.PROBLEM, "mode.missing"))
        return None
    try:
        mode = Mode(value.lower())  # ABNF strings ignore case (RFC 5234 2.3)
    except ValueError:
        found.append(Finding(Level.PROBLEM, "mode.wrong", {"value": value[:80]}))
        return None
    found.append(Finding(Level.NOTE if mode is Mode.TESTING else Level.OK, f"mode.{mode.value}"))
    return mode


def _max_age(value: str | None, found: list[Finding]) -> int | None:
    if value is None:
        found.append(Finding(Level.PROBLEM, "max_age.missing"))
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        found.append(Finding(Level.PROBLEM, "max_age.bad", {"value": value[:80]}))
        return None
    seconds = int(value)
    if seconds > MAX_AGE_LIMIT:
        params = {"value": str(seconds), "limit": str(MAX_AGE_LIMIT)}
        found.append(Finding(Level.PROBLEM, "max_age.too_long", params))
    elif seconds < MAX_AGE_SHORT:
        found.append(Finding(Level.WARNING, "max_age.short", {"value": str(seconds)}))
    else:
        days = str(seconds // 86_400)
        found.append(Finding(Level.OK, "max_age.ok", {"value": str(seconds), "days": days}))
    return seconds


@dataclass(frozen=True, slots=True)
class TxtRecord:
    id: str | None
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        return not any(f.level is Level.PROBLEM for f in self.findings)


def parse_txt(record: str | bytes) -> TxtRecord:
    """The `_mta-sts` TXT record: `v=STSv1; id=...;` (RFC 8461 3.1)."""
    if isinstance(record, bytes):
        record = _text(record, "TXT record", MAX_TXT_CHARS)
    elif len(record) > MAX_TXT_CHARS or "\x00" in record:
        raise PolicyError(f"a TXT record is text of at most {MAX_TXT_CHARS} characters, no NUL")
    record = record.strip().strip('"')
    fields = [f.strip() for f in record.split(";") if f.strip()]
    found: list[Finding] = []
    if fields and fields[0].replace(" ", "") == "v=STSv1":
        fields = fields[1:]
    else:
        found.append(Finding(Level.PROBLEM, "txt.version"))
    values: dict[str, str] = {}
    for item in fields:
        key, _, value = item.partition("=")
        key = key.strip()
        if key in values:
            found.append(Finding(Level.PROBLEM, "txt.duplicate", {"key": key[:40]}))
        values[key] = value.strip()
    ident = values.get("id")
    if ident is None:
        found.append(Finding(Level.PROBLEM, "txt.id.missing"))
    elif not _ID.fullmatch(ident):
        found.append(Finding(Level.PROBLEM, "txt.id.bad", {"value": ident[:80]}))
        ident = None
    else:
        found.append(Finding(Level.OK, "txt.ok", {"value": ident}))
    return TxtRecord(ident, tuple(found))


def policy_text(mode: Mode, mx: Iterable[str], max_age: int = 604_800) -> str:
    """A policy body, CRLF line ends (what the lab's HTTPS server serves)."""
    lines = ["version: STSv1", f"mode: {mode.value}", *(f"mx: {m}" for m in mx)]
    lines.append(f"max_age: {max_age}")
    return "\r\n".join(lines) + "\r\n"
