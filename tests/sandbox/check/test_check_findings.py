"""Each `check` finding the sandbox cannot show, on a faulty loopback server that has it and
one that does not (properties.md N7), and what `check` itself promises (N1, N2, N3)."""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
from quirkysmtp import Faults, make_chain, quirky

from sandbox.check.report import Report, check

ALL_SUITES = "ALL:@SECLEVEL=0"
Run = Callable[..., Report]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """`run(faults, **chain_options)`: a quirky server with that chain, checked as quirky.test
    with its root trusted; the server's received commands in `run.verbs`."""

    def go(faults: Faults | None = None, name: str = "quirky.test", **chain: object) -> Report:
        folder = tmp_path / f"pki{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        root, chain_pem, key = make_chain(folder, **chain)  # type: ignore[arg-type]
        with quirky(faults or Faults(), chain_pem, key) as server:
            report = check("127.0.0.1", server.port, name=name, ca_file=root, timeout=20)
        go.verbs, go.connections = server.verbs, server.connections  # type: ignore[attr-defined]
        return report

    return go


def test_n1_never_mail_at_most_mail_from_then_rset(run: Run) -> None:
    report = run()
    verbs = run.verbs  # type: ignore[attr-defined]
    assert "DATA" not in verbs and "RCPT" not in verbs
    assert verbs.count("MAIL") == 1 and verbs[verbs.index("MAIL") + 1] == "RSET"
    assert report.states()["plaintext_mail"] == "accepted"


def test_n2_bounded_connections(run: Run) -> None:
    report = run(Faults(min_tls=ssl.TLSVersion.TLSv1, ciphers=ALL_SUITES), rsa_bits=2048)
    assert report.obs.connections == run.connections <= 8  # type: ignore[attr-defined]


def test_n3_old_versions_probed_one_by_one(run: Run) -> None:
    old = run(Faults(min_tls=ssl.TLSVersion.TLSv1, ciphers=ALL_SUITES))
    modern = run()
    for version in ("tls1.0", "tls1.1"):
        # this machine's OpenSSL offers TLS 1.0/1.1 at security level 0; elsewhere: untestable
        assert old.states()[version] in ("accepted", "untestable")
        assert modern.states()[version] in ("refused", "untestable")
    if old.states()["tls1.0"] == "accepted":
        assert old.find("tls1.0").level.value == "warning"  # type: ignore[union-attr]
    assert modern.states()["tls1.2"] == modern.states()["tls1.3"] == "accepted"


def test_n7_weak_suites_accepted_and_refused(run: Run) -> None:
    weak = run(Faults(ciphers=ALL_SUITES), rsa_bits=2048)
    assert weak.states()["weak_cbc"] == "accepted"
    assert weak.states()["weak_no_pfs"] == "accepted"
    chosen = weak.find("weak_no_pfs").params["cipher"]  # type: ignore[union-attr]
    assert not chosen.startswith(("ECDHE", "DHE"))  # static RSA: AES256-GCM-SHA384 and such
    strong = run(Faults(ciphers="ECDHE+AESGCM"), rsa_bits=2048)
    assert strong.states()["weak_cbc"] == strong.states()["weak_no_pfs"] == "refused"


def test_n7_tls12_cipher_chosen(run: Run) -> None:
    cbc = run(Faults(ciphers="ECDHE-ECDSA-AES128-SHA256"))
    assert cbc.states()["cipher1.2"] == "weak"
    assert cbc.find("cipher1.2").params["cipher"] == "ECDHE-ECDSA-AES128-SHA256"  # type: ignore[union-attr]
    assert run().states()["cipher1.2"] == "strong"


def test_n7_cve_2011_0411_injection(run: Run) -> None:
    assert run(Faults(keep_injected=True)).states()["injection"] == "vulnerable"
    assert run().states()["injection"] == "safe"


def test_n7_starttls_inside_tls(run: Run) -> None:
    assert run(Faults(restart_tls=True)).states()["starttls_in_tls"] == "accepted"
    report = run()
    assert report.states()["starttls_in_tls"] == "refused"
    assert report.find("starttls_in_tls").params["code"] == "554"  # type: ignore[union-attr]


def test_n7_chain_order(run: Run) -> None:
    assert run(order="leaf,root,inter").states()["chain_order"] == "wrong"
    report = run(order="leaf,inter,root")
    assert report.states()["chain_order"] == "ok"
    assert report.states()["chain_complete"] == "ok"
    assert report.states()["chain_trust"] == "verified"


def test_n7_missing_intermediate(run: Run) -> None:
    report = run(order="leaf")
    assert report.states()["chain_complete"] == "missing"
    assert "chain_trust" not in report.states()  # one finding for one fault


def test_n7_key_size_and_type(run: Run) -> None:
    small = run(Faults(ciphers=ALL_SUITES), rsa_bits=1024)
    assert small.states()["key"] == "weak"
    assert small.find("key").params == {"type": "RSA", "bits": "1024"}  # type: ignore[union-attr]
    assert run(rsa_bits=2048).states()["key"] == "ok"
    ec = run()
    assert ec.states()["key"] == "ok" and ec.find("key").params["bits"] == "256"  # type: ignore[union-attr]


def test_n7_signature_algorithm(run: Run, tool: Callable[[str], str]) -> None:
    sha1 = run(Faults(ciphers=ALL_SUITES), sha1=tool("openssl"))
    assert sha1.states()["signature"] == "weak"
    assert "SHA1" in sha1.find("signature").params["signature"]  # type: ignore[union-attr]
    assert run().states()["signature"] == "ok"


def test_n7_expiry_soon(run: Run) -> None:
    soon = run(days=5)
    assert soon.states()["expiry"] == "soon"
    assert soon.find("expiry").params["days"] in ("3", "4")  # type: ignore[union-attr]
    assert run().states()["expiry"] == "ok"


def test_n7_names_against_name(run: Run) -> None:
    assert run(name="mx.example.com").states()["name"] == "mismatch"
    assert run(name="QUIRKY.test").states()["name"] == "ok"


def test_n7_no_starttls(run: Run) -> None:
    report = run(Faults(starttls=False))
    assert report.states()["starttls"] == "missing"
    assert "tls1.2" not in report.states() and report.obs.connections == 1


def test_n7_auth_before_tls(run: Run) -> None:
    offered = run(Faults(auth_before_tls=True))
    assert offered.states()["auth_before_tls"] == "offered"
    assert offered.find("auth_before_tls").params["mechs"] == "PLAIN LOGIN"  # type: ignore[union-attr]
    assert run().states()["auth_before_tls"] == "none"
