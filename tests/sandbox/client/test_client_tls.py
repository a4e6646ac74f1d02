"""The tutor's client and TLS (properties.md F1, F4, F8, F9 and the TLS policies), on real sockets.

F2 and F3 (no downgrade, no injected plaintext) are in test_client_downgrade.py."""

from __future__ import annotations

import asyncio
import os
import ssl
from pathlib import Path
from typing import Any

import pytest
from client_fakes import Events, FakeConn, MiniSmtp, serving, tls_client, verbs
from cryptography import x509
from cryptography.hazmat.primitives import hashes

from sandbox.client.framing import SmtpProtocolError, SmtpTimeoutError, TlsHandshakeError
from sandbox.client.policy import shared_client_context
from sandbox.client.smtp import SmtpClient
from sandbox.events import ConversationLine, Level, SessionClosed, TlsEstablished, TlsFailed
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle, load_ca, make_ca, make_leaf, write_pair

USER, PASSWORD = "learner", "demo-pa55"
MESSAGE = "Subject: over TLS\n\nHello from the tutor's own client.\n"


@pytest.fixture(scope="session")
def server_tls(certs: CertBundle) -> ssl.SSLContext:
    """The sandbox's own certificate: signed by the sandbox CA, for sandbox.test."""
    return tlsconfig.server_context(certs.server_cert, certs.server_key)


@pytest.fixture(scope="session")
def impostor_tls(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A man in the middle's certificate: the right names, from another CA."""
    ca_key, ca_cert = make_ca("impostor CA")
    cert, key = write_pair(
        tmp_path_factory.mktemp("impostor"), "server", *make_leaf(ca_key, ca_cert)
    )
    return tlsconfig.server_context(cert, key)


@pytest.fixture(scope="session")
def wrong_name_tls(certs: CertBundle, tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """The right CA, but a certificate for another name."""
    leaf = make_leaf(*load_ca(certs), ("other.test",))
    cert, key = write_pair(tmp_path_factory.mktemp("wrong-name"), "server", *leaf)
    return tlsconfig.server_context(cert, key)


# --- F1: verification by default ------------------------------------------------------------------


async def test_f1_verified_starttls_session_and_what_it_reports(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(tls=server_tls)
    events = Events()
    async with serving(smtp) as server:
        client = tls_client(server.port, events, certs)  # no policy given: the default
        assert client.policy == "verify"
        reply = await client.send_mail(USER + "@sandbox.test", "friend@sandbox.test", MESSAGE,
                                       user=USER, password=PASSWORD)  # fmt: skip
        assert reply.code == 250
    assert smtp.logins == [f"{USER}:{PASSWORD}"]
    assert [(tls, line.split()[0]) for tls, line in smtp.commands] == [
        (False, "EHLO"), (False, "STARTTLS"), (True, "EHLO"), (True, "AUTH"),
        (True, "MAIL"), (True, "RCPT"), (True, "DATA"), (True, "QUIT"),
    ]  # fmt: skip
    [tls] = events.of(TlsEstablished)
    assert tls.verified
    assert tls.version in ("TLSv1.2", "TLSv1.3")
    assert tls.server_hostname == "sandbox.test"
    summary = tls.peer_cert
    assert summary is not None
    leaf = x509.load_pem_x509_certificate(certs.server_cert.read_bytes())
    assert summary.sha256 == leaf.fingerprint(hashes.SHA256()).hex(":").upper()
    assert "CN=sandbox.test" in summary.subject
    assert "smtp-tutor sandbox CA" in summary.issuer
    assert "DNS:sandbox.test" in summary.san
    assert summary.not_after == leaf.not_valid_after_utc.isoformat()
    infos = events.notices(Level.INFO)
    assert any(t.startswith(f"TLS started with cipher {tls.version}:{tls.cipher}:") for t in infos)
    assert "Certificate verified for sandbox.test" in infos
    # The swaks markers: plaintext up to the 220, inside TLS from the second EHLO on.
    lines = events.lines()
    assert "<- 220 2.0.0 Ready to start TLS" in lines
    assert "~> EHLO client.test" in lines
    assert lines[-1] == "<~ 221 2.0.0 Bye"
    assert events.closed()[-1].clean


@pytest.mark.parametrize(
    ("server", "trusted", "why"),
    [
        ("impostor_tls", True, "unable to get local issuer certificate"),
        ("wrong_name_tls", True, "Hostname mismatch"),
        ("server_tls", False, "unable to get local issuer certificate"),  # system store only
    ],
    ids=["another-CA", "wrong-hostname", "no-ca-file"],
)
async def test_f1_refuses_a_certificate_it_cannot_verify(
    request: pytest.FixtureRequest, certs: CertBundle, server: str, trusted: bool, why: str
) -> None:
    smtp = MiniSmtp(tls=request.getfixturevalue(server))
    events = Events()
    async with serving(smtp) as fake:
        client = tls_client(fake.port, events, certs if trusted else None)
        with pytest.raises(TlsHandshakeError, match="certificate verify failed"):
            await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE,
                                   user=USER, password=PASSWORD)  # fmt: skip
        assert not client.connected
    assert verbs(smtp) == ["EHLO", "STARTTLS"]  # nothing after the failed handshake
    assert smtp.logins == []
    [failed] = events.of(TlsFailed)
    assert why in failed.reason
    assert not events.of(TlsEstablished)
    assert events.closed()[-1].clean is False


async def test_f1_policy_none_verifies_when_a_learner_types_starttls(
    certs: CertBundle, impostor_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(tls=impostor_tls)
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs, policy="none")
        await client.connect()
        await client.ehlo()
        assert not await client.negotiate_tls()  # none: never on its own
        with pytest.raises(TlsHandshakeError):
            await client.raw("STARTTLS")


# --- opportunistic and unverified policies --------------------------------------------------------


@pytest.mark.parametrize("policy", ["may", "encrypt"])
async def test_may_and_encrypt_accept_any_certificate_and_say_so(
    certs: CertBundle, impostor_tls: ssl.SSLContext, policy: str
) -> None:
    smtp = MiniSmtp(tls=impostor_tls)
    events = Events()
    async with serving(smtp) as server:
        client = tls_client(server.port, events, certs, policy=policy)
        reply = await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE,
                                       user=USER, password=PASSWORD)  # fmt: skip
        assert reply.code == 250
    [tls] = events.of(TlsEstablished)
    assert not tls.verified
    assert tls.peer_cert is not None
    assert "impostor CA" in tls.peer_cert.issuer  # what the learner sees of the attacker
    assert "Certificate NOT verified: any certificate is accepted" in events.notices(Level.WARNING)
    assert verbs(smtp)[3] == "AUTH"
    assert smtp.commands[3][0]  # inside TLS


async def test_may_falls_back_to_plaintext_when_starttls_is_stripped(certs: CertBundle) -> None:
    smtp = MiniSmtp(ehlo_plain=("SIZE 1048576",))
    events = Events()
    async with serving(smtp) as server:
        client = tls_client(server.port, events, certs, policy="may")
        assert (await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)).code == 250
    assert verbs(smtp) == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]
    assert "STARTTLS not offered: going on in plaintext" in events.notices(Level.WARNING)
    assert not events.of(TlsEstablished)


