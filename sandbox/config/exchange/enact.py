"""The sandbox runs an Exchange configuration: receive connectors listen, send connectors decide.

    exchange = ExchangeSandbox(config, emit=print)
    await exchange.start()          # every port the connectors bind, mapped to a loopback port
    exchange.ports[25]              # -> the loopback port standing for port 25
    await exchange.stop()

Each enabled receive connector is a `SandboxServer` with the `ServerPolicy` closest to it
(`receive_policy`). For each port the connectors bind, one listener on 127.0.0.1 takes the
connection and hands it to the connector whose -RemoteIPRanges hold the client's address most
narrowly, as Exchange picks (properties.md L43): a test connecting from 127.0.0.2 reaches another
connector than one from 127.0.0.3. No connector for the address: the connection is closed unread.
Send connectors become the client's `TlsPolicy` for a recipient domain (`send_choice`, L44).
Where the sandbox cannot answer as Exchange would, `differences` says so in plain words.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from sandbox.client.policy import TlsPolicy
from sandbox.config.exchange.model import ExchangeConfig, ReceiveConnector, SendConnector
from sandbox.events import Level, Notice, SandboxEvent
from sandbox.pki.certs import CertBundle, ensure_certs, load_cert
from sandbox.smtpd.policy import ServerPolicy, TlsLevel
from sandbox.smtpd.server import SandboxServer

Emit = Callable[[SandboxEvent], None]
EXCHANGE_MAX_MESSAGE_SIZE = 36 * 1024 * 1024
"""A receive connector's default MaxMessageSize (36 MB), advertised in SIZE."""


def certificate_name(certs: CertBundle) -> str:
    """The sandbox certificate as -TlsCertificateName names it: `<I>issuer<S>subject`."""
    cert = load_cert(certs.server_cert)

    def dn(name: x509.Name) -> str:
        return ", ".join(a.rfc4514_string() for a in reversed(list(name)))

    return f"<I>{dn(cert.issuer)}<S>{dn(cert.subject)}"


def _same_certificate(wanted: str, certificate: str) -> bool:
    """Names compared as Exchange matches them: issuer and subject, each part, any case."""

    def parts(text: str) -> tuple[frozenset[str], ...]:
        issuer, _, subject = text.removeprefix("<I>").partition("<S>")
        return tuple(
            frozenset(p.strip().lower() for p in half.split(",") if p.strip())
            for half in (issuer, subject)
        )

    return parts(wanted) == parts(certificate)


def finds_certificate(c: ReceiveConnector, certificate: str | None) -> bool:
    """False when -TlsCertificateName names no certificate the server has: Exchange then
    offers no STARTTLS on the connector (None: the certificate is not known, so not checked)."""
    return (
        not c.tls_certificate_name
        or certificate is None
        or _same_certificate(c.tls_certificate_name, certificate)
    )


def receive_policy(c: ReceiveConnector, certificate: str | None = None) -> ServerPolicy:
    """The sandbox server's settings for a receive connector; `certificate` is the server's
    certificate as `certificate_name` gives it, to check -TlsCertificateName against."""
    tls = "Tls" in c.auth_mechanism and finds_certificate(c, certificate)
    level: TlsLevel = "encrypt" if c.require_tls and tls else ("may" if tls else "none")
    basic_in_clear = "BasicAuth" in c.auth_mechanism and (
        "BasicAuthRequireTLS" not in c.auth_mechanism
    )
    plain_name = c.fqdn and all(ch.isalnum() or ch in ".-" for ch in c.fqdn)
    return ServerPolicy(
        tls_level=level,
        auth_only_after_tls=not basic_in_clear,
        auth_required=not c.anonymous,
        # AUTH LOGIN/PLAIN is BasicAuth; a connector for authenticated users needs some AUTH,
        # and password AUTH is the only kind the sandbox has
        sasl_enabled="BasicAuth" in c.auth_mechanism or not c.anonymous,
        relay="keep" if c.relays_for_anyone else "refuse",
        max_message_size=EXCHANGE_MAX_MESSAGE_SIZE,
        hostname=c.fqdn if plain_name else ServerPolicy().hostname,
    )


