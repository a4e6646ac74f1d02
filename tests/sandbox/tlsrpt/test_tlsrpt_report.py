"""TLS-RPT reports (RFC 8460): the RFC's field names and result types, the file, the TXT record."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from sandbox.events import NoTls, TlsFailure, TlsMissing
from sandbox.tlsrpt.report import (
    MEANING,
    Failure,
    PolicyApplied,
    PolicyType,
    ResultType,
    RuaError,
    build_report,
    parse_rua,
    report_file_name,
    result_type_for_missing,
    result_type_for_tls,
    write_report,
)

END = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
START = END - dt.timedelta(days=1)


def test_p16_result_types_are_the_registrys() -> None:
    assert {r.value for r in ResultType} == {
        "starttls-not-supported",
        "certificate-host-mismatch",
        "certificate-expired",
        "certificate-not-trusted",
        "validation-failure",
        "tlsa-invalid",
        "dnssec-invalid",
        "dane-required",
        "sts-policy-fetch-error",
        "sts-policy-invalid",
        "sts-webpki-invalid",
    }
    assert set(MEANING) == set(ResultType)


@pytest.mark.parametrize(
    ("cause", "result"),
    [
        (TlsFailure.WRONG_NAME, ResultType.CERTIFICATE_HOST_MISMATCH),
        (TlsFailure.EXPIRED, ResultType.CERTIFICATE_EXPIRED),
        (TlsFailure.UNTRUSTED, ResultType.CERTIFICATE_NOT_TRUSTED),
        (TlsFailure.BAD_CERTIFICATE, ResultType.VALIDATION_FAILURE),
        (TlsFailure.CUT, ResultType.VALIDATION_FAILURE),
    ],
)
def test_p16_tls_failures_map_to_result_types(cause: TlsFailure, result: ResultType) -> None:
    assert result_type_for_tls(cause) is result


@pytest.mark.parametrize("why", list(NoTls))
def test_p16_no_tls_is_starttls_not_supported(why: NoTls) -> None:
    missing = TlsMissing(why=why, refused=False)
    assert result_type_for_missing(missing) is ResultType.STARTTLS_NOT_SUPPORTED


def _report() -> dict[str, object]:
    policy = PolicyApplied(PolicyType.STS, "example.test", ("version: STSv1",), ("sandbox.test",))
    failure = Failure(ResultType.CERTIFICATE_EXPIRED, "sandbox.test", reason_code="X509 10")
    return build_report(policy, [failure], successes=3, start=START, end=END, report_id="r-1@x")


def test_p16_the_report_has_the_rfcs_shape() -> None:
    report = _report()
    assert report["date-range"] == {
        "start-datetime": "2026-01-01T00:00:00Z",
        "end-datetime": "2026-01-02T00:00:00Z",
    }
    (policy,) = report["policies"]  # type: ignore[misc]
    assert policy["summary"] == {
        "total-successful-session-count": 3,
        "total-failure-session-count": 1,
    }
    assert policy["failure-details"] == [
        {
            "result-type": "certificate-expired",
            "sending-mta-ip": "127.0.0.1",
            "receiving-mx-hostname": "sandbox.test",
            "receiving-ip": "127.0.0.1",
            "failed-session-count": 1,
            "failure-reason-code": "X509 10",
        }
    ]


def test_p16_written_private_with_the_rfcs_file_name(tmp_path: Path) -> None:
    report = _report()
    path = write_report(tmp_path / "tlsrpt", report)
    assert path.name == report_file_name(report)
    assert path.name == "sender.test!example.test!1767225600!1767312000!r1.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == report


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ("v=TLSRPTv1; rua=mailto:tlsrpt@example.test", ("mailto:tlsrpt@example.test",)),
        (
            '"v=TLSRPTv1;rua=mailto:a@x.test,https://r.x.test/"',
            ("mailto:a@x.test", "https://r.x.test/"),
        ),
    ],
)
def test_p16_rua(record: str, expected: tuple[str, ...]) -> None:
    assert parse_rua(record) == expected


@pytest.mark.parametrize(
    ("record", "says"),
    [
        ("rua=mailto:a@x.test", "begins with"),
        ("v=TLSRPTv1;", "no 'rua='"),
        ("v=TLSRPTv1; rua=ftp://x", "mailto: or https://"),
        ("v=TLSRPTv1; rua=\x00", "NUL"),
        ("v" * 2000, "at most 1024"),
    ],
)
def test_p16_bad_rua_records(record: str, says: str) -> None:
    with pytest.raises(RuaError, match=says):
        parse_rua(record)
