"""One config lab, two systems: what the config lab screen asks of the learner's files, answered
for Postfix (`config_link`) or for Exchange (`config_exchange`). Pure: no Textual.

    runner = runner_for(block, keys)
    runner.check(texts)       # the linter's findings, or the error that stops a read
    runner.prepare(texts)     # ConfigError, or the lab session's server and client chosen
    runner.session(...)       # a lab session against what prepare chose
    await runner.probe(texts) # the block's probes on real loopback sessions
    runner.log(events, t0)    # the session in the system's own log format

The screen (`tutor.ui.screens.lab_config`) holds one runner and never names a system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from sandbox.config.postfix.log import LogContext
from sandbox.config.postfix.probes import ProbeResult
from sandbox.events import SandboxEvent
from tutor.model.config_lab import SYSTEMS, ConfigLab
from tutor.ui import config_exchange, config_link
from tutor.ui.config_checked import Checked
from tutor.ui.lab_link import Emit, LabSessionLike

Texts = Mapping[str, str]  # file name -> what the editor holds


class ConfigRunner(Protocol):
    files: tuple[str, ...]  # the editor's tabs, in order
    clean_key: str  # the words said when the linter finds nothing

    def starting_text(self, file: str) -> str: ...
    def check(self, texts: Texts) -> Checked: ...
    @property
    def prepared(self) -> bool: ...
    def prepare(self, texts: Texts) -> None: ...
    def session(self, scenario: str, emit: Emit, policy: str | None) -> LabSessionLike: ...
    async def probe(self, texts: Texts) -> list[ProbeResult]: ...
    def service(self) -> tuple[str, dict[str, object]] | None: ...
    def attach(self, session: object) -> None: ...
    def log(self, events: Sequence[SandboxEvent], started: dt.datetime) -> list[str]: ...


class PostfixRunner:
    """main.cf and master.cf; the lab talks to one smtpd service, as `demo --postfix` does."""

    clean_key = "config.clean"

    def __init__(self, block: ConfigLab, keys: Path) -> None:
        self.block, self.keys = block, keys
        names = tuple(name for name, _ in block.files) or ("main.cf",)
        self.files = names if "master.cf" in names else (*names, "master.cf")
        self._prepared: config_link.Prepared | None = None
        self._context: LogContext | None = None

    def starting_text(self, file: str) -> str:
        return self.block.master_cf if file == "master.cf" else self.block.file(file)

    def check(self, texts: Texts) -> Checked:
        return config_link.check_postfix(texts["main.cf"], texts["master.cf"], self.keys)

    @property
    def prepared(self) -> bool:
        return self._prepared is not None

    def prepare(self, texts: Texts) -> None:
        main, master = texts["main.cf"], texts["master.cf"]
        self._prepared = config_link.prepare(self.block, main, master, self.keys)

    def session(self, scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        assert self._prepared is not None
        factory = config_link.session_factory(self._prepared, self.block.client_policy)
        return factory(scenario, emit, policy)

    async def probe(self, texts: Texts) -> list[ProbeResult]:
        return await config_link.probe(self.block, texts["main.cf"], texts["master.cf"], self.keys)

    def service(self) -> tuple[str, dict[str, object]] | None:
        if self._prepared is None:
            return None
        listener = self._prepared.listener
        policy = listener.policy
        return "config.service", {
            "service": listener.service.name, "port": listener.port, "level": policy.tls_level,
            "wrapper": "yes" if policy.implicit_tls else "no",
        }  # fmt: skip

    def attach(self, session: object) -> None:
        """The log's names and the server's key warning, for the session just started."""
        if self._prepared is not None:
            self._context = config_link.log_context(self._prepared, session)

    def log(self, events: Sequence[SandboxEvent], started: dt.datetime) -> list[str]:
        return config_link.log_lines(events, started, self._context)


class ExchangeRunner:
    """A script of connector cmdlets; the lab is `demo --exchange`'s (config_exchange)."""

    clean_key = "config.clean_exchange"

    def __init__(self, block: ConfigLab, keys: Path) -> None:
        self.block = block
        self.files = SYSTEMS["exchange"]
        self._prepared: config_exchange.Prepared | None = None

    def starting_text(self, file: str) -> str:
        return self.block.file(file)

    def _script(self, texts: Texts) -> str:
        return texts[self.files[0]]

    def check(self, texts: Texts) -> Checked:
        return config_exchange.check_exchange(self._script(texts))

    @property
    def prepared(self) -> bool:
        return self._prepared is not None

    def prepare(self, texts: Texts) -> None:
        self._prepared = config_exchange.prepare(self.block, self._script(texts))

    def session(self, scenario: str, emit: Emit, policy: str | None) -> LabSessionLike:
        assert self._prepared is not None
        factory = config_exchange.session_factory(self._prepared, self.block.client_policy)
        return factory(scenario, emit, policy)

    async def probe(self, texts: Texts) -> list[ProbeResult]:
        return await config_exchange.probe(self.block, self._script(texts))

    def service(self) -> tuple[str, dict[str, object]] | None:
        p = self._prepared
        if p is None:
            return None
        sender = p.sender
        return "config.connectors", {
            "receive": p.connector.name, "port": p.port, "domain": p.domain,
            "send": sender.connector.name if sender else "-",
            "policy": sender.policy.value if sender else "-",
        }  # fmt: skip

    def attach(self, session: object) -> None:
        """Nothing to add: the protocol log needs only the connector prepare chose."""

    def log(self, events: Sequence[SandboxEvent], started: dt.datetime) -> list[str]:
        if self._prepared is None:
            return []
        return config_exchange.log_lines(self._prepared, events, started)


def runner_for(block: ConfigLab, keys: Path) -> ConfigRunner:
    if block.system == "exchange":
        return ExchangeRunner(block, keys)
    return PostfixRunner(block, keys)
