"""`check` against the real Postfix on loopback (properties.md N10): TLS 1.0 accepted (this
distribution's Postfix and OpenSSL allow it by default) and refused once `smtpd_tls_protocols`
says so, a leaf-only chain, an expired certificate, and the right chain for each of them.
The harness is tests/sandbox/config/postfix/realpostfix.py (nothing leaves the machine)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sandbox.check.report import Report, check
from sandbox.config.postfix.scenarios import BASE, HOSTNAME
from sandbox.pki.labkeys import ensure_lab_keys

# the harness lives beside the Postfix tests; run alone, this file still finds it
sys.path.insert(0, str(Path(__file__).parents[1] / "config" / "postfix"))
from realpostfix import may_start_postfix, running_postfix  # type: ignore[import-not-found]

pytestmark = [pytest.mark.interop, pytest.mark.timeout(300)]

HEAD = "compatibility_level = 3.6\n" + BASE
CHAIN = "smtpd_tls_chain_files = {keys}/server.key, {keys}/chain.pem\n"
CONFIGS = {
    "right chain": CHAIN,
    "TLS 1.2 minimum": CHAIN + "smtpd_tls_protocols = >=TLSv1.2\n",
    "leaf only": "smtpd_tls_chain_files = {keys}/server.key, {keys}/server.pem\n",
    "expired": "smtpd_tls_chain_files = {keys}/expired.key, {keys}/expired.pem\n",
}


@pytest.fixture
def postfix(tool: Callable[[str], str]) -> str:
    return may_start_postfix(tool("postfix"))


def real_check(config: str, folder: Path) -> Report:
    keys = ensure_lab_keys(folder).folder
    main = HEAD + CONFIGS[config].format(keys=keys)
    with running_postfix(main, "smtp inet n - n - - smtpd\n") as pf:
        return check(
            "127.0.0.1", pf.ports["smtp"], name=HOSTNAME, ca_file=keys / "root.pem",
            role="mx", timeout=30,
        )  # fmt: skip


def test_n10_real_postfix_tls10(postfix: str, tmp_path: Path) -> None:
    allowed = real_check("right chain", tmp_path / "a")
    assert allowed.states()["tls1.0"] in ("accepted", "untestable")
    if allowed.states()["tls1.0"] == "accepted":
        assert allowed.find("tls1.0").level.value == "note"  # type: ignore[union-attr]  # an MX
    for key, state in (("chain_complete", "ok"), ("expiry", "ok"), ("chain_trust", "verified")):
        assert allowed.states()[key] == state
    assert allowed.states()["injection"] == "safe"
    assert allowed.states()["starttls_in_tls"] == "refused"
    refused = real_check("TLS 1.2 minimum", tmp_path / "b")
    assert refused.states()["tls1.0"] in ("refused", "untestable")
    assert refused.states()["tls1.1"] in ("refused", "untestable")
    assert refused.states()["tls1.2"] == "accepted"


def test_n10_real_postfix_leaf_only(postfix: str, tmp_path: Path) -> None:
    report = real_check("leaf only", tmp_path)
    assert report.states()["chain_complete"] == "missing"
    assert report.chain is not None and report.chain.count == 1


def test_n10_real_postfix_expired(postfix: str, tmp_path: Path) -> None:
    report = real_check("expired", tmp_path)
    assert report.states()["expiry"] == "expired"
    assert report.find("expiry").level.value == "problem"  # type: ignore[union-attr]
    assert report.states()["chain_complete"] == "ok"
    assert "chain_trust" not in report.states()  # N4: expiry says it once
