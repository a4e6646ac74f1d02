"""`smtp-tutor postfix check`: what a Postfix admin gets wrong in main.cf and master.cf
(properties.md L22-L24).

`lint(config, lab)` returns `Finding`s (sandbox/config/findings.py), sorted by file and line, each
at the line that decides it; the words are in `lint_words.py`, the checks on certificate files in
`lint_certs.py`. Parameter names are checked against every real Postfix name (`params.txt`, from
`postconf -d`): a real name the sandbox does not enact is a note, a misspelt one a warning with
"did you mean".
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from sandbox.config.findings import ConfigError, Finding
from sandbox.config.postfix.defaults import DEFAULTS
from sandbox.config.postfix.lint_certs import cert_findings
from sandbox.config.postfix.lint_words import finding
from sandbox.config.postfix.reader import PostfixConfig, Service
from sandbox.config.postfix.values import PROTOCOLS, protocols, words

OBSOLETE = {  # old name -> (the parameter that replaced it, the level its `yes` means)
    "smtpd_use_tls": ("smtpd_tls_security_level", "may"),
    "smtpd_enforce_tls": ("smtpd_tls_security_level", "encrypt"),
    "smtp_use_tls": ("smtp_tls_security_level", "may"),
    "smtp_enforce_tls": ("smtp_tls_security_level", "encrypt"),
}
SIMULATED = frozenset(DEFAULTS) | {"smtpd_sasl_type", "smtpd_sasl_path", "smtp_tls_loglevel"}
"""What the sandbox enacts or reads: `defaults.py` names them."""
_DECIDES = ("reject_unauth_destination", "defer_unauth_destination", "reject", "defer")
_REF = re.compile(r"\$(?:\{(\w+)([?:][^}]*)?\}|\((\w+)([?:][^)]*)?\)|(\w+))")


@cache
def real_parameters() -> frozenset[str]:
    """Every parameter name Postfix 3.7 knows (params.txt)."""
    text = resources.files("sandbox.config.postfix").joinpath("params.txt").read_text("utf-8")
    return frozenset(n for n in text.split() if not n.startswith("#") and n.isidentifier())


def lint(config: PostfixConfig, lab: Path) -> list[Finding]:
    found: dict[tuple[str, str, int], Finding] = {}
    checks = (_notes, _names, _references, _obsolete, _wrappermode, _services)
    for check in checks:
        for f in check(config, lab):
            found.setdefault((f.key, f.path, f.line), f)  # one finding per line and kind
    return sorted(found.values(), key=lambda f: (f.path != config.main.path, f.path, f.line))


def _notes(config: PostfixConfig, lab: Path) -> Iterator[Finding]:
    for note in config.main.notes:
        yield finding("reader_note", note.path, note.line, what=note.what)


def _settings(config: PostfixConfig) -> Iterator[tuple[str, str, str, int]]:
    """(name, raw value, file, line) of every setting: main.cf, then each -o override."""
    for p in config.main.params.values():
        yield p.name, p.raw, config.main.path, p.line
    for s in config.services:
        for o in s.overrides:
            yield o.name, o.value, config.master_path, o.line


def _referenced(config: PostfixConfig) -> set[str]:
    refs: set[str] = set()
    for _, raw, _, _ in _settings(config):
        for m in _REF.finditer(raw.replace("$$", "")):
            refs.add(m.group(1) or m.group(3) or m.group(5))
    return refs


def _names(config: PostfixConfig, lab: Path) -> Iterator[Finding]:
    real, used = real_parameters(), _referenced(config)
    for name, _, path, line in _settings(config):
        if name in SIMULATED or name in OBSOLETE:
            continue
        if name in real:
            yield finding("not_simulated", path, line, name=name)
        elif name not in used:  # a name other values use is the admin's own variable
            close = difflib.get_close_matches(name, real, n=1, cutoff=0.8)
            hint = f" (did you mean {close[0]}?)" if close else ""
            yield finding("unknown_param", path, line, name=name, hint=hint)


def _references(config: PostfixConfig, lab: Path) -> Iterator[Finding]:
    defined = {name for name, _, _, _ in _settings(config)} | real_parameters() | set(DEFAULTS)
    for name, raw, path, line in _settings(config):
        for m in _REF.finditer(raw.replace("$$", "")):
            ref = m.group(1) or m.group(3) or m.group(5)
            conditional = m.group(2) or m.group(4)  # ${x?...}: undefined on purpose
            if ref not in defined and not conditional:
                yield finding("undefined_ref", path, line, ref=ref, name=name)


def _obsolete(config: PostfixConfig, lab: Path) -> Iterator[Finding]:
    for name, _, path, line in _settings(config):
        if name not in OBSOLETE:
            continue
        new, level = OBSOLETE[name]
        if config.main.params.get(new) is not None and config.main.value(new):
            yield finding("obsolete_ignored", path, line, name=name, new=new)
        else:
            yield finding("obsolete", path, line, name=name, new=new, level=level)


def _wrappermode(config: PostfixConfig, lab: Path) -> Iterator[Finding]:
    p = config.main.params.get("smtpd_tls_wrappermode")
    if p is not None and config.main.value("smtpd_tls_wrappermode").lower() in ("yes", "true"):
        yield finding("wrappermode_in_main", config.main.path, p.line)


def _yes(config: PostfixConfig, name: str, service: Service) -> bool:
    return config.value(name, service).lower() in ("yes", "true")


def _level(config: PostfixConfig, service: Service) -> str:
    level = config.value("smtpd_tls_security_level", service)
    if level:
        return level
    if _yes(config, "smtpd_enforce_tls", service):
        return "encrypt"
    return "may" if _yes(config, "smtpd_use_tls", service) else "none"


def _services(config: PostfixConfig, lab: Path) -> Iterator[Finding]:
    for service in config.smtpd_services():
        yield from _service(config, service)
        level = _level(config, service)
        if level != "none" or _yes(config, "smtpd_tls_wrappermode", service):
            yield from cert_findings(config, service, lab)


def _service(config: PostfixConfig, s: Service) -> Iterator[Finding]:
    label = f"{s.name}/{s.type} (port {s.port})"
    level, where = _level(config, s), config.where
    wrapper = _yes(config, "smtpd_tls_wrappermode", s)
    if s.port == 25 and level == "encrypt" and not wrapper:
        yield finding("encrypt_on_mx", *_at(config, s, "smtpd_tls_security_level"), service=label)
    sasl = _yes(config, "smtpd_sasl_auth_enable", s)
    if sasl and not _yes(config, "smtpd_tls_auth_only", s) and level != "encrypt" and not wrapper:
        name = "smtpd_tls_auth_only"
        at = where(name, s) if where(name, s)[1] else where("smtpd_sasl_auth_enable", s)
        yield finding("auth_before_tls", *at, service=label)
    if s.port == 587:
        if not sasl:
            yield finding("submission_no_sasl", s.path, s.line, service=label)
        if level != "encrypt":
            yield finding("submission_no_tls", s.path, s.line, service=label)
    name = "smtpd_tls_mandatory_protocols"
    if where(name, s)[1]:
        try:
            allowed = protocols(name, config.value(name, s), where(name, s))
        except ConfigError:
            allowed = []  # the enactment says what is wrong with it
        old = [p for p in ("SSLv3", "TLSv1", "TLSv1.1") if p in allowed and p in PROTOCOLS]
        if old:
            yield finding("old_tls", *where(name, s), name=name, old=", ".join(old))
    yield from _relay(config, s, label)


def _at(config: PostfixConfig, s: Service, name: str) -> tuple[str, int]:
    path, line = config.where(name, s)
    return (path, line) if line else (s.path, s.line)


def _relay(config: PostfixConfig, s: Service, label: str) -> Iterator[Finding]:
    """An unauthenticated client outside our own hosts, mailing another domain: who decides?"""
    name = "smtpd_relay_restrictions"
    rules = words(config.value(name, s)) or words(config.value("smtpd_recipient_restrictions", s))
    wide = [n for n in words(config.value("mynetworks", s)) if _wide(n)]
    for rule in rules:
        if rule in _DECIDES:
            return
        if rule == "permit":
            yield finding("open_relay", *_at(config, s, name), service=label,
                          why=f"{name} permits before reject_unauth_destination")  # fmt: skip
            return
        if rule == "permit_mynetworks" and wide:
            yield finding("open_relay", *_at(config, s, "mynetworks"), service=label,
                          why=f"mynetworks includes {wide[0]}")  # fmt: skip
            return
        if rule.startswith("check_") or ":" in rule:
            return  # a lookup table decides: nothing to say without its contents


def _wide(network: str) -> bool:
    """A network of the whole internet or a good part of it (fewer than 8 prefix bits)."""
    try:
        net = ipaddress.ip_network(network.strip("[]").replace("]/", "/"), strict=False)
    except ValueError:
        return False
    return net.prefixlen < 8 and not net.is_private
