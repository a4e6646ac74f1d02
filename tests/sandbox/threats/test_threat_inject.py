"""Injection around STARTTLS, both ways, through a real lab session (properties.md B1, F3, I6).

The matrix (test_matrix.py) checks every policy's cell; these look closer at one session each.
"""

from __future__ import annotations

from test_threat_kit import (
    attack_notices,
    data_dir,
    delivered,
    lines,
    raw,
    run_lab,
    shared_data_dir,
)

from sandbox.events import (
    Level,
    Notice,
    SandboxEvent,
    SessionClosed,
    Side,
    TlsEstablished,
    WireChunk,
)
from sandbox.lab.scenarios import CONNECT, EHLO, EHLO_AGAIN, STARTTLS
from sandbox.lab.session import LabSession
from sandbox.threats.inject_command import EVIL_SENDER, INJECTED_COMMAND
from sandbox.threats.inject_response import INJECTED_RESPONSE

__all__ = ["data_dir", "shared_data_dir"]


async def test_b1_injected_mail_from_opens_no_transaction_a_later_rcpt_gets_503() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("inject-command", emit=events.append, client_policy="verify", timeout=5)
    await session.start()
    try:
        assert session.script[:4] == (CONNECT, EHLO, STARTTLS, EHLO_AGAIN)
        for _ in range(4):
            await session.step()
        assert session.client.tls_active
        # Had the server kept the injected MAIL FROM, this RCPT would join its transaction.
        reply = await session.send("RCPT TO:<friend@sandbox.test>")
        assert reply is not None and reply.code == 503, reply
        assert (await session.send("QUIT")) is not None
    finally:
        await session.stop()
    # On the wire: the injection crossed right after STARTTLS, marked as injected (I6) ...
    sent = raw(events, Side.CLIENT)
    assert b"STARTTLS\r\n" + INJECTED_COMMAND in sent
    assert lines(events, Side.CLIENT, injected=True) == [f"MAIL FROM:<{EVIL_SENDER}>"]
    # ... and the server said it threw those bytes away, no more and no fewer.
    warnings = [e.text for e in events if isinstance(e, Notice) and e.level is Level.WARNING]
    assert any(f"discarded {len(INJECTED_COMMAND)} bytes" in w for w in warnings), warnings
    assert not delivered(events)
    tls = [e for e in events if isinstance(e, TlsEstablished)]
    assert len(tls) == 1 and tls[0].verified  # the real server, verified: nothing else changed


async def test_i7_injection_is_announced_as_it_happens() -> None:
    events = await run_lab("inject-command", "may")
    notices = attack_notices(events)
    assert notices[0].startswith("ATTACK ON")
    assert any(INJECTED_COMMAND.decode().strip() in n for n in notices[1:])


async def test_f3_client_drops_the_connection_on_an_injected_reply() -> None:
    events = await run_lab("inject-response", "may")
    # The 220 and the forged reply reached the client in one write, as the attacker sent them.
    chunks = [e.data for e in events if isinstance(e, WireChunk) and e.sender is Side.SERVER]
    assert any(c.endswith(b"Ready to start TLS\r\n" + INJECTED_RESPONSE) for c in chunks), chunks
    errors = [e.text for e in events if isinstance(e, Notice) and e.level is Level.ERROR]
    assert any("more plaintext after its 220" in t for t in errors), errors
    closed = [e for e in events if isinstance(e, SessionClosed)]
    assert closed and not closed[0].clean
    assert not any(isinstance(e, TlsEstablished) for e in events)


async def test_none_client_never_says_starttls_so_there_is_nothing_to_inject_into() -> None:
    events = await run_lab("inject-command", "none")
    assert "STARTTLS" not in lines(events, Side.CLIENT)
    assert not lines(events, Side.CLIENT, injected=True)
    assert attack_notices(events)[1:] == []  # announced, but it never had a chance
    assert [d.mail_from for d in delivered(events)] == ["learner@sandbox.test"]
