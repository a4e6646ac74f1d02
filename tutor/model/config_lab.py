"""The `config-lab` block: the learner edits a server's configuration and proves it right.

    ```config-lab
    name: l9-submission
    system: postfix
    service: submission
    client-policy: none
    do: Make submission (587) require TLS; keep port 25 open to plaintext senders.
    hint: smtpd_tls_security_level=encrypt as a -o override of the submission service.
    probes:
      - mx-plaintext
      - submission-requires-tls
    === main.cf
    myhostname = mail.sandbox.test
    === master.cf
    smtp      inet  n  -  y  -  -  smtpd
    ```

Fields as in every block (`tutor.model.fields`; `name` says where the learner's edit is saved,
unique in the course; `scenario`, `service` and `client-policy` are optional and say what the
lab session beside the editor runs: its script, the master.cf service it talks to, its
client), then each starting file after a `=== NAME` line, verbatim. The files are read as
Postfix reads them when the lesson is checked (a wrong line is a lesson error at its own line of
the lesson file); the goal is the probes, run against the learner's edit with real
sessions (`sandbox.config.postfix.probes`), never a text comparison.

Pure: no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from sandbox.config.exchange.probe_names import PARTNER_DOMAIN
from sandbox.config.exchange.probe_names import PROBE_WORDS as EXCHANGE_PROBES
from sandbox.config.findings import ConfigError
from sandbox.config.postfix.master import DEFAULT_MASTER_CF
from sandbox.config.postfix.probe_names import PROBE_WORDS as POSTFIX_PROBES
from sandbox.config.postfix.probe_names import read_postfix_text
from sandbox.lab.catalog import SCENARIOS
from tutor.model.blocks import _Reader, unknown_scenario
from tutor.model.fields import parse_fields, shorten
from tutor.model.lesson import CLIENT_POLICIES, CustomBlock, FenceBody, Lesson, LessonError

SYSTEMS: dict[str, tuple[str, ...]] = {
    "postfix": ("main.cf", "master.cf"),
    "exchange": ("connectors.ps1",),  # connector cmdlets (sandbox.config.exchange.reader)
}
"""system -> the files a config lab of it may start with (the first one is required)."""
PROBES = {"postfix": POSTFIX_PROBES, "exchange": EXCHANGE_PROBES}
"""system -> its probes' names and words."""
_SCALARS = ("name", "system", "do", "hint")
_OPTIONAL = ("scenario", "service", "client-policy", "domain")
_LISTS = ("probes",)
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_FILE_LINE = re.compile(r"^===[ \t]+(\S+)[ \t]*$")


@dataclass(frozen=True, slots=True)
class ConfigLab(CustomBlock):
    """A configuration to edit, and the probes that must pass for the step to be done."""

    challenge: ClassVar[bool] = True  # scored as a challenge (tutor.model.grading)

    name: str
    system: str
    do: str
    hint: str
    probes: tuple[str, ...]
    files: tuple[tuple[str, str], ...]  # (file name, starting text), in the lesson's order
    line: int
    scenario: str = "starttls"  # the lab session's script (sandbox.lab.catalog)
    service: str = ""  # the smtpd service it talks to ("": as `demo --postfix` chooses)
    client_policy: str | None = None  # the lab session's client (None: the scenario's)
    domain: str = PARTNER_DOMAIN  # Exchange: the partner domain whose send connector is probed

    def file(self, name: str) -> str:
        """The starting text of `name` ("" when the lesson gives none: the default applies)."""
        return dict(self.files).get(name, "")

    @property
    def master_cf(self) -> str:
        return self.file("master.cf") or DEFAULT_MASTER_CF


def _split(body: FenceBody) -> tuple[list[str], list[tuple[str, int, list[str]]]]:
    """The field lines, and each `=== NAME` file: (name, its header's line, its lines)."""
    fields: list[str] = []
    files: list[tuple[str, int, list[str]]] = []
    for n, raw in enumerate(body.lines, start=body.first_line):
        m = _FILE_LINE.match(raw)
        if m is not None:
            files.append((m.group(1), n, []))
        elif files:
            files[-1][2].append(raw)
        else:
            fields.append(raw)
    return fields, files


