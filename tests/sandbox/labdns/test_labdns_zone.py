"""The lab world's DNS: zones, the signed flag, a loopback-only resolver."""

from __future__ import annotations

import pytest

from sandbox.dane.tlsa import TlsaRecord
from sandbox.labdns.zone import LabResolver, MxRecord, NoSuchName, Zone

RECORD = TlsaRecord(3, 1, 1, b"\x01" * 32)


def _resolver(signed: bool) -> LabResolver:
    return LabResolver(
        [
            Zone(
                "example.test",
                signed=signed,
                mx=(MxRecord(20, "mx2.example.test"), MxRecord(10, "mx1.example.test")),
                txt={"_mta-sts.example.test": ("v=STSv1; id=1;",)},
                tlsa={"_25._tcp.mx1.example.test": (RECORD,)},
                hosts={"mx1.example.test": "127.0.0.1", "mta-sts.example.test": "::1"},
            ),
            Zone("sub.example.test", signed=not signed),
        ]
    )


@pytest.mark.parametrize("signed", [True, False])
def test_p17_answers_carry_the_zones_signed_flag(signed: bool) -> None:
    resolver = _resolver(signed)
    assert resolver.mx("example.test") == type(resolver.mx("example.test"))(
        ("mx1.example.test", "mx2.example.test"), signed
    )
    assert resolver.tlsa("MX1.example.test.").records == (RECORD,)
    assert resolver.tlsa("mx1.example.test").secure is signed
    assert resolver.txt("_mta-sts.example.test").records == ("v=STSv1; id=1;",)
    assert resolver.txt("_smtp._tls.example.test").records == ()
    assert resolver.tlsa("x.sub.example.test").secure is not signed  # the most specific zone


def test_p17_outside_the_lab_world_there_is_nothing() -> None:
    resolver = _resolver(True)
    with pytest.raises(NoSuchName):
        resolver.mx("gmail.com")
    with pytest.raises(NoSuchName):
        resolver.address("mx2.example.test")
    assert resolver.address("mta-sts.example.test") == "::1"


@pytest.mark.parametrize("address", ["192.0.2.1", "10.0.0.1", "example.com", "0.0.0.0"])
def test_p17_loopback_addresses_only(address: str) -> None:
    with pytest.raises(ValueError, match="loopback"):
        Zone("example.test", hosts={"mx.example.test": address})
