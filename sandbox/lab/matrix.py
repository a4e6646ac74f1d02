"""Every attack of the threat lab against every client policy: the outcome table.

    matrix = await run_matrix()
    matrix.cell("strip", "may").outcome.cell      # "plain READ"
    world = await run_matrix(["strip"], WORLD_COLUMNS)   # the lab-world columns (dane, mta-sts)
    world.cell("strip", "mta-sts testing").report        # the TLS-RPT report it wrote

Each cell is a real lab session (`sandbox.lab.session.LabSession`: sandbox server, wire tap, client
on loopback), run to its end; its events are kept, so a test can check each cell on the wire,
and `sandbox.threats.outcome` says what it meant. A few cells run at once to keep the whole table
quick.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.client.policy import TlsPolicy
from sandbox.events import SandboxEvent
from sandbox.lab import catalog
from sandbox.lab.session import LabSession
from sandbox.labdns.world import WORLD_COLUMNS, Setup, decide, lab_world, tls_report
from sandbox.smtpd.policy import ServerPolicy
from sandbox.threats.outcome import Outcome, outcome

POLICIES: tuple[str, ...] = tuple(p.value for p in TlsPolicy if not p.reads_dns)
__all__ = ["POLICIES", "WORLD_COLUMNS", "CellRun", "Matrix", "run_cell", "run_matrix"]


@dataclass(frozen=True, slots=True)
class CellRun:
    attack: str
    policy: str
    outcome: Outcome
    events: tuple[SandboxEvent, ...]
    report: Mapping[str, Any] | None = None  # a lab-world cell's TLS-RPT report, if any failed
    decided: str = ""  # a lab-world cell: what the client decided (a key of world.DECIDED)


@dataclass(frozen=True, slots=True)
class Matrix:
    attacks: tuple[str, ...]
    policies: tuple[str, ...]
    runs: tuple[CellRun, ...]
    seconds: float  # wall-clock time the whole table took

    def cell(self, attack: str, policy: str) -> CellRun:
        for run in self.runs:
            if run.attack == attack and run.policy == policy:
                return run
        raise KeyError((attack, policy))

    def rows(self) -> list[tuple[str, list[Outcome]]]:
        """One row per attack, one outcome per policy, in the table's order."""
        return [(a, [self.cell(a, p).outcome for p in self.policies]) for a in self.attacks]


async def run_cell(
    attack: str,
    policy: str,
    *,
    server_policy: ServerPolicy | None = None,
    reply_timeout: float = 5.0,
) -> CellRun:
    """One attack (any lab in the catalogue, in fact) against one client policy, played to the
    end. A lab-world column (`WORLD_COLUMNS`) runs in its world (`run_world_cell`)."""
    if policy in WORLD_COLUMNS:
        return await run_world_cell(
            attack, policy, server_policy=server_policy, reply_timeout=reply_timeout
        )
    events: list[SandboxEvent] = []
    session = LabSession(
        attack,
        emit=events.append,
        client_policy=policy,
        server_policy=server_policy,
        timeout=reply_timeout,
    )
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()  # the tap and server are done: every event is in
    return CellRun(attack, policy, outcome(events, client_policy=policy), tuple(events))


async def run_world_cell(
    attack: str,
    setup: str,
    *,
    server_policy: ServerPolicy | None = None,
    reply_timeout: float = 5.0,
    report_dir: Path | None = None,
) -> CellRun:
    """One attack against a `dane` or `mta-sts` client in the lab world `setup`: the client
    reads the domain's records, acts as they say, and a TLS-RPT report is made of what failed
    (written to `report_dir` when given)."""
    events: list[SandboxEvent] = []
    async with lab_world(setup) as world:
        decision = await decide(Setup(setup).level, world)
        if not decision.refuse_before_connecting:
            session = LabSession(
                attack,
                emit=events.append,
                client_policy=decision.policy,
                server_policy=server_policy,
                server_hostname=decision.server_hostname,
                timeout=reply_timeout,
                cert_check=decision.cert_check,
            )
            await session.start()
            try:
                await session.play()
            finally:
                await session.stop()
    report = tls_report(decision, events)
    if report is not None and report_dir is not None:
        from sandbox.tlsrpt.report import write_report

        write_report(report_dir, report)
    result = outcome(events, client_policy=setup)
    return CellRun(attack, setup, result, tuple(events), report, decision.why_key)


async def run_matrix(
    attacks: Sequence[str] | None = None,
    policies: Sequence[str] = POLICIES,
    *,
    server_policy: ServerPolicy | None = None,
    concurrency: int = 4,
    reply_timeout: float = 5.0,
) -> Matrix:
    """Every attack against every policy; `concurrency` sessions at once.

    `attacks` defaults to every attack in the catalogue now, registered extensions included."""
    if attacks is None:
        attacks = catalog.attacks()
    for name in attacks:  # an unknown name fails here, not in a cell after the others ran
        if not catalog.get(name).attack:
            known = ", ".join(catalog.attacks())
            raise ValueError(f"{name!r} is a lab without an attack; the attacks: {known}")
    started = time.perf_counter()
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(attack: str, policy: str) -> CellRun:
        async with gate:
            return await run_cell(
                attack, policy, server_policy=server_policy, reply_timeout=reply_timeout
            )

    runs = await asyncio.gather(*(one(a, p) for a in attacks for p in policies))
    return Matrix(tuple(attacks), tuple(policies), tuple(runs), time.perf_counter() - started)
