"""`check` against the sandbox in every Postfix break/fix configuration and in Exchange
equivalents (properties.md N6): each finding on the server that has it, and gone once fixed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sandbox.check.findings import CheckLevel
from sandbox.check.report import Report, check
from sandbox.check.run import Role
from sandbox.config.exchange.enact import ExchangeSandbox
from sandbox.config.exchange.reader import read_text
from sandbox.config.postfix.enact import enact
from sandbox.config.postfix.reader import read_postfix
from sandbox.config.postfix.scenarios import HOSTNAME, NAMES, BreakFix, get
from sandbox.pki.certs import CertBundle
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.server import SandboxServer

# lab -> (the finding that shows its fault, its state when broken, its state when fixed)
EXPECT: dict[str, tuple[str, str, str]] = {
    "postfix-key-mismatch": ("starttls", "refused", "offered"),
    "postfix-key-unreadable": ("starttls", "refused", "offered"),
    "postfix-expired-cert": ("expiry", "expired", "ok"),
    "postfix-leaf-only": ("chain_complete", "missing", "ok"),
    "postfix-wrong-name": ("name", "mismatch", "ok"),
    "postfix-tls13-only": ("tls1.2", "refused", "accepted"),
    "postfix-encrypt-on-mx": ("plaintext_mail", "refused", "accepted"),
    "postfix-auth-before-tls": ("auth_before_tls", "offered", "none"),
}


async def lab_check(lab: BreakFix, folder: Path, *, fixed: bool) -> Report:
    """The lab's server as its (broken or fixed) files configure it, checked as a learner
    would check their own: the MX name, the lab's root as the trust store."""
    keys = ensure_lab_keys(folder).folder
    main, master = lab.write(keys, fixed=fixed)
    plan = enact(read_postfix(str(main), str(master)), keys)
    listener = next(x for x in plan.listeners if x.service.name == lab.service)
    server = SandboxServer(listener.policy, chain=listener.chain, accounts={"u": "p-Pa55word"})
    await server.start()
    role: Role = "submission" if lab.service == "submission" else "mx"
    try:
        return await asyncio.to_thread(
            check, "127.0.0.1", server.port, name=HOSTNAME, ca_file=keys / "root.pem", role=role
        )
    finally:
        await server.stop()


def test_n6_every_break_fix_lab_has_its_finding() -> None:
    assert set(EXPECT) == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
async def test_n6_break_fix_lab_finding_broken_and_fixed(name: str, tmp_path: Path) -> None:
    lab = get(name)
    key, broken_state, fixed_state = EXPECT[name]
    broken = await lab_check(lab, tmp_path / "lab", fixed=False)
    found = broken.find(key)
    assert found is not None and found.state == broken_state, broken.states()
    assert found.level is not CheckLevel.OK
    fixed = await lab_check(lab, tmp_path / "lab", fixed=True)
    found = fixed.find(key)
    assert found is not None and found.state == fixed_state, fixed.states()
    assert found.level is CheckLevel.OK
    problems = [f.key for f in fixed.findings if f.level is CheckLevel.PROBLEM]
    assert problems == [], fixed.states()
    assert fixed.obs.connections <= 8 and broken.obs.connections <= 8  # N2


# --- Exchange: the same faults, written as connector cmdlets ----------------------------------

EXCHANGE: list[tuple[str, str, str, str, str, int]] = [
    # (broken script, fixed script, finding, broken state, fixed state, the port checked)
    (
        "Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS $true",
        "Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS $false",
        "plaintext_mail", "refused", "accepted", 25,
    ),
    (
        "New-ReceiveConnector Partner -Custom -Bindings 0.0.0.0:2601 -RemoteIPRanges 127.0.0.1 "
        "-PermissionGroups AnonymousUsers -AuthMechanism None",
        "New-ReceiveConnector Partner -Custom -Bindings 0.0.0.0:2601 -RemoteIPRanges 127.0.0.1 "
        "-PermissionGroups AnonymousUsers -AuthMechanism Tls",
        "starttls", "missing", "offered", 2601,
    ),
    (
        "New-ReceiveConnector Clients -Custom -Bindings 0.0.0.0:2602 -RemoteIPRanges 127.0.0.1 "
        "-PermissionGroups AnonymousUsers, ExchangeUsers -AuthMechanism Tls,BasicAuth",
        "New-ReceiveConnector Clients -Custom -Bindings 0.0.0.0:2602 -RemoteIPRanges 127.0.0.1 "
        "-PermissionGroups AnonymousUsers, ExchangeUsers "
        "-AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS",
        "auth_before_tls", "offered", "none", 2602,
    ),
]  # fmt: skip


@pytest.fixture
async def exchange_check(certs: CertBundle) -> AsyncIterator[object]:
    started: list[ExchangeSandbox] = []

    async def run(script: str, port: int) -> Report:
        sandbox = ExchangeSandbox(read_text(script, "lab.ps1"), certs=certs)
        started.append(sandbox)
        await sandbox.start()
        role: Role = "mx" if port == 25 else "other"
        return await asyncio.to_thread(
            check, "127.0.0.1", sandbox.ports[port], name="sandbox.test",
            ca_file=certs.ca_cert, role=role,
        )  # fmt: skip

    yield run
    for sandbox in started:
        await sandbox.stop()


@pytest.mark.parametrize(("broken", "fixed", "key", "bad", "good", "port"), EXCHANGE)
async def test_n6_exchange_equivalents(
    exchange_check: object, broken: str, fixed: str, key: str, bad: str, good: str, port: int
) -> None:
    run = exchange_check
    report = await run(broken, port)  # type: ignore[operator]
    assert report.states().get(key) == bad, report.states()
    report = await run(fixed, port)  # type: ignore[operator]
    assert report.states().get(key) == good, report.states()


async def test_n4_an_expired_chain_is_one_finding(tmp_path: Path) -> None:
    """The lab's expired leaf outlived nothing else: its intermediate was made after it expired,
    so no time makes the chain valid; expiry says it, trust does not say it again."""
    report = await lab_check(get("postfix-expired-cert"), tmp_path, fixed=False)
    assert report.states()["expiry"] == "expired"
    assert "chain_trust" not in report.states()
    assert report.states()["chain_complete"] == "ok"
