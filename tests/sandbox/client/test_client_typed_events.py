"""The typed facts the client puts in its events, so nobody reads them back out of text: a reply
line's code and whether it ends its reply, a command's verb, and why TLS is missing (F2)."""

from __future__ import annotations

import ssl

import pytest
from client_fakes import Events, MiniSmtp, serving, tls_client

from sandbox.client.framing import SmtpClientError, TlsRequiredError
from sandbox.events import ConversationLine, NoTls, Side, TlsMissing
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle

MESSAGE = "Subject: typed\n\nMAIL FROM:<not-a-command@x.test>\n"


@pytest.fixture(scope="module")
def server_tls(certs: CertBundle) -> ssl.SSLContext:
    return tlsconfig.server_context(certs.server_cert, certs.server_key)


def said(events: Events, side: Side) -> list[ConversationLine]:
    return [e for e in events.of(ConversationLine) if e.sender is side]


async def test_reply_lines_carry_their_code_and_the_last_one_says_so(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    events = Events()
    async with serving(MiniSmtp(tls=server_tls)) as fake:
        client = tls_client(fake.port, events, certs)
        await client.connect()
        await client.ehlo()
        await client.quit()
    ehlo = [(e.code, e.final) for e in said(events, Side.SERVER)][1:-1]
    assert ehlo == [(250, False), (250, False), (250, False), (250, True)]
    banner = said(events, Side.SERVER)[0]
    assert (banner.code, banner.final, banner.verb) == (220, True, "")


async def test_commands_carry_their_verb_and_secrets_and_message_lines_none(
    certs: CertBundle, server_tls: ssl.SSLContext
) -> None:
    events = Events()
    async with serving(MiniSmtp(tls=server_tls)) as fake:
        client = tls_client(fake.port, events, certs)
        await client.send_mail(
            "a@sandbox.test", "b@sandbox.test", MESSAGE, user="u", password="p", mechanism="LOGIN"
        )
    verbs = [(e.verb, e.tls) for e in said(events, Side.CLIENT)]
    assert verbs == [
        ("EHLO", False),
        ("STARTTLS", False),
        ("EHLO", True),
        ("AUTH", True),
        ("", True),  # user name, after 334
        ("", True),  # password, after 334
        ("MAIL", True),
        ("RCPT", True),
        ("DATA", True),
        ("", True),  # Subject: typed
        ("", True),  # (empty line)
        ("", True),  # a message line that reads like MAIL: no verb
        ("", True),  # the final "."
        ("QUIT", True),
    ]
    assert all(e.code is None for e in said(events, Side.CLIENT))


@pytest.mark.parametrize(
    ("policy", "refused"), [("may", False), ("encrypt", True), ("verify", True)]
)
async def test_f2_starttls_not_offered_is_a_typed_fact(
    certs: CertBundle, policy: str, refused: bool
) -> None:
    events = Events()
    async with serving(MiniSmtp(ehlo_plain=("SIZE 1048576",))) as fake:
        client = tls_client(fake.port, events, certs, policy=policy)
        if refused:
            with pytest.raises(TlsRequiredError):
                await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)
        else:
            await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)
    [missing] = events.of(TlsMissing)
    assert (missing.why, missing.refused, missing.code) == (NoTls.NOT_OFFERED, refused, None)


@pytest.mark.parametrize(("policy", "refused"), [("may", False), ("encrypt", True)])
async def test_f2_starttls_refused_carries_the_code(
    certs: CertBundle, server_tls: ssl.SSLContext, policy: str, refused: bool
) -> None:
    smtp = MiniSmtp(tls=server_tls, starttls_reply=b"454 4.7.0 TLS not available\r\n")
    events = Events()
    async with serving(smtp) as fake:
        client = tls_client(fake.port, events, certs, policy=policy)
        await client.connect()
        await client.ehlo()
        if refused:
            with pytest.raises(TlsRequiredError):
                await client.negotiate_tls()
        else:
            assert not await client.negotiate_tls()
            await client.quit()
    [missing] = events.of(TlsMissing)
    assert (missing.why, missing.refused, missing.code) == (NoTls.STARTTLS_REFUSED, refused, 454)


async def test_f2_ehlo_refused_carries_the_code(certs: CertBundle) -> None:
    events = Events()
    async with serving(MiniSmtp(ehlo_reply=b"502 5.5.2 no EHLO here\r\n")) as fake:
        client = tls_client(fake.port, events, certs, policy="encrypt")
        with pytest.raises(TlsRequiredError):
            await client.send_mail("a@sandbox.test", "b@sandbox.test", MESSAGE)
    [missing] = events.of(TlsMissing)
    assert (missing.why, missing.refused, missing.code) == (NoTls.EHLO_REFUSED, True, 502)


async def test_f2_a_command_held_back_names_its_verb(certs: CertBundle) -> None:
    events = Events()
    smtp = MiniSmtp()
    async with serving(smtp) as fake:
        client = tls_client(fake.port, events, certs, policy="verify")
        await client.connect()
        with pytest.raises(SmtpClientError):
            await client.raw("MAIL FROM:<a@sandbox.test>")
        await client.quit()
    [missing] = events.of(TlsMissing)
    assert (missing.why, missing.refused, missing.verb) == (NoTls.NOT_STARTED, True, "MAIL")
    assert [line for _, line in smtp.commands] == ["QUIT"]  # nothing of it was sent
