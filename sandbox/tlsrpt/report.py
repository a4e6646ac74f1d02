"""TLS-RPT (RFC 8460): the JSON report a sending MTA mails to a domain about its TLS failures.

    report = build_report(policy, [failure], successes=0, start=..., end=...)
    path = write_report(folder, report)      # 0600, atomic, the RFC's file name
    result_type_for_tls(TlsFailure.WRONG_NAME)  # ResultType.CERTIFICATE_HOST_MISMATCH

Field names and result types are the RFC's own (section 4 and the IANA registry), so a learner
who reads one here can read a real report from a large mail provider. Where a domain wants its
reports is its `_smtp._tls` TXT record (`v=TLSRPTv1; rua=mailto:...`, `parse_rua`).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sandbox.events import TlsFailure, TlsMissing

ORGANIZATION = "smtp-tutor lab sender"
CONTACT = "postmaster@sender.test"
SENDING_IP = "127.0.0.1"


class PolicyType(enum.StrEnum):
    STS = "sts"
    TLSA = "tlsa"
    NO_POLICY = "no-policy-found"


class ResultType(enum.StrEnum):
    """RFC 8460 4.3: negotiation failures, then policy failures."""

    STARTTLS_NOT_SUPPORTED = "starttls-not-supported"
    CERTIFICATE_HOST_MISMATCH = "certificate-host-mismatch"
    CERTIFICATE_EXPIRED = "certificate-expired"
    CERTIFICATE_NOT_TRUSTED = "certificate-not-trusted"
    VALIDATION_FAILURE = "validation-failure"
    TLSA_INVALID = "tlsa-invalid"
    DNSSEC_INVALID = "dnssec-invalid"
    DANE_REQUIRED = "dane-required"
    STS_POLICY_FETCH_ERROR = "sts-policy-fetch-error"
    STS_POLICY_INVALID = "sts-policy-invalid"
    STS_WEBPKI_INVALID = "sts-webpki-invalid"


MEANING: dict[ResultType, str] = {
    ResultType.STARTTLS_NOT_SUPPORTED: "the MX did not offer STARTTLS (or someone removed it)",
    ResultType.CERTIFICATE_HOST_MISMATCH: "the certificate does not name the MX host",
    ResultType.CERTIFICATE_EXPIRED: "the certificate has expired",
    ResultType.CERTIFICATE_NOT_TRUSTED: "the certificate does not lead to a trusted CA",
    ResultType.VALIDATION_FAILURE: "the certificate failed for another reason (see the code)",
    ResultType.TLSA_INVALID: "no TLSA record of the MX could be used",
    ResultType.DNSSEC_INVALID: "the resolver returned no valid DNSSEC answer",
    ResultType.DANE_REQUIRED: "the sender requires DANE but found no signed TLSA records",
    ResultType.STS_POLICY_FETCH_ERROR: "the MTA-STS policy could not be fetched over HTTPS",
    ResultType.STS_POLICY_INVALID: "the MTA-STS policy could not be read",
    ResultType.STS_WEBPKI_INVALID: "the policy server's HTTPS certificate did not verify",
}
"""What each result type means, in English (for the learner; not part of a report)."""


def result_type_for_tls(cause: TlsFailure) -> ResultType:
    match cause:
        case TlsFailure.WRONG_NAME:
            return ResultType.CERTIFICATE_HOST_MISMATCH
        case TlsFailure.EXPIRED:
            return ResultType.CERTIFICATE_EXPIRED
        case TlsFailure.UNTRUSTED:
            return ResultType.CERTIFICATE_NOT_TRUSTED
        case _:
            return ResultType.VALIDATION_FAILURE


def result_type_for_missing(missing: TlsMissing) -> ResultType:
    """No TLS to be had: whatever the cause (not offered, EHLO or STARTTLS refused), the
    report says STARTTLS was not supported."""
    del missing  # every NoTls cause is reported the same way
    return ResultType.STARTTLS_NOT_SUPPORTED


@dataclass(frozen=True, slots=True)
class Failure:
    result_type: ResultType
    mx_host: str
    receiving_ip: str = "127.0.0.1"
    count: int = 1
    reason_code: str = ""  # failure-reason-code: free text for the receiving domain
    info: str = ""  # additional-information: a URI in real reports; a note here

    def as_json(self) -> dict[str, Any]:
        detail: dict[str, Any] = {
            "result-type": self.result_type.value,
            "sending-mta-ip": SENDING_IP,
            "receiving-mx-hostname": self.mx_host,
            "receiving-ip": self.receiving_ip,
            "failed-session-count": self.count,
        }
        if self.reason_code:
            detail["failure-reason-code"] = self.reason_code
        if self.info:
            detail["additional-information"] = self.info
        return detail


@dataclass(frozen=True, slots=True)
class PolicyApplied:
    """The policy the sender applied: its type, its text as lines, the domain, the MX hosts."""

    type: PolicyType
    domain: str
    strings: tuple[str, ...] = ()
    mx_hosts: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"policy-type": self.type.value, "policy-domain": self.domain}
        if self.strings:
            out["policy-string"] = list(self.strings)
        if self.mx_hosts:
            out["mx-host"] = list(self.mx_hosts)
        return out


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_report(
    policy: PolicyApplied,
    failures: Sequence[Failure],
    *,
    successes: int = 0,
    start: dt.datetime,
    end: dt.datetime,
    report_id: str | None = None,
) -> dict[str, Any]:
    """One report (RFC 8460 4.4) for one policy over [start, end)."""
    return {
        "organization-name": ORGANIZATION,
        "date-range": {"start-datetime": _stamp(start), "end-datetime": _stamp(end)},
        "contact-info": CONTACT,
        "report-id": report_id or f"{_stamp(start)}_{uuid.uuid4().hex[:12]}@sender.test",
        "policies": [
            {
                "policy": policy.as_json(),
                "summary": {
                    "total-successful-session-count": successes,
                    "total-failure-session-count": sum(f.count for f in failures),
                },
                "failure-details": [f.as_json() for f in failures],
            }
        ],
    }


def report_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def report_file_name(report: Mapping[str, Any], sender: str = "sender.test") -> str:
    """RFC 8460 5.3: `sender!policy-domain!begin!end!unique-id.json` (times as Unix seconds)."""
    rng = report["date-range"]
    domain = report["policies"][0]["policy"]["policy-domain"]

    def secs(stamp: str) -> int:
        parsed = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
        return int(parsed.timestamp())

    unique = re.sub(r"[^A-Za-z0-9]", "", str(report["report-id"]).split("@")[0])[-12:]
    begin, end = secs(rng["start-datetime"]), secs(rng["end-datetime"])
    return f"{sender}!{domain}!{begin}!{end}!{unique}.json"


def write_report(directory: Path, report: Mapping[str, Any]) -> Path:
    """The report as a private file (0600, written atomically, J3) in `directory` (0700)."""
    from sandbox.safety.files import atomic_write, ensure_private_dir

    folder = ensure_private_dir(directory)
    path = folder / report_file_name(report)
    atomic_write(path, report_json(report).encode())
    return path


class RuaError(ValueError):
    """A `_smtp._tls` TXT record that cannot be used; one plain line."""


def parse_rua(record: str) -> tuple[str, ...]:
    """Where reports go, from `v=TLSRPTv1; rua=mailto:a@example.test,https://...` (RFC 8460 3)."""
    if len(record) > 1024 or "\x00" in record:
        raise RuaError("a TLS-RPT record is text of at most 1024 characters, no NUL")
    fields = [f.strip() for f in record.strip().strip('"').split(";") if f.strip()]
    if not fields or fields[0].replace(" ", "") != "v=TLSRPTv1":
        raise RuaError("a TLS-RPT record begins with 'v=TLSRPTv1;'")
    for item in fields[1:]:
        key, _, value = item.partition("=")
        if key.strip() == "rua":
            uris = tuple(u.strip() for u in value.split(",") if u.strip())
            bad = [u for u in uris if not u.startswith(("mailto:", "https://"))]
            if bad or not uris:
                raise RuaError("rua takes mailto: or https:// addresses, separated by commas")
            return uris
    raise RuaError("the TLS-RPT record has no 'rua=' (where reports are sent)")
