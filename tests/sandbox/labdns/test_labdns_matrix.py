"""The threat matrix's lab-world columns on the wire: strip and impersonate against a `dane` and
an `mta-sts` client, with MTA-STS testing / enforce and DANE in a signed / unsigned zone
(RFC 7672, RFC 8461), and the TLS-RPT report each failed delivery leaves (RFC 8460)."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Sequence
from pathlib import Path

import pytest

from sandbox.events import (
    MessageDelivered,
    SandboxEvent,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsFailure,
    WireChunk,
    WireLine,
)
from sandbox.lab.matrix import WORLD_COLUMNS, Matrix, run_matrix, run_world_cell
from sandbox.lab.scenarios import SENDER

SECRET = b"This message is the secret the eavesdropper wants to read."
ATTACKS = ("strip", "impersonate", "impersonate-wrong-name")

# (cell, the report's result types); columns: testing, enforce, dane signed, dane unsigned.
EXPECTED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "strip": (
        ("plain READ", ("starttls-not-supported",)),
        ("not sent", ("starttls-not-supported",)),
        ("not sent", ("starttls-not-supported",)),
        ("plain READ", ("starttls-not-supported",)),
    ),
    "impersonate": (
        ("MITM READ", ("certificate-not-trusted",)),
        ("not sent", ("certificate-not-trusted",)),
        ("not sent", ("validation-failure",)),
        ("MITM READ", ()),
    ),
    "impersonate-wrong-name": (
        ("MITM READ", ("certificate-host-mismatch",)),
        ("not sent", ("certificate-host-mismatch",)),
        ("not sent", ("validation-failure",)),
        ("MITM READ", ()),
    ),
}
CELLS = [(a, c, i) for a in ATTACKS for i, c in enumerate(WORLD_COLUMNS)]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Matrix:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path_factory.mktemp("world")))
        return asyncio.run(run_matrix(ATTACKS, WORLD_COLUMNS))


def _client_bytes(events: Sequence[SandboxEvent]) -> bytes:
    return b"".join(e.data for e in events if isinstance(e, WireChunk) and e.sender is Side.CLIENT)


def _client_lines(events: Sequence[SandboxEvent]) -> list[str]:
    return [e.text for e in events if isinstance(e, WireLine) and e.sender is Side.CLIENT]


def _result_types(report: object) -> tuple[str, ...]:
    if report is None:
        return ()
    assert isinstance(report, dict)
    return tuple(d["result-type"] for d in report["policies"][0]["failure-details"])


def test_p9_the_world_columns() -> None:
    assert WORLD_COLUMNS == ("mta-sts testing", "mta-sts enforce", "dane signed", "dane unsigned")


@pytest.mark.parametrize(("attack", "column", "index"), CELLS)
def test_p9_world_cell_outcome_and_report(
    world: Matrix, attack: str, column: str, index: int
) -> None:
    run = world.cell(attack, column)
    cell, results = EXPECTED[attack][index]
    assert run.outcome.cell == cell, run.outcome.why
    assert _result_types(run.report) == results


@pytest.mark.parametrize("column", ["mta-sts testing", "dane unsigned"])
def test_p10_strip_sent_in_plaintext_where_the_policy_lets_it(world: Matrix, column: str) -> None:
    events = world.cell("strip", column).events
    assert f"MAIL FROM:<{SENDER}>" in _client_lines(events)  # readable on the client's leg
    assert SECRET in _client_bytes(events)
    assert any(isinstance(e, MessageDelivered) and not e.tls for e in events)


@pytest.mark.parametrize("column", ["mta-sts enforce", "dane signed"])
def test_p10_strip_not_sent_where_tls_is_required(world: Matrix, column: str) -> None:
    events = world.cell("strip", column).events
    said = {line.split(" ", 1)[0].upper() for line in _client_lines(events)}
    assert not said & {"MAIL", "RCPT", "DATA", "AUTH"}
    assert SECRET not in _client_bytes(events)
    assert not any(isinstance(e, MessageDelivered) for e in events)


@pytest.mark.parametrize("attack", ["impersonate", "impersonate-wrong-name"])
def test_p10_dane_signed_refuses_a_certificate_no_tlsa_record_names(
    world: Matrix, attack: str
) -> None:
    """Even a certificate from the trusted sandbox CA (wrong-name) fails: DANE-EE pins the key."""
    events = world.cell(attack, "dane signed").events
    failed = [e for e in events if isinstance(e, TlsFailed)]
    assert [e.cause for e in failed] == [TlsFailure.BAD_CERTIFICATE]
    assert not any(isinstance(e, TlsEstablished) for e in events)
    assert not any(isinstance(e, MessageDelivered) for e in events)


@pytest.mark.parametrize("attack", ["impersonate", "impersonate-wrong-name"])
def test_p10_testing_and_unsigned_hand_the_mail_to_the_attacker(world: Matrix, attack: str) -> None:
    for column in ("mta-sts testing", "dane unsigned"):
        events = world.cell(attack, column).events
        established = [e for e in events if isinstance(e, TlsEstablished)]
        assert established and not established[0].verified
        assert world.cell(attack, column).outcome.read


@pytest.mark.parametrize("column", WORLD_COLUMNS)
async def test_p10_without_an_attack_the_mail_goes_inside_tls_and_nothing_is_reported(
    column: str, tmp_path: Path
) -> None:
    run = await run_world_cell("starttls", column, report_dir=tmp_path / "reports")
    assert run.outcome.cell == "TLS, safe", run.outcome.why
    assert run.report is None
    assert not (tmp_path / "reports").exists()
    if column in ("dane signed", "mta-sts enforce"):
        assert run.outcome.why_key == "tls-verified"  # by the TLSA match / the MX name


async def test_p11_a_failed_delivery_leaves_a_private_rfc_8460_report(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    run = await run_world_cell("strip", "mta-sts testing", report_dir=folder)
    (path,) = folder.iterdir()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.name.startswith("sender.test!example.test!") and path.name.endswith(".json")
    report = json.loads(path.read_text())
    assert report == run.report
    assert set(report) == {
        "organization-name",
        "date-range",
        "contact-info",
        "report-id",
        "policies",
    }
    (policy,) = report["policies"]
    assert policy["policy"]["policy-type"] == "sts"
    assert policy["policy"]["policy-domain"] == "example.test"
    assert "mode: testing" in policy["policy"]["policy-string"]
    assert policy["policy"]["mx-host"] == ["sandbox.test"]
    assert policy["summary"] == {
        "total-successful-session-count": 0,
        "total-failure-session-count": 1,
    }
    (detail,) = policy["failure-details"]
    assert detail["result-type"] == "starttls-not-supported"
    assert detail["receiving-mx-hostname"] == "sandbox.test"