def build_config_lab(body: FenceBody) -> tuple[ConfigLab | None, list[LessonError]]:
    file, line = body.file, body.line
    field_lines, files = _split(body)
    r = _Reader(
        parse_fields(field_lines, body.first_line, file, "config-lab"), "config-lab", file, line
    )
    r.check_keys((*_SCALARS, *_OPTIONAL), _LISTS)
    name, system, do, hint = (r.scalar(k) for k in _SCALARS)
    probes = r.list_("probes")
    scenario, service, policy, domain = (r.scalar(k, required=False) for k in _OPTIONAL)
    if scenario is not None and scenario[0] not in SCENARIOS:
        r.error(scenario[1], unknown_scenario(scenario[0]))
    if policy is not None and policy[0] not in CLIENT_POLICIES:
        r.error(
            policy[1],
            f"'client-policy' is {shorten(policy[0])!r}; use {', '.join(CLIENT_POLICIES)}",
        )
    if probes is None and "probes" not in r.fields.by_key:
        r.error(line, "'probes' is missing (the goal: every probe passes)")
    if name is not None and not _NAME.fullmatch(name[0]):
        r.error(name[1], f"'name' is {shorten(name[0])!r}; use lower-case letters, digits and -")
    allowed: Sequence[str] = ()
    if system is not None:
        if system[0] in SYSTEMS:
            allowed = SYSTEMS[system[0]]
        else:
            r.error(system[1], f"'system' is {shorten(system[0])!r}; use {', '.join(SYSTEMS)}")
    known = PROBES.get(system[0] if system else "", {})
    for probe in probes[0] if probes and known else ():
        if probe and probe not in known:
            r.error(
                probes[1] if probes else line,
                f"unknown probe {shorten(probe)!r} (known: {', '.join(known)})",
            )
    exchange = system is not None and system[0] == "exchange"
    for field, value in (("service", service), ("domain", domain)):
        if value is not None and (field == "service") == exchange:
            other = "a Postfix" if exchange else "an Exchange"
            r.error(value[1], f"{field!r} is for {other} config lab only")
    seen: set[str] = set()
    for fname, fline, _ in files:
        if allowed and fname not in allowed:
            r.error(
                fline,
                f"file {shorten(fname)!r}: this system's files are {', '.join(allowed)}",
            )
        if fname in seen:
            r.error(fline, f"file {fname!r} is given twice")
        seen.add(fname)
    if allowed and allowed[0] not in seen:
        r.error(line, f"no '=== {allowed[0]}' line: the lab needs a starting {allowed[0]}")
    texts = {fname: "".join(f"{x}\n" for x in lines) for fname, _, lines in files}
    if not r.errors and system is not None and system[0] == "postfix":
        _check_postfix(r, texts, {fname: fline for fname, fline, _ in files}, service)
    if not r.errors and exchange:
        _check_exchange(r, texts, {fname: fline for fname, fline, _ in files})
    if r.errors or name is None or system is None or do is None or hint is None or not probes:
        return None, r.errors
    block = ConfigLab(
        name=name[0],
        system=system[0],
        do=do[0],
        hint=hint[0],
        probes=tuple(probes[0]),
        files=tuple((fname, texts[fname]) for fname, _, _ in files),
        line=line,
        scenario=scenario[0] if scenario else "starttls",
        service=service[0] if service else "",
        client_policy=policy[0] if policy else None,
        domain=domain[0] if domain else PARTNER_DOMAIN,
    )
    return block, r.errors


def _check_postfix(
    r: _Reader, texts: dict[str, str], header: dict[str, int], service: tuple[str, int] | None
) -> None:
    """The starting files as Postfix reads them: a wrong line is reported at its lesson line;
    the lab's `service` must be an smtpd service of master.cf."""
    try:
        config = read_postfix_text(
            texts.get("main.cf", ""), texts.get("master.cf") or DEFAULT_MASTER_CF
        )
    except ConfigError as error:
        at = header.get(error.path, r.line) + max(error.line, 1)
        r.error(at, f"{error.path}:{error.line}: {error.what}")
        return
    names = [s.name for s in config.smtpd_services()]
    if service is not None and service[0] not in names:
        r.error(
            service[1], f"'service' is {shorten(service[0])!r}; master.cf has {', '.join(names)}"
        )


def _check_exchange(r: _Reader, texts: dict[str, str], header: dict[str, int]) -> None:
    """The starting script as Exchange would take it: a refused line is a lesson error there."""
    from sandbox.config.exchange.reader import read_text

    try:
        read_text(texts.get("connectors.ps1", ""), "connectors.ps1")
    except ConfigError as error:
        at = header.get(error.path, r.line) + max(error.line, 1)
        r.error(at, f"{error.path}:{error.line}: {error.what}")


def config_problems(lessons: Iterable[Lesson]) -> list[LessonError]:
    """Across one language's lessons: each config lab's name is its own (the learner's edit is
    saved under it), and a lab block's `config` names one of them."""
    from tutor.model.lesson import Lab

    errors: list[LessonError] = []
    seen: dict[str, str] = {}
    wanted: list[tuple[Lesson, Lab]] = []
    for lesson in lessons:
        for step in lesson.steps:
            for block in step.blocks:
                if isinstance(block, ConfigLab):
                    where = f"{lesson.file}:{block.line}"
                    if block.name in seen:
                        errors.append(
                            LessonError(
                                lesson.file,
                                block.line,
                                f"config-lab: name {block.name!r} is taken ({seen[block.name]})",
                            )
                        )
                    seen.setdefault(block.name, where)
                elif isinstance(block, Lab) and block.config is not None:
                    wanted.append((lesson, block))
    for lesson, lab in wanted:
        if lab.config not in seen:
            known = ", ".join(sorted(seen)) or "none"
            message = f"lab: 'config' is {lab.config!r}, no config lab has it (known: {known})"
            errors.append(LessonError(lesson.file, lab.line, message))
    return errors