async def test_none_never_sends_starttls(certs: CertBundle, server_tls: ssl.SSLContext) -> None:
    smtp = MiniSmtp(tls=server_tls)
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs, policy="none")
        assert (await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)).code == 250
    assert "STARTTLS" not in verbs(smtp)
    assert smtp.messages


# --- F4: forget everything after the handshake ----------------------------------------------------


async def test_f4_capabilities_come_only_from_the_ehlo_after_tls(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(
        tls=server_tls,
        ehlo_plain=("SIZE 1048576", "STARTTLS", "X-PLAIN-ONLY"),
        ehlo_tls=("SIZE 2048", "AUTH PLAIN LOGIN"),
    )
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs)
        await client.connect()
        await client.ehlo()
        assert client.capabilities == {"SIZE": "1048576", "STARTTLS": "", "X-PLAIN-ONLY": ""}
        assert (await client.starttls()).code == 220
        assert client.tls_active
        assert client.capabilities == {}  # RFC 3207 §4.2: nothing learned before counts
        await client.ehlo()
        assert client.capabilities == {"SIZE": "2048", "AUTH": "PLAIN LOGIN"}
        assert (await client.starttls()).code == 554  # B4: the server refuses, we stay in TLS
        assert client.tls_active
        await client.quit()
    assert smtp.commands[:3] == [
        (False, "EHLO client.test"), (False, "STARTTLS"), (True, "EHLO client.test")
    ]  # fmt: skip


async def test_negotiate_tls_sends_ehlo_again_by_itself(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(tls=server_tls)
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs)
        await client.connect()
        await client.ehlo()
        assert await client.negotiate_tls()
        assert "AUTH" in client.capabilities
        assert "STARTTLS" not in client.capabilities
        assert client.tls_version in ("TLSv1.2", "TLSv1.3")
        assert client.cipher
        assert client.peer_cert is not None
        await client.quit()
    assert verbs(smtp) == ["EHLO", "STARTTLS", "EHLO", "QUIT"]


