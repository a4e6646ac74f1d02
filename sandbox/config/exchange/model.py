"""Exchange connectors as data: the receive and send connectors, their values, and the defaults.

The five receive connectors every Exchange Server 2016/2019/SE Mailbox server has from setup, and
what `New-ReceiveConnector -Usage` puts in PermissionGroups and AuthMechanism, are written here
once (properties.md L42). Values keep the line of the script that set them (0: a default), so the
linter can point at it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Literal

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

SERVER = "EX01"
"""The sandbox's Exchange server name: the default connectors are named after it."""
SERVER_FQDN = "ex01.sandbox.test"

Role = Literal["FrontendTransport", "HubTransport"]
ROLES: tuple[Role, ...] = ("FrontendTransport", "HubTransport")
PERMISSION_GROUPS = (
    "None",
    "AnonymousUsers",
    "ExchangeUsers",
    "ExchangeServers",
    "ExchangeLegacyServers",
    "Partners",
    "Custom",
)
AUTH_MECHANISMS = (
    "None",
    "Tls",
    "Integrated",
    "BasicAuth",
    "BasicAuthRequireTLS",
    "ExchangeServer",
    "ExternalAuthoritative",
)
RECEIVE_USAGES = ("Client", "Internal", "Internet", "Partner", "Custom")
SEND_USAGES = ("Custom", "Internal", "Internet", "Partner")
TLS_AUTH_LEVELS = ("EncryptionOnly", "CertificateValidation", "DomainValidation")
ANONYMOUS_LOGON = "NT AUTHORITY\\ANONYMOUS LOGON"
ACCEPT_ANY_RECIPIENT = "Ms-Exch-SMTP-Accept-Any-Recipient"

_CLIENT_AUTH = ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")
USAGE_PRESETS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # -Usage -> (PermissionGroups, AuthMechanism), as New-ReceiveConnector sets them
    "Client": (("ExchangeUsers",), _CLIENT_AUTH),
    "Internal": (("ExchangeServers", "ExchangeLegacyServers"), ("Tls", "ExchangeServer")),
    "Internet": (("AnonymousUsers",), ("Tls",)),
    "Partner": (("Partners",), ("Tls",)),
    "Custom": ((), ("Tls",)),
}


class ValueProblem(ValueError):
    """A value Exchange would not convert; the reader adds the file and line."""


@dataclass(frozen=True, slots=True)
class Binding:
    """`-Bindings 0.0.0.0:25`: the local address (0.0.0.0 or :: for all) and port."""

    address: IpAddress
    port: int

    def __str__(self) -> str:
        host = f"[{self.address}]" if self.address.version == 6 else str(self.address)
        return f"{host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> Binding:
        host, sep, port = text.strip().rpartition(":")
        try:
            if not sep or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError
            return cls(ipaddress.ip_address(host.strip("[]")), int(port))
        except ValueError:
            raise ValueProblem(
                f'Cannot convert value "{text}" to type "Microsoft.Exchange.Data.IPBinding": '
                "write ADDRESS:PORT, for example 0.0.0.0:25 or [::]:25."
            ) from None


@dataclass(frozen=True, slots=True)
class IpRange:
    """One entry of `-RemoteIPRanges`: an address, `first-last`, or a CIDR block."""

    text: str
    first: IpAddress
    last: IpAddress

    @property
    def size(self) -> int:
        return int(self.last) - int(self.first) + 1

    def __contains__(self, address: object) -> bool:
        return (
            isinstance(address, IpAddress)
            and address.version == self.first.version
            and int(self.first) <= int(address) <= int(self.last)
        )

    @classmethod
    def parse(cls, text: str) -> IpRange:
        text = text.strip()
        try:
            if "/" in text:
                net = ipaddress.ip_network(text, strict=False)
                return cls(text, net[0], net[-1])
            lo, sep, hi = text.partition("-")
            first = ipaddress.ip_address(lo.strip())
            last = ipaddress.ip_address(hi.strip()) if sep else first
            if first.version != last.version or int(last) < int(first):
                raise ValueError
            return cls(text, first, last)
        except ValueError:
            raise ValueProblem(
                f'Cannot convert value "{text}" to type "Microsoft.Exchange.Data.IPRange": write '
                "an address, FIRST-LAST or ADDRESS/BITS, for example 192.0.2.0/24."
            ) from None


ALL_IPV4 = IpRange.parse("0.0.0.0-255.255.255.255")
ALL_IPV6 = IpRange(
    "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    *(ipaddress.ip_network("::/0")[i] for i in (0, -1)),
)
ALL_RANGES = (ALL_IPV4, ALL_IPV6)


