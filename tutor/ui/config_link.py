"""What the config lab does with the learner's files: check them, run the lab session with them,
probe them, and say its Postfix log. Pure: no Textual; the sandbox is imported when used.

`run` takes the path of `smtp-tutor demo SCENARIO --postfix MAIN_CF`: the configuration enacted
(`sandbox.config.postfix.enact`), one smtpd service chosen as `demo` chooses it, and a
`LabSession` with that service's policy and chain, trusting the lab folder's root.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.enact import Listener, enact
from sandbox.config.postfix.log import LogContext, postfix_log
from sandbox.config.postfix.probe_names import read_postfix_text
from sandbox.config.postfix.probes import ProbeResult, probe_postfix
from sandbox.config.postfix.reader import PostfixConfig
from sandbox.events import SandboxEvent
from sandbox.lab.catalog import SCENARIOS
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.policy import ServerPolicy
from tutor.model.config_lab import ConfigLab
from tutor.model.lesson import Lab, Lesson
from tutor.ui import config_exchange
from tutor.ui.config_checked import Checked
from tutor.ui.lab_link import Emit, LabSessionLike, SessionFactory

DEFAULT_NAME = "mail.sandbox.test"  # the lab keys' leaf is for it (sandbox/pki/labkeys.py)


def check_postfix(main: str, master: str, keys: Path) -> Checked:
    """The linter (`smtp-tutor postfix check`) on the editor's text; keys: the lab folder."""
    from sandbox.config.postfix.lint import lint

    try:
        config = read_postfix_text(main, master)
        return Checked(tuple(lint(config, keys)))
    except ConfigError as error:
        return Checked(error=error)


@dataclass(frozen=True, slots=True)
class Prepared:
    """The learner's configuration, enacted: the service the lab session talks to."""

    config: PostfixConfig
    listener: Listener
    server_hostname: str
    keys: Path


def prepare(block: ConfigLab, main: str, master: str, keys: Path) -> Prepared:
    """Read and enact the files (ConfigError: FILE:LINE: what); choose the lab's service:
    the block's, else as `demo --postfix` does (wrapper mode for an implicit-TLS script,
    submission for one that authenticates, else port 25)."""
    config = read_postfix_text(main, master)
    folder = ensure_lab_keys(keys).folder
    listeners = list(enact(config, folder).listeners)
    scenario = SCENARIOS[block.scenario]
    if block.service:
        chosen = [x for x in listeners if block.service in (x.service.name, x.service.key)]
        if not chosen:
            known = ", ".join(x.service.name for x in listeners)
            raise ConfigError("master.cf", 0, f"no smtpd service {block.service!r} ({known})")
    else:
        fits = [x for x in listeners if x.policy.implicit_tls == scenario.implicit_tls]
        wanted = 587 if scenario.authenticate else 25
        chosen = sorted(fits or listeners, key=lambda x: x.port != wanted)
    listener = chosen[0]
    hostname = listener.policy.hostname
    name = hostname if hostname.endswith((".test", ".localhost")) else DEFAULT_NAME
    return Prepared(config, listener, name, folder)


