"""Exchange connectors enacted on real loopback sockets: which connector a source reaches, and
what each one answers (properties.md L43, L44)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from sandbox.client.policy import TlsPolicy
from sandbox.config.exchange.enact import (
    ExchangeSandbox,
    certificate_name,
    differences,
    route,
    send_choice,
)
from sandbox.config.exchange.reader import read_text
from sandbox.pki import tlsconfig
from sandbox.pki.certs import CertBundle

WAIT = 15.0  # a reply on a busy machine


class Talk:
    """A raw SMTP connection from a chosen loopback source address."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def reply(self) -> str:
        lines: list[str] = []
        while True:
            raw = await asyncio.wait_for(self.reader.readline(), WAIT)
            if not raw:
                raise ConnectionError(f"closed after {lines!r}")
            lines.append(raw.decode("ascii", "replace").rstrip("\r\n"))
            if len(lines[-1]) < 4 or lines[-1][3] != "-":
                return "\n".join(lines)

    async def cmd(self, line: str) -> str:
        self.writer.write(line.encode() + b"\r\n")
        await self.writer.drain()
        return await self.reply()


@pytest.fixture
async def exchange(
    certs: CertBundle,
) -> AsyncIterator[Callable[[str], Awaitable[ExchangeSandbox]]]:
    started: list[ExchangeSandbox] = []
    talks: list[Talk] = []

    async def start(script: str) -> ExchangeSandbox:
        sandbox = ExchangeSandbox(read_text(script, "lab.ps1"), certs=certs)
        started.append(sandbox)
        await sandbox.start()
        return sandbox

    yield start
    for t in talks:
        t.writer.close()
    for sandbox in started:
        await sandbox.stop()


async def talk(sandbox: ExchangeSandbox, port: int, source: str = "127.0.0.1") -> Talk:
    reader, writer = await asyncio.open_connection(
        sandbox.host, sandbox.ports[port], local_addr=(source, 0)
    )
    return Talk(reader, writer)


RELAY = (
    "New-ReceiveConnector -Name 'Copier relay' -TransportRole FrontendTransport -Custom `\n"
    "  -Bindings 0.0.0.0:25 -RemoteIPRanges 127.0.0.2 -PermissionGroups AnonymousUsers\n"
    "Get-ReceiveConnector 'Copier relay' | Add-ADPermission -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
    "-ExtendedRights Ms-Exch-SMTP-Accept-Any-Recipient\n"
)


async def test_l43_the_source_address_picks_the_connector(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]],
) -> None:
    sandbox = await exchange(RELAY)
    relay = await talk(sandbox, 25, "127.0.0.2")
    assert (await relay.reply()).startswith("220 ")
    assert (await relay.cmd("EHLO copier.test")).startswith("250")
    assert (await relay.cmd("MAIL FROM:<scan@copier.test>")).startswith("250")
    # Ms-Exch-SMTP-Accept-Any-Recipient: an outside domain is accepted (kept in the sandbox)
    assert (await relay.cmd("RCPT TO:<someone@outside.example>")).startswith("250")
    other = await talk(sandbox, 25, "127.0.0.3")
    await other.reply()
    await other.cmd("EHLO stranger.test")
    await other.cmd("MAIL FROM:<x@stranger.test>")
    # Default Frontend: anonymous senders may write to the server's own domains only
    assert (await other.cmd("RCPT TO:<someone@outside.example>")).startswith("554 5.7.1")
    for t in (relay, other):
        t.writer.close()


async def test_l43_no_connector_for_the_source_drops_the_connection_unanswered(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]],
) -> None:
    sandbox = await exchange(
        "New-ReceiveConnector Only2 -Custom -Bindings 0.0.0.0:2600 -RemoteIPRanges 127.0.0.2 "
        "-PermissionGroups AnonymousUsers"
    )
    stranger = await talk(sandbox, 2600, "127.0.0.3")
    assert await asyncio.wait_for(stranger.reader.read(), WAIT) == b""
    allowed = await talk(sandbox, 2600, "127.0.0.2")
    assert (await allowed.reply()).startswith("220 ")
    allowed.writer.close()