def differences(c: ReceiveConnector, certificate: str | None = None) -> list[str]:
    """Where the sandbox, enacting `c`, does not answer as Exchange would, and why."""
    out = []
    if not finds_certificate(c, certificate):
        out.append(
            f"-TlsCertificateName names no certificate of this server ({certificate} is the "
            "sandbox's), so no STARTTLS is offered"
            + (
                ": Exchange would refuse every MAIL, the sandbox takes plaintext mail."
                if c.require_tls
                else "."
            )
        )
    if c.require_tls and finds_certificate(c, certificate):
        out.append(
            "MAIL before STARTTLS: Exchange answers '451 5.7.3 STARTTLS is required to send "
            "mail' (temporary), the sandbox Postfix's '530 5.7.0 Must issue a STARTTLS command "
            "first' (permanent): its server speaks Postfix's replies."
        )
        if "Tls" not in c.auth_mechanism:
            out.append(
                "Without Tls in AuthMechanism Exchange never offers STARTTLS; the sandbox offers "
                "it so that RequireTLS can be met at all."
            )
    if not c.anonymous:
        out.append(
            "Anonymous MAIL: Exchange answers '530 5.7.1 Client was not authenticated', the "
            "sandbox '530 5.7.0 Authentication required'."
        )
    if "Partners" in c.permission_groups:
        out.append(
            "Partners authenticate with a TLS client certificate (Domain Security); the sandbox "
            "has none, so a partner is treated as an anonymous sender that must AUTH."
        )
    if "BasicAuth" not in c.auth_mechanism and not c.anonymous:
        out.append(
            "Without BasicAuth Exchange offers no AUTH PLAIN/LOGIN; the sandbox offers them "
            "(after TLS), as its only way to authenticate a user or a server."
        )
    if c.role == "HubTransport" and any(b.port == 25 for b in c.bindings):
        out.append(
            "In the Transport service on port 25 it would clash with the Front End Transport "
            "service's port 25; the sandbox serves both from one listener."
        )
    return out


@dataclass(frozen=True, slots=True)
class SendChoice:
    """The send connector Exchange uses for a domain, and the client policy that stands for it."""

    connector: SendConnector
    policy: TlsPolicy
    server_hostname: str  # the name the certificate must carry when the policy verifies


def connector_policy(c: SendConnector) -> TlsPolicy:
    """`CLIENT_POLICIES` read backwards: RequireTLS, TlsAuthLevel and IgnoreSTARTTLS."""
    if c.ignore_starttls:
        return TlsPolicy.NONE
    if not c.require_tls:
        return TlsPolicy.MAY
    match c.tls_auth_level:
        case None | "EncryptionOnly":
            return TlsPolicy.ENCRYPT
        case "DomainValidation":
            return TlsPolicy.VERIFY if c.tls_domain else TlsPolicy.SECURE
        case _:  # CertificateValidation: no level checks the chain alone; verify is stricter
            return TlsPolicy.VERIFY


def send_choice(config: ExchangeConfig, domain: str) -> SendChoice | None:
    """The most specific address space that matches `domain`, then the lowest cost; None when
    no enabled send connector covers it (Exchange leaves such mail in an Unreachable queue)."""
    best: tuple[int, int, SendConnector] | None = None
    for c in config.send:
        if not c.enabled:
            continue
        for space in c.address_spaces:
            score = space.matches(domain)
            if score >= 0 and (best is None or (score, -space.cost) > best[:2]):
                best = (score, -space.cost, c)
    if best is None:
        return None
    connector = best[2]
    return SendChoice(connector, connector_policy(connector), connector.tls_domain or domain)