def session_factory(prepared: Prepared, client_policy: str | None) -> SessionFactory:
    """A factory of lab sessions against the prepared service (the lab screen's interface)."""

    def make(scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        from sandbox.lab.session import LabSession

        listener = prepared.listener
        return LabSession(
            scenario,
            emit=emit,
            client_policy=policy or client_policy,
            server_policy=listener.policy,
            server_chain=listener.chain,
            ca_file=prepared.keys / "root.pem",
            server_hostname=prepared.server_hostname,
            keep_secrets=True,
        )

    return make


async def probe(block: ConfigLab, main: str, master: str, keys: Path) -> list[ProbeResult]:
    """The block's probes against the learner's files (ConfigError if they cannot run)."""
    return await probe_postfix(main, master, keys, block.probes)


def log_context(prepared: Prepared, session: object) -> LogContext:
    """What the Postfix log of a lab session needs beyond its events: the service the sender
    reached, the script's envelope, and the warning of a key the server could not load."""
    from sandbox.config.postfix.scenarios_run import key_problem
    from sandbox.lab.scenarios import RECIPIENT, SENDER

    listener = prepared.listener
    server = getattr(session, "server", None)
    problem = None
    if getattr(server, "tls_problem", None) is not None:
        problem = key_problem(prepared.config, listener, prepared.keys)
    return LogContext(
        server=f"{prepared.server_hostname}[127.0.0.1]:{listener.port}",
        sender=SENDER,
        recipients=(RECIPIENT,),
        key_problem=problem,
    )


def log_lines(
    events: Sequence[SandboxEvent], started: dt.datetime, ctx: LogContext | None = None
) -> list[str]:
    """One session's lines in Postfix's log format (`sandbox.config.postfix.log`); `started`:
    the wall-clock time of its first event."""
    if not events:
        return []
    lines = postfix_log(events, ctx or LogContext(server=f"{DEFAULT_NAME}[127.0.0.1]:25"))
    first = events[0].ts
    return [line.render(started, first) for line in lines]


def lab_factory(
    lab: Lab, lessons: Iterable[Lesson], data: Path | None = None
) -> SessionFactory | None:
    """The sessions a lab block's own server asks for: a config lab's files (the learner's saved
    edit, else the lesson's) or Postfix-named settings over the scenario's server; None when
    the block names neither (the scenario's server as it is)."""
    from tutor.model.config_edits import keys_dir, load_edit

    if lab.world is not None:
        return world_factory(lab.world, lab, data)
    if lab.config is not None:
        block = next(
            (
                b
                for lesson in lessons
                for step in lesson.steps
                for b in step.blocks
                if isinstance(b, ConfigLab) and b.name == lab.config
            ),
            None,
        )
        if block is None:
            return None
        found = block

        def from_config(scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
            def text(file: str) -> str:
                saved = load_edit(found.name, file, data)
                start = found.master_cf if file == "master.cf" else found.file(file)
                return saved if saved is not None else start

            # a broken edit is a start error the lab says in words (LabScreen._start_failed)
            if found.system == "exchange":
                ready = config_exchange.prepare(found, text(config_exchange.SCRIPT))
                return config_exchange.session_factory(ready, None)(scenario, emit, policy)
            prepared = prepare(found, text("main.cf"), text("master.cf"), keys_dir(data))
            return session_factory(prepared, None)(scenario, emit, policy)

        return from_config
    server = lab_server(lab)
    if server is None:
        return None

    def with_server(scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        from sandbox.lab.session import LabSession

        return LabSession(
            scenario, emit=emit, client_policy=policy, server_policy=server, keep_secrets=True
        )

    return with_server


def lab_server(lab: Lab) -> ServerPolicy | None:
    """The server a lab block's server-... keys make over its scenario's; None without them."""
    if lab.server_policy is None and lab.server_auth_only is None and lab.server_min_tls is None:
        return None
    from sandbox.smtpd.describe import server_variant

    return server_variant(
        lab.server_policy,
        auth_only=lab.server_auth_only,
        min_tls=lab.server_min_tls,
        base=SCENARIOS[lab.scenario].server_policy,
    )


POLICY_FOLDER = "policy-labs"
"""The data folder's sub-folder of what learners wrote in world labs (policies, TLSA records)."""


def world_factory(world: str, lab: Lab, data: Path | None = None) -> SessionFactory:
    """Sessions in a lab world (`sandbox.lab.world_session`): the client reads the world's
    records and decides; its TLS-RPT reports go to the data folder's `tlsrpt/` (0600 files)."""
    server = lab_server(lab)

    def in_world(scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        from sandbox.lab.world_session import WorldLabSession
        from sandbox.safety.files import data_dir

        folder = data or data_dir()
        # the learner's policy, one file per world it starts from (POLICY_FOLDER, 0600)
        edited = folder / POLICY_FOLDER / f"{world}.txt" if lab.edit is not None else None
        return WorldLabSession(
            scenario,
            emit=emit,
            world=world,
            report_dir=folder / "tlsrpt",
            server_policy=server,
            keep_secrets=True,
            policy_file=edited,
        )

    return in_world