async def test_a_server_that_accepts_starttls_inside_tls_is_dropped(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(tls=server_tls, starttls_in_tls_reply=b"220 sure, again\r\n")
    async with serving(smtp) as server:
        client = tls_client(server.port, Events(), certs)
        await client.connect()
        await client.ehlo()
        await client.negotiate_tls()
        with pytest.raises(SmtpProtocolError, match="inside TLS"):
            await client.starttls()
        assert not client.connected


async def test_a_handshake_that_never_comes_times_out(certs: CertBundle) -> None:
    async def no_handshake(conn: FakeConn) -> None:
        await conn.send(b"220 fake.test\r\n")
        await conn.line()
        await conn.send(b"250-fake.test\r\n250 STARTTLS\r\n")
        await conn.line()
        await conn.send(b"220 go\r\n")
        await conn.until_closed()  # the ClientHello is never answered

    async with serving(no_handshake) as server:
        client = tls_client(server.port, Events(), certs, timeout=1.5)  # EHLO in time when busy
        await client.connect()
        await client.ehlo()
        with pytest.raises(SmtpTimeoutError, match="TLS handshake"):
            await client.starttls()


# --- F8: implicit TLS -----------------------------------------------------------------------------


async def test_f8_implicit_tls_from_the_first_byte(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(ehlo_tls=("SIZE 1048576", "AUTH PLAIN LOGIN"))
    events = Events()
    async with serving(smtp, tls=server_tls) as server:
        client = tls_client(server.port, events, certs, implicit_tls=True)
        reply = await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE,
                                       user=USER, password=PASSWORD)  # fmt: skip
        assert reply.code == 250
    assert verbs(smtp) == ["EHLO", "AUTH", "MAIL", "RCPT", "DATA", "QUIT"]
    assert all(tls for tls, _ in smtp.commands)
    first_line = next(i for i, e in enumerate(events) if isinstance(e, ConversationLine))
    first_tls = next(i for i, e in enumerate(events) if isinstance(e, TlsEstablished))
    assert first_tls < first_line  # the handshake came before the banner
    assert all(e.tls for e in events.of(ConversationLine))
    assert events.lines()[0] == "<~ 220 fake.test ESMTP"


async def test_f8_implicit_tls_verifies_too(
    certs: CertBundle, impostor_tls: ssl.SSLContext
) -> None:
    events = Events()
    async with serving(MiniSmtp(), tls=impostor_tls) as server:
        client = tls_client(server.port, events, certs, implicit_tls=True)
        with pytest.raises(TlsHandshakeError, match="certificate verify failed"):
            await client.connect()
    assert events.of(TlsFailed)
    assert not events.of(SessionClosed)  # there never was a session


def test_f8_implicit_tls_needs_a_policy_that_uses_tls() -> None:
    with pytest.raises(ValueError, match="implicit TLS"):
        SmtpClient("127.0.0.1", 465, implicit_tls=True, policy="none")


# --- F9: 221, then no close_notify ----------------------------------------------------------------


@pytest.mark.parametrize("hang_up", ["abort", "reset"])
@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "implicit"])
async def test_f9_server_hanging_up_without_close_notify_after_221_is_fine(
    certs: CertBundle, server_tls: ssl.SSLContext, implicit: bool, hang_up: str
) -> None:
    loop_errors: list[dict[str, Any]] = []
    asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx))
    smtp = MiniSmtp(tls=server_tls, abort_after_quit=hang_up)
    events = Events()
    async with serving(smtp, tls=server_tls if implicit else None) as server:
        client = tls_client(server.port, events, certs, implicit_tls=implicit)
        await client.connect()
        await client.ehlo()
        await client.negotiate_tls()
        quit_reply = await client.quit()
        assert quit_reply.code == 221
        assert not client.connected
        await client.close()  # again: harmless
    assert events.notices(Level.ERROR) == []
    [closed] = events.closed()
    assert closed.clean
    await asyncio.sleep(0.05)  # let any late transport callback run
    assert loop_errors == []


async def test_keylog_file_only_when_asked_and_private(
    certs: CertBundle, server_tls: ssl.SSLContext, tmp_path: Path
) -> None:
    keylog = tmp_path / "tls-keys.log"
    async with serving(MiniSmtp(tls=server_tls)) as server:
        client = tls_client(server.port, Events(), certs, keylog_file=keylog)
        await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)
    assert keylog.stat().st_mode & 0o777 == 0o600
    assert b"CLIENT_" in keylog.read_bytes()  # TLS 1.3 traffic secrets, for Wireshark


async def test_a_missing_ca_file_fails_before_starttls_is_sent(
    tmp_path: Path, server_tls: ssl.SSLContext
) -> None:
    smtp = MiniSmtp(tls=server_tls)
    events = Events()
    async with serving(smtp) as server:
        client = SmtpClient(
            "127.0.0.1", server.port, ca_file=tmp_path / "gone.pem", emit=events.append
        )
        await client.connect()
        await client.ehlo()
        with pytest.raises(TlsHandshakeError, match="cannot use the CA file"):
            await client.starttls()
        await client.quit()
    assert verbs(smtp) == ["EHLO", "QUIT"]
    assert any("gone.pem" in text for text in events.notices(Level.ERROR))


def test_sessions_share_a_context_until_the_ca_file_changes(
    certs: CertBundle, tmp_path: Path
) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_bytes(certs.ca_cert.read_bytes())
    first = shared_client_context(ca, verify=True)
    assert shared_client_context(ca, verify=True) is first
    assert shared_client_context(ca, verify=False) is not first
    stat = ca.stat()
    os.utime(ca, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # regenerated
    assert shared_client_context(ca, verify=True) is not first