async def test_l43_every_bound_port_has_its_own_loopback_port(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]],
) -> None:
    sandbox = await exchange("")
    assert sorted(sandbox.ports) == [25, 465, 587, 717, 2525]
    assert len(set(sandbox.ports.values())) == 5
    rows = {port: names for port, _, names in sandbox.mapping()}
    assert rows[587] == ["Client Frontend EX01"]
    # Client Frontend admits ExchangeUsers only: MAIL needs AUTH first. Exchange says
    # '530 5.7.1 Client was not authenticated'; the sandbox's server says aiosmtpd's words.
    client = await talk(sandbox, 587)
    await client.reply()
    await client.cmd("EHLO laptop.test")
    assert (await client.cmd("MAIL FROM:<me@sandbox.test>")).startswith("530 5.7.")
    client.writer.close()


async def test_l43_require_tls_refuses_mail_before_starttls_and_takes_it_after(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]], certs: CertBundle
) -> None:
    sandbox = await exchange("Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS $true")
    wire = await talk(sandbox, 25)
    await wire.reply()
    assert "STARTTLS" in await wire.cmd("EHLO sender.test")
    # Why 530 5.7.0 and not Exchange's own words: the sandbox's server speaks Postfix's replies
    # (ServerPolicy has no field for another text). Exchange 2013 and later (and Exchange Online)
    # answer '451 5.7.3 STARTTLS is required to send mail', a temporary refusal, as far as this
    # project knows from reports of that reply, not from a test against Exchange; Exchange 2003
    # answered '530 5.7.0 Must issue a STARTTLS command first'. `enact.differences` says so.
    assert (await wire.cmd("MAIL FROM:<a@sender.test>")).startswith("530 5.7.0")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    ctx = tlsconfig.client_context(certs.ca_cert)
    await wire.writer.start_tls(ctx, server_hostname="sandbox.test")
    await wire.cmd("EHLO sender.test")
    assert (await wire.cmd("MAIL FROM:<a@sender.test>")).startswith("250")
    wire.writer.close()


async def test_l43_auth_mechanism_decides_starttls_and_auth_in_the_clear(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]],
) -> None:
    sandbox = await exchange(
        "New-ReceiveConnector NoTls -Custom -Bindings 0.0.0.0:2601 -RemoteIPRanges 127.0.0.1 "
        "-PermissionGroups AnonymousUsers -AuthMechanism None\n"
        "New-ReceiveConnector Clear -Custom -Bindings 0.0.0.0:2602 -RemoteIPRanges 127.0.0.1 "
        "-PermissionGroups AnonymousUsers, ExchangeUsers -AuthMechanism Tls,BasicAuth\n"
    )
    plain = await talk(sandbox, 2601)
    await plain.reply()
    ehlo = await plain.cmd("EHLO a.test")
    assert "STARTTLS" not in ehlo and "AUTH" not in ehlo  # no Tls, and no BasicAuth
    clear = await talk(sandbox, 2602)
    await clear.reply()
    ehlo = await clear.cmd("EHLO a.test")
    assert "STARTTLS" in ehlo and "AUTH" in ehlo  # BasicAuth without BasicAuthRequireTLS
    for t in (plain, clear):
        t.writer.close()


async def test_l43_a_certificate_name_that_names_no_certificate_takes_starttls_away(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]], certs: CertBundle
) -> None:
    # Exchange offers STARTTLS only with the certificate -TlsCertificateName names; a thumbprint
    # (or another server's name) names none, and the connector then offers no STARTTLS at all.
    own = certificate_name(certs)
    assert own.startswith("<I>CN=smtp-tutor sandbox CA") and "<S>CN=sandbox.test" in own
    respaced = own.upper().replace(", ", ",")  # case and spaces do not matter
    sandbox = await exchange(
        "Set-ReceiveConnector 'Default Frontend EX01' -TlsCertificateName "
        "'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'\n"
        f"Set-ReceiveConnector 'Client Frontend EX01' -TlsCertificateName '{respaced}'\n"
    )
    for port, offered in ((25, False), (587, True)):
        wire = await talk(sandbox, port)
        await wire.reply()
        assert ("STARTTLS" in await wire.cmd("EHLO a.test")) is offered, port
        wire.writer.close()
    frontend = sandbox.config.receive_connector("Default Frontend EX01")
    assert frontend is not None
    assert "names no certificate of this server" in differences(frontend, own)[0]


