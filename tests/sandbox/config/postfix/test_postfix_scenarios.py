"""Break and fix on real sockets (properties.md L28-L31): each lab's fault line gives the symptom a
learner diagnoses, its fix takes it away, `postfix check` names the fault's line, and the log says
what Postfix's would."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.config.postfix.enact import enact
from sandbox.config.postfix.lint import lint
from sandbox.config.postfix.log import postfix_log
from sandbox.config.postfix.reader import read_postfix
from sandbox.config.postfix.scenarios import BREAK_FIX, LISTED, NAMES, BreakFix, get
from sandbox.config.postfix.scenarios_run import Run, run_lab
from sandbox.events import (
    ConversationLine,
    MessageDelivered,
    NoTls,
    SandboxEvent,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    TlsMissing,
)
from sandbox.lab import catalog
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.server import SandboxServer


def _replies(events: list[SandboxEvent], verb: str) -> list[int]:
    """The codes of the final replies to each `verb` the client sent."""
    out, waiting = [], ""
    for e in events:
        if isinstance(e, ConversationLine) and e.sender is Side.CLIENT and e.verb:
            waiting = e.verb
        elif isinstance(e, ConversationLine) and e.final and waiting:
            if waiting == verb:
                out.append(e.code or 0)
            waiting = ""
    return out


def _failed(events: list[SandboxEvent]) -> list[TlsFailure]:
    return [e.cause for e in events if isinstance(e, TlsFailed)]


def _delivered(events: list[SandboxEvent]) -> bool:
    return any(isinstance(e, MessageDelivered) for e in events)


def _ehlo_offers_auth_before_tls(events: list[SandboxEvent]) -> bool:
    return any(
        isinstance(e, ConversationLine) and e.sender is Side.SERVER and not e.tls
        and e.code == 250 and e.text[4:].upper().startswith("AUTH")
        for e in events
    )  # fmt: skip


def _auth_in_clear(events: list[SandboxEvent]) -> bool:
    return 235 in _replies(events, "AUTH") and not any(
        isinstance(e, TlsEstablished) for e in events
    )


# name -> (the symptom of the fault, the line of Postfix's log that says it)
SYMPTOMS: dict[str, tuple[Callable[[list[SandboxEvent]], bool], str]] = {
    "postfix-key-mismatch": (
        lambda ev: _replies(ev, "STARTTLS") == [454]
        and any(isinstance(e, TlsMissing) and e.why is NoTls.STARTTLS_REFUSED and e.refused
                for e in ev),
        'warning: cannot get RSA private key from file "',
    ),
    "postfix-key-unreadable": (
        lambda ev: _replies(ev, "STARTTLS") == [454] and not _delivered(ev),
        "No such file or directory",
    ),
    "postfix-expired-cert": (
        lambda ev: _failed(ev) == [TlsFailure.EXPIRED] and not _delivered(ev),
        "status=deferred (Server certificate not trusted)",
    ),
    "postfix-leaf-only": (
        lambda ev: _failed(ev) == [TlsFailure.UNTRUSTED] and not _delivered(ev),
        "num=20:unable to get local issuer certificate",
    ),
    "postfix-wrong-name": (
        lambda ev: _failed(ev) == [TlsFailure.WRONG_NAME] and not _delivered(ev),
        "status=deferred (Server certificate not verified)",
    ),
    "postfix-tls13-only": (
        lambda ev: _failed(ev) == [TlsFailure.PROTOCOL_VERSION] and not _delivered(ev),
        "SSL routines::unsupported protocol",
    ),
    "postfix-encrypt-on-mx": (
        lambda ev: _replies(ev, "MAIL") == [530] and not _delivered(ev),
        " mail=0/1 ",
    ),
    "postfix-auth-before-tls": (
        lambda ev: _ehlo_offers_auth_before_tls(ev) and _auth_in_clear(ev),
        "sasl_method=PLAIN, sasl_username=learner",
    ),
}  # fmt: skip


def test_l28_every_lab_has_a_symptom_and_is_in_the_catalogue() -> None:
    assert set(SYMPTOMS) == set(NAMES)
    assert len(LISTED) >= 7
    for name in LISTED:
        assert name in catalog.SCENARIOS
        assert catalog.get(name).summary == get(name).summary
    assert set(NAMES) - set(LISTED) == {"postfix-tls13-only"}  # its client: TLS 1.2 only


@pytest.mark.parametrize("lab", BREAK_FIX, ids=NAMES)
async def test_l29_the_fault_line_gives_the_symptom(lab: BreakFix, tmp_path: Path) -> None:
    run = await run_lab(lab, tmp_path / "lab")
    symptom, log_line = SYMPTOMS[lab.name]
    assert symptom(run.events), run.events
    log = [line.text for line in postfix_log(run.events, run.log_context(lab))]
    assert any(log_line in line for line in log), log


@pytest.mark.parametrize("lab", BREAK_FIX, ids=NAMES)
async def test_l29_the_fix_line_takes_the_symptom_away(lab: BreakFix, tmp_path: Path) -> None:
    run: Run = await run_lab(lab, tmp_path / "lab", fixed=True)
    symptom, _ = SYMPTOMS[lab.name]
    assert not symptom(run.events)
    assert not _failed(run.events)
    if lab.name != "postfix-auth-before-tls":  # fixed, a sender without TLS has no AUTH left
        assert _delivered(run.events), run.events


@pytest.mark.parametrize("lab", [b for b in BREAK_FIX if b.finding], ids=lambda b: b.name)
def test_l30_postfix_check_names_the_fault_line(lab: BreakFix, tmp_path: Path) -> None:
    keys = ensure_lab_keys(tmp_path / "lab").folder
    main, master = lab.write(keys)
    findings = lint(read_postfix(str(main), str(master)), keys)
    where = {(f.key, Path(f.path).name, f.line) for f in findings}
    assert (lab.finding, lab.fault_file, lab.fault_line) in where, [f.render() for f in findings]
    main, master = lab.write(keys, fixed=True)
    fixed = lint(read_postfix(str(main), str(master)), keys)
    assert lab.finding not in {f.key for f in fixed}


@pytest.mark.parametrize("lab", BREAK_FIX, ids=NAMES)
def test_l31_the_catalogue_policy_is_what_the_sandbox_enacts(lab: BreakFix, tmp_path: Path) -> None:
    keys = ensure_lab_keys(tmp_path / "lab").folder
    main, master = lab.write(keys)
    plan = enact(read_postfix(str(main), str(master)), keys)
    (listener,) = [x for x in plan.listeners if x.service.name == lab.service]
    mine, real = lab.server_policy, listener.policy
    for name in ("tls_level", "implicit_tls", "auth_only_after_tls", "min_tls_version",
                 "max_tls_version", "helo_required", "hostname"):  # fmt: skip
        assert getattr(mine, name) == getattr(real, name), name


async def _served(lab: BreakFix, keys: Path, *, fixed: bool = False) -> SandboxServer:
    main, master = lab.write(keys, fixed=fixed)
    plan = enact(read_postfix(str(main), str(master)), keys)
    (listener,) = [x for x in plan.listeners if x.service.name == lab.service]
    server = SandboxServer(listener.policy, chain=listener.chain)
    await server.start()
    return server


async def _tool(*argv: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode("utf-8", "replace")


@pytest.mark.interop
@pytest.mark.parametrize("fixed", [False, True], ids=["leaf only", "fixed: leaf and issuer"])
async def test_l29_openssl_showcerts_sees_the_leaf_only_chain(
    tool: Callable[[str], str], tmp_path: Path, fixed: bool
) -> None:
    openssl = tool("openssl")
    lab = get("postfix-leaf-only")
    keys = ensure_lab_keys(tmp_path / "lab").folder
    server = await _served(lab, keys, fixed=fixed)
    try:
        argv = [
            openssl if part == "openssl" else part.format(keys=keys, address=server.address)
            for part in lab.tool
        ]
        _, out = await _tool(*argv, "-verify_hostname", "mail.sandbox.test", "-verify_return_error")
    finally:
        await server.stop()
    sent = out.count("-----BEGIN CERTIFICATE-----")
    if fixed:
        assert sent == 2 and "Verify return code: 0 (ok)" in out, out
    else:
        assert sent == 1, out
        assert "unable to get local issuer certificate" in out, out


@pytest.mark.interop
async def test_l29_openssl_checkend_sees_the_expired_certificate(
    tool: Callable[[str], str], tmp_path: Path
) -> None:
    openssl = tool("openssl")
    lab = get("postfix-expired-cert")
    keys = ensure_lab_keys(tmp_path / "lab").folder
    argv = [openssl if p == "openssl" else p.format(keys=keys) for p in lab.tool]
    code, out = await _tool(*argv)
    assert code == 1 and "Certificate will expire" in out, out
    code, out = await _tool(*[a.replace("expired.pem", "server.pem") for a in argv])
    assert code == 0 and "Certificate will not expire" in out, out