@dataclass(frozen=True, slots=True)
class AddressSpace:
    """`-AddressSpaces "SMTP:*.contoso.com;10"`: a domain pattern and its cost."""

    domain: str  # "*", "contoso.com" or "*.contoso.com", lower case
    cost: int = 1

    def __str__(self) -> str:
        return f"SMTP:{self.domain};{self.cost}"

    def matches(self, domain: str) -> int:
        """How specific the match is (longer is more specific), or -1 for no match."""
        domain = domain.lower().rstrip(".")
        if self.domain == "*":
            return 0
        if self.domain.startswith("*."):
            base = self.domain[2:]
            return len(base) if domain == base or domain.endswith("." + base) else -1
        return len(self.domain) + 1 if domain == self.domain else -1

    @classmethod
    def parse(cls, text: str) -> AddressSpace:
        raw = text.strip()
        kind, sep, rest = raw.partition(":")
        if sep and kind.upper() != "SMTP":
            raise ValueProblem(
                f"Address space '{raw}' is of type {kind}; the sandbox simulates SMTP address "
                "spaces only."
            )
        body = rest if sep else raw
        domain, semi, cost = body.partition(";")
        domain = domain.strip().lower()
        ok = domain == "*" or all(
            label and all(c.isalnum() or c == "-" for c in label)
            for label in domain.removeprefix("*.").split(".")
        )
        if not ok or (semi and not cost.strip().isdigit()):
            raise ValueProblem(
                f"'{raw}' is not a valid SMTP address space: write a domain such as contoso.com "
                "or *.contoso.com, optionally with its cost (SMTP:contoso.com;1)."
            )
        number = int(cost) if semi else 1
        if not 1 <= number <= 100:
            raise ValueProblem(f"The cost of address space '{raw}' must be from 1 to 100.")
        return cls(domain, number)


@dataclass(frozen=True, slots=True)
class ReceiveConnector:
    name: str
    role: Role
    bindings: tuple[Binding, ...]
    remote_ranges: tuple[IpRange, ...] = ALL_RANGES
    usage: str = "Custom"
    permission_groups: tuple[str, ...] = ()
    auth_mechanism: tuple[str, ...] = ("Tls",)
    require_tls: bool = False
    tls_certificate_name: str = ""
    fqdn: str = SERVER_FQDN
    enabled: bool = True
    anonymous_relay: bool = False  # Ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON
    line: int = 0  # where New-ReceiveConnector made it; 0 for a connector from setup
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # parameter -> line

    @property
    def identity(self) -> str:
        return f"{SERVER}\\{self.name}"

    def line_of(self, parameter: str) -> int:
        """The line that last set `parameter`, else the connector's own line."""
        return self.lines.get(parameter, self.line)

    @property
    def anonymous(self) -> bool:
        return "AnonymousUsers" in self.permission_groups

    @property
    def open_to_world(self) -> bool:
        return any(r.size == ALL_IPV4.size or r.size == ALL_IPV6.size for r in self.remote_ranges)

    @property
    def relays_for_anyone(self) -> bool:
        """An anonymous relay: anyone it admits may send to any domain."""
        return (self.anonymous and self.anonymous_relay) or (
            "ExternalAuthoritative" in self.auth_mechanism
        )


@dataclass(frozen=True, slots=True)
class SendConnector:
    name: str
    address_spaces: tuple[AddressSpace, ...]
    usage: str = "Custom"
    smart_hosts: tuple[str, ...] = ()
    dns_routing: bool = True
    require_tls: bool = False
    tls_auth_level: str | None = None
    tls_domain: str = ""
    ignore_starttls: bool = False
    tls_certificate_name: str = ""
    fqdn: str = ""
    enabled: bool = True
    line: int = 0
    lines: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def identity(self) -> str:
        return self.name

    def line_of(self, parameter: str) -> int:
        return self.lines.get(parameter, self.line)


_ALL_AUTH = ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS", "ExchangeServer")
_SERVERS = ("ExchangeServers", "ExchangeLegacyServers")


def default_receive_connectors() -> tuple[ReceiveConnector, ...]:
    """The receive connectors setup creates on a Mailbox server (Exchange 2016, 2019 and SE)."""

    def make(
        name: str, role: Role, port: int, groups: tuple[str, ...], usage: str
    ) -> ReceiveConnector:
        auth = _CLIENT_AUTH if name.startswith("Client Frontend") else _ALL_AUTH
        bindings = (Binding.parse(f"0.0.0.0:{port}"), Binding.parse(f"[::]:{port}"))
        return ReceiveConnector(name, role, bindings, ALL_RANGES, usage, groups, auth)

    return (
        make(f"Default {SERVER}", "HubTransport", 2525, ("ExchangeUsers", *_SERVERS), "Custom"),
        make(
            f"Client Proxy {SERVER}",
            "HubTransport",
            465,
            ("ExchangeUsers", "ExchangeServers"),
            "Custom",
        ),
        make(
            f"Default Frontend {SERVER}",
            "FrontendTransport",
            25,
            ("AnonymousUsers", *_SERVERS),
            "Internet",
        ),
        make(
            f"Outbound Proxy Frontend {SERVER}",
            "FrontendTransport",
            717,
            ("AnonymousUsers", *_SERVERS),
            "Internal",
        ),
        make(f"Client Frontend {SERVER}", "FrontendTransport", 587, ("ExchangeUsers",), "Client"),
    )


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    """What a script leaves: every receive connector (setup's included) and send connector."""

    path: str
    receive: tuple[ReceiveConnector, ...]
    send: tuple[SendConnector, ...]

    def receive_connector(self, name: str) -> ReceiveConnector | None:
        wanted = name.lower()
        return next(
            (c for c in self.receive if wanted in (c.name.lower(), c.identity.lower())), None
        )

    def send_connector(self, name: str) -> SendConnector | None:
        wanted = name.lower()
        return next((c for c in self.send if c.name.lower() == wanted), None)