def route(config: ExchangeConfig, port: int, source: str) -> ReceiveConnector | None:
    """The enabled receive connector on `port` whose -RemoteIPRanges hold `source` most narrowly."""
    address = ipaddress.ip_address(source.split("%")[0])
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    best: tuple[int, ReceiveConnector] | None = None
    for c in config.receive:
        if not c.enabled or all(b.port != port for b in c.bindings):
            continue
        sizes = [r.size for r in c.remote_ranges if address in r]
        if sizes and (best is None or min(sizes) < best[0]):
            best = (min(sizes), c)
    return best[1] if best else None


class ExchangeSandbox:
    """Every receive connector of `config` listening on loopback (see the module docstring)."""

    def __init__(
        self,
        config: ExchangeConfig,
        *,
        emit: Emit | None = None,
        certs: CertBundle | None = None,
        maildir: Path | None = None,
    ) -> None:
        self.config = config
        self._maildir = maildir
        self._emit = emit or (lambda event: None)
        self._certs = certs
        self.servers: dict[str, SandboxServer] = {}
        self.ports: dict[int, int] = {}  # the port a connector binds -> the loopback port used
        self.host = "127.0.0.1"
        self._listeners: list[asyncio.Server] = []
        self._streams: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        try:
            for c in self.config.receive:
                if not c.enabled:
                    continue
                self._certs = self._certs or ensure_certs()
                policy = receive_policy(c, certificate_name(self._certs))
                server = SandboxServer(
                    policy, certs=self._certs, emit=self._emit, maildir=self._maildir
                )
                await server.start(self.host, 0)
                self.servers[c.name] = server
            wanted = sorted({b.port for c in self.config.receive if c.enabled for b in c.bindings})
            for port in wanted:
                listener = await asyncio.start_server(
                    functools.partial(self._accept, port), self.host, 0
                )
                self._listeners.append(listener)
                self.ports[port] = listener.sockets[0].getsockname()[1]
        except BaseException:
            await self.stop()
            raise

    @property
    def certs(self) -> CertBundle | None:
        """The CA and server certificate every connector uses (None before start)."""
        return self._certs

    @property
    def delivered(self) -> int:
        """Messages accepted by all the connectors so far."""
        return sum(server.mailbox.delivered for server in self.servers.values())

    def mapping(self) -> list[tuple[int, int, list[str]]]:
        """(Exchange port, loopback port, the connectors bound to it), for the learner."""
        return [
            (
                port,
                local,
                [
                    c.name
                    for c in self.config.receive
                    if c.enabled and any(b.port == port for b in c.bindings)
                ],
            )
            for port, local in self.ports.items()
        ]

    async def _accept(
        self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._streams.add(writer)
        try:
            source = writer.get_extra_info("peername")[0]
            connector = route(self.config, port, source)
            if connector is None:
                self._emit(
                    Notice(
                        level=Level.WARNING,
                        text=(
                            f"No receive connector on port {port} admits {source}: Exchange drops "
                            "the connection."
                        ),
                    )
                )
                return
            self._emit(
                Notice(
                    level=Level.INFO,
                    text=(f"{source} reached receive connector '{connector.name}' (port {port})."),
                )
            )
            server = self.servers[connector.name]
            local = (source, 0) if source.startswith("127.") else None
            up_reader, up_writer = await asyncio.open_connection(
                server.host, server.port, local_addr=local
            )
            self._streams.add(up_writer)
            try:
                await asyncio.gather(_pump(reader, up_writer), _pump(up_reader, writer))
            finally:
                self._streams.discard(up_writer)
                up_writer.close()
        except OSError:
            pass
        finally:
            self._streams.discard(writer)
            writer.close()
            self._tasks.discard(task)

    async def stop(self) -> None:
        """Stop listening and end every connection; safe to call twice."""
        for listener in self._listeners:
            listener.close()
        for writer in list(self._streams):
            writer.transport.abort()
        tasks = [t for t in self._tasks if t is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for listener in self._listeners:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(listener.wait_closed(), 5)
        self._listeners.clear()
        servers, self.servers = self.servers, {}
        for server in servers.values():
            await server.stop()

    async def __aenter__(self) -> ExchangeSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until it ends, then end the other side's writing too."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()