def test_l43_the_narrowest_range_wins_and_disabled_connectors_listen_nowhere() -> None:
    config = read_text(
        "New-ReceiveConnector Wide -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 127.0.0.0/8\n"
        "New-ReceiveConnector Narrow -Custom -Bindings 0.0.0.0:25 "
        "-RemoteIPRanges 127.0.0.2-127.0.0.3\n"
        "New-ReceiveConnector Off -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 127.0.0.3 "
        "-Enabled $false\n"
    )
    picked = {
        src: getattr(route(config, 25, src), "name", None)
        for src in ("127.0.0.1", "127.0.0.2", "127.0.0.3", "10.1.1.1", "::1")
    }
    assert picked == {
        "127.0.0.1": "Wide",
        "127.0.0.2": "Narrow",
        "127.0.0.3": "Narrow",
        "10.1.1.1": "Default Frontend EX01",
        "::1": "Default Frontend EX01",
    }
    assert route(config, 26, "127.0.0.1") is None


@pytest.mark.parametrize(
    ("params", "policy"),
    [
        ("", TlsPolicy.MAY),
        ("-IgnoreSTARTTLS $true", TlsPolicy.NONE),
        ("-RequireTLS $true", TlsPolicy.ENCRYPT),
        ("-RequireTLS $true -TlsAuthLevel EncryptionOnly", TlsPolicy.ENCRYPT),
        ("-RequireTLS $true -TlsAuthLevel CertificateValidation", TlsPolicy.VERIFY),
        ("-RequireTLS $true -TlsAuthLevel DomainValidation", TlsPolicy.SECURE),
        (
            "-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain mx.partner.test",
            TlsPolicy.VERIFY,
        ),
    ],
)
def test_l44_a_send_connector_is_the_client_policy_named_in_client_policies(
    params: str, policy: TlsPolicy
) -> None:
    config = read_text(f"New-SendConnector -Name Out -AddressSpaces partner.test {params}")
    choice = send_choice(config, "partner.test")
    assert choice is not None and choice.policy is policy


def test_l44_the_most_specific_address_space_then_the_lowest_cost_wins() -> None:
    config = read_text(
        "New-SendConnector -Name Any -AddressSpaces 'SMTP:*;1'\n"
        "New-SendConnector -Name Sub -AddressSpaces '*.partner.test' -RequireTLS $true\n"
        "New-SendConnector -Name Exact -AddressSpaces 'SMTP:partner.test;10' -RequireTLS $true "
        "-TlsAuthLevel DomainValidation -TlsDomain mx.partner.test\n"
        "New-SendConnector -Name Cheap -AddressSpaces 'SMTP:other.test;1' -IgnoreSTARTTLS $true\n"
        "New-SendConnector -Name Dear -AddressSpaces 'SMTP:other.test;5'\n"
    )
    chosen = {
        d: (c.connector.name, c.policy.value, c.server_hostname)
        for d in ("partner.test", "eu.partner.test", "other.test", "x.example")
        if (c := send_choice(config, d)) is not None
    }
    assert chosen == {
        "partner.test": ("Exact", "verify", "mx.partner.test"),
        "eu.partner.test": ("Sub", "encrypt", "eu.partner.test"),
        "other.test": ("Cheap", "none", "other.test"),
        "x.example": ("Any", "may", "x.example"),
    }
    assert send_choice(read_text(""), "x.example") is None


async def test_l43_stop_ends_open_sessions(
    exchange: Callable[[str], Awaitable[ExchangeSandbox]],
) -> None:
    sandbox = await exchange("")
    wire = await talk(sandbox, 25)
    await wire.reply()
    await sandbox.stop()
    assert await asyncio.wait_for(wire.reader.read(), WAIT) == b""
    await sandbox.stop()  # twice is fine
