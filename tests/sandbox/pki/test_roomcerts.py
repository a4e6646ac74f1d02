"""The room's certificate (properties.md Q5): its SANs name the host learners dial, it verifies
strictly for that name over a real handshake, and its CA can vouch for nothing else."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import stat
from pathlib import Path

import pytest
from cryptography import x509

from sandbox.pki import tlsconfig
from sandbox.pki.certs import ensure_certs, load_ca, load_cert, make_leaf, write_pair
from sandbox.pki.roomcerts import check_hostname, ensure_room_certs, room_names


@pytest.mark.parametrize(
    ("given", "name"),
    [
        ("mail.classroom.test", "mail.classroom.test"),
        ("Room.Example.ORG", "room.example.org"),
        ("192.168.10.5", "192.168.10.5"),
        ("[fd00::25]", "fd00::25"),
        ("localhost", "localhost"),
    ],
)
def test_q5_host_names_accepted(given: str, name: str) -> None:
    assert check_hostname(given) == name


@pytest.mark.parametrize(
    "bad",
    ["", "*.example.org", "a..b", "-a.test", "a-.test", "http://x.test", "x" * 64 + ".test",
     "a b.test", "a\x1b.test", "name.test.", "ü.test"],
)  # fmt: skip
def test_q5_a_bad_host_name_is_one_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="--hostname wants a DNS name or an IP address"):
        check_hostname(bad)


async def _handshake(bundle_ca: Path, server_cert: Path, server_key: Path, name: str) -> str:
    """A real TLS handshake on loopback, the client verifying `name` strictly (G4)."""
    server_ctx = tlsconfig.server_context(server_cert, server_key)

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=server_ctx)
    port = server.sockets[0].getsockname()[1]
    try:
        ctx = tlsconfig.client_context(bundle_ca)
        _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=ctx, server_hostname=name)
        version = writer.get_extra_info("ssl_object").version()
        writer.close()
        return str(version)
    finally:
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize("host", ["room.example.org", "10.1.2.3", "classroom.test"])
async def test_q5_the_room_certificate_verifies_for_its_host(data_dir: Path, host: str) -> None:
    bundle = ensure_room_certs(host)
    leaf = load_cert(bundle.server_cert)
    san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    names = [str(n.value) for n in san]
    assert names[0] == host and {"sandbox.test", "localhost", "127.0.0.1"} <= set(names)
    assert stat.S_IMODE(bundle.ca_key.stat().st_mode) == 0o600  # J2
    for name in (host, "sandbox.test", "localhost"):
        assert await _handshake(bundle.ca_cert, bundle.server_cert, bundle.server_key, name)
    assert ensure_room_certs(host) == bundle  # reused while fresh: learners keep trusting it
    assert load_cert(bundle.server_cert) == leaf


async def test_q5_the_room_ca_vouches_for_its_host_and_nothing_else(data_dir: Path) -> None:
    bundle = ensure_room_certs("room.example.org")
    ca = load_ca(bundle)
    constraints = ca[1].extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    permitted = list(constraints.value.permitted_subtrees or [])
    assert x509.DNSName("room.example.org") in permitted
    assert x509.DNSName("example.org") not in permitted
    # a leaked room CA key minting a certificate for a real domain: strict clients refuse it
    key, cert = make_leaf(*ca, ["bank.example.com"])
    forged_cert, forged_key = write_pair(data_dir / "forged", "leaf", key, cert)
    with pytest.raises(ssl.SSLCertVerificationError):
        await _handshake(bundle.ca_cert, forged_cert, forged_key, "bank.example.com")


async def test_q5_an_ip_host_is_constrained_to_that_one_address(data_dir: Path) -> None:
    bundle = ensure_room_certs("10.1.2.3")
    ca = load_ca(bundle)[1]
    permitted = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    assert x509.IPAddress(ipaddress.ip_network("10.1.2.3/32")) in list(
        permitted.permitted_subtrees or []
    )


def test_q5_the_sandbox_ca_is_untouched(data_dir: Path) -> None:
    before = ensure_certs()
    ensure_room_certs("room.example.org")
    assert ensure_certs() == before
    assert load_cert(before.ca_cert) == load_cert(ensure_certs().ca_cert)
    assert room_names("sandbox.test") == ("sandbox.test", "localhost", "127.0.0.1", "::1")
