"""The lab world's DNS: zones the lab defines, answered by a resolver the lab's client uses
instead of the system's (no packet ever leaves the machine; every address is loopback).

    zone = Zone("example.test", signed=True, mx=(MxRecord(10, "sandbox.test"),),
                txt={"_mta-sts.example.test": ("v=STSv1; id=1;",)},
                tlsa={"_25._tcp.sandbox.test": (record,)},
                hosts={"sandbox.test": "127.0.0.1"})
    resolver = LabResolver([zone])
    resolver.mx("example.test").records     # ("sandbox.test",)
    resolver.tlsa("sandbox.test").secure    # True: the zone is "signed"

DNSSEC is simulated by one flag per zone: an answer from a signed zone is `secure` (what a
validating resolver says with the AD bit), from an unsigned one it is not. That is all DANE needs
to know (RFC 7672 2.2: TLSA records from an insecure zone are ignored).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sandbox.dane.tlsa import TlsaRecord
from sandbox.safety.loopback import is_loopback

T = TypeVar("T")


class NoSuchName(LookupError):
    """NXDOMAIN: no zone of the lab world holds this name."""


@dataclass(frozen=True, slots=True)
class MxRecord:
    preference: int
    host: str


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    records: tuple[T, ...]
    secure: bool  # from a signed zone (the AD bit of a validating resolver)


def _norm(name: str) -> str:
    return name.lower().rstrip(".")


@dataclass(frozen=True, slots=True)
class Zone:
    domain: str
    signed: bool = False
    mx: tuple[MxRecord, ...] = ()
    txt: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    tlsa: Mapping[str, tuple[TlsaRecord, ...]] = field(default_factory=dict)
    hosts: Mapping[str, str] = field(default_factory=dict)  # A/AAAA: name -> loopback address

    def __post_init__(self) -> None:
        for host, address in self.hosts.items():
            if not is_loopback(address):  # properties.md K1/I1: the lab world is loopback only
                raise ValueError(f"{host} -> {address}: the lab world has loopback addresses only")

    def holds(self, name: str) -> bool:
        name, domain = _norm(name), _norm(self.domain)
        return name == domain or name.endswith("." + domain)


class LabResolver:
    """Answers from the lab's zones only; a name outside them is `NoSuchName`."""

    def __init__(self, zones: Iterable[Zone]) -> None:
        self.zones = tuple(zones)

    def zone_of(self, name: str) -> Zone:
        holding = [z for z in self.zones if z.holds(name)]
        if not holding:
            raise NoSuchName(f"{name}: no such name in the lab world")
        return max(holding, key=lambda z: len(z.domain))  # the most specific zone

    def mx(self, domain: str) -> Answer[str]:
        zone = self.zone_of(domain)
        ordered = (
            sorted(zone.mx, key=lambda r: r.preference)
            if _norm(domain) == _norm(zone.domain)
            else []
        )
        return Answer(tuple(r.host for r in ordered), zone.signed)

    def txt(self, name: str) -> Answer[str]:
        zone = self.zone_of(name)
        found = {_norm(k): v for k, v in zone.txt.items()}.get(_norm(name), ())
        return Answer(tuple(found), zone.signed)

    def tlsa(self, host: str, port: int = 25) -> Answer[TlsaRecord]:
        name = f"_{port}._tcp.{_norm(host)}"
        zone = self.zone_of(host)
        found = {_norm(k): v for k, v in zone.tlsa.items()}.get(name, ())
        return Answer(tuple(found), zone.signed)

    def address(self, host: str) -> str:
        zone = self.zone_of(host)
        found = {_norm(k): v for k, v in zone.hosts.items()}.get(_norm(host))
        if found is None:
            raise NoSuchName(f"{host}: no address in the lab world")
        return found
