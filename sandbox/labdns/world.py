"""The lab world: a recipient domain with its DNS and MTA-STS host, and what a `dane` or `mta-sts`
client does about it before and after it connects.

    async with lab_world(Setup.STS_ENFORCE) as world:
        decision = await decide(TlsPolicy.MTA_STS, world)
        # run the lab with decision.policy, decision.server_hostname, decision.cert_check
        report = tls_report(decision, events)     # RFC 8460 JSON, or None when all went well

The domain is `example.test`; its MX is `sandbox.test` (the name in the sandbox server's
certificate, at 127.0.0.1 through the lab's tap). What the client decides (RFC 7672 and 8461):

| setup            | the client acts as | checked after the handshake          | failures      |
|------------------|--------------------|--------------------------------------|---------------|
| DANE, signed     | `encrypt`          | a TLSA record must match (refuses)   | not sent      |
| DANE, unsigned   | `may`              | nothing: DANE is ignored             | not noticed   |
| MTA-STS testing  | `may`              | CA and MX name, noted, never refused | sent, reported|
| MTA-STS enforce  | `verify` (MX name) | by the TLS library itself            | not sent      |

A report is written for every session that had a failure, the way a sending MTA would send one.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sandbox.client.connection import CertCheck
from sandbox.client.policy import TlsPolicy
from sandbox.dane.tlsa import TlsaRecord, match_leaf, tlsa_for
from sandbox.events import SandboxEvent, TlsFailed, TlsFailure, TlsMissing
from sandbox.labdns.zone import LabResolver, MxRecord, NoSuchName, Zone
from sandbox.mtasts.policy import Mode, PolicyError, mx_matches, parse_txt, policy_text
from sandbox.mtasts.server import PolicyServer, fetch_policy
from sandbox.notices import DECIDED
from sandbox.tlsrpt.report import (
    Failure,
    PolicyApplied,
    PolicyType,
    ResultType,
    build_report,
    result_type_for_missing,
    result_type_for_tls,
)

__all__ = ["DECIDED", "Decision", "LabWorld", "Setup", "decide", "lab_world", "tls_report"]

DOMAIN = "example.test"
MX_HOST = "sandbox.test"


class Setup(enum.StrEnum):
    """The matrix's lab-world columns: a client level and what the domain published."""

    STS_TESTING = "mta-sts testing"
    STS_ENFORCE = "mta-sts enforce"
    DANE_SIGNED = "dane signed"
    DANE_UNSIGNED = "dane unsigned"

    @property
    def level(self) -> TlsPolicy:
        return TlsPolicy.MTA_STS if self.value.startswith("mta-sts") else TlsPolicy.DANE


WORLD_COLUMNS: tuple[str, ...] = tuple(s.value for s in Setup)


@dataclass
class LabWorld:
    resolver: LabResolver
    ca_file: Path
    policy_server: PolicyServer | None = None
    domain: str = DOMAIN

    @property
    def sts_port(self) -> int:
        return self.policy_server.port if self.policy_server is not None else 0


def make_zone(
    *,
    signed: bool,
    tlsa: Sequence[TlsaRecord] = (),
    sts_id: str | None = None,
    rua: str = "mailto:tlsrpt@example.test",
) -> Zone:
    """`example.test` with its MX, and the records asked for."""
    txt: dict[str, tuple[str, ...]] = {f"_smtp._tls.{DOMAIN}": (f"v=TLSRPTv1; rua={rua}",)}
    if sts_id is not None:
        txt[f"_mta-sts.{DOMAIN}"] = (f"v=STSv1; id={sts_id};",)
    return Zone(
        DOMAIN,
        signed=signed,
        mx=(MxRecord(10, MX_HOST),),
        txt=txt,
        tlsa={f"_25._tcp.{MX_HOST}": tuple(tlsa)} if tlsa else {},
        hosts={f"mta-sts.{DOMAIN}": "127.0.0.1"},
    )


def mx_zone(signed: bool, tlsa: Sequence[TlsaRecord]) -> Zone:
    """The MX host's own zone (`sandbox.test`): where its TLSA record lives."""
    return Zone(
        MX_HOST,
        signed=signed,
        tlsa={f"_25._tcp.{MX_HOST}": tuple(tlsa)} if tlsa else {},
        hosts={MX_HOST: "127.0.0.1"},
    )


@asynccontextmanager
async def lab_world(
    setup: Setup | str,
    *,
    max_age: int = 604_800,
    policy: str | None = None,
    tlsa: Sequence[TlsaRecord] | None = None,
) -> AsyncIterator[LabWorld]:
    """The world for one matrix column; the MTA-STS host runs while the block does. `policy`:
    the MTA-STS policy body to serve instead of the column's own, `tlsa` the MX's TLSA records
    instead of the sandbox certificate's `3 1 1` (a learner's, as written; none is none)."""
    from sandbox.pki.certs import ensure_certs, load_cert

    setup = Setup(setup)
    bundle = ensure_certs()  # the sandbox server's certificate: its TLSA record is computed here
    server = None
    if setup.level is TlsPolicy.DANE:
        signed = setup is Setup.DANE_SIGNED
        records = [tlsa_for(load_cert(bundle.server_cert))] if tlsa is None else list(tlsa)
        zones = [make_zone(signed=signed), mx_zone(signed, records)]
    else:
        mode = Mode.TESTING if setup is Setup.STS_TESTING else Mode.ENFORCE
        body = policy if policy is not None else policy_text(mode, [MX_HOST], max_age)
        server = PolicyServer(DOMAIN, body)
        zones = [make_zone(signed=False, sts_id="20260101T000000"), mx_zone(False, [])]
    world = LabWorld(LabResolver(zones), bundle.ca_cert, server)
    if server is not None:
        await server.start()
    try:
        yield world
    finally:
        if server is not None:
            await server.stop()


@dataclass
class Decision:
    """What the client does for this domain: the level it acts at, the name it checks, its own
    check of the certificate, and what it will say in a TLS-RPT report."""

    level: TlsPolicy  # what the learner set (dane, mta-sts)
    policy: TlsPolicy  # what the client acts as
    server_hostname: str
    applied: PolicyApplied
    cert_check: CertCheck | None = None
    refuse_before_connecting: bool = False  # enforce, and the MX is not in the policy
    failures: list[Failure] = field(default_factory=list)  # found before or during the session
    why_key: str = "plain"  # a key of DECIDED

    @property
    def why(self) -> str:
        return DECIDED[self.why_key]


def _dane_check(records: Sequence[TlsaRecord], decision: Decision) -> CertCheck:
    def check(der: bytes) -> bool | tuple[TlsFailure, str]:
        if der and match_leaf(records, der) is not None:
            return True
        reason = "no TLSA record matches the server's certificate"
        decision.failures.append(
            Failure(ResultType.VALIDATION_FAILURE, decision.server_hostname, reason_code=reason)
        )
        return TlsFailure.BAD_CERTIFICATE, reason

    return check


def webpki_failure(der: bytes, ca_file: Path, name: str) -> TlsFailure | None:
    """What `verify` would have refused, for a `testing` report: the sandbox chain is one leaf
    under one CA, so its issuer's signature, its dates and its names are the whole check."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature

    from sandbox.pki.certs import load_cert

    leaf = x509.load_der_x509_certificate(der)
    try:
        leaf.verify_directly_issued_by(load_cert(ca_file))
    except (ValueError, TypeError, InvalidSignature):
        return TlsFailure.UNTRUSTED
    now = dt.datetime.now(dt.UTC)
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc:
        return TlsFailure.EXPIRED
    try:
        san = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return TlsFailure.WRONG_NAME
    if not any(mx_matches(n, name) for n in san.get_values_for_type(x509.DNSName)):
        return TlsFailure.WRONG_NAME
    return None


def _testing_check(world: LabWorld, decision: Decision) -> CertCheck:
    def check(der: bytes) -> bool | tuple[TlsFailure, str]:
        cause = webpki_failure(der, world.ca_file, decision.server_hostname) if der else None
        if der and cause is None:
            return True
        result = result_type_for_tls(cause or TlsFailure.BAD_CERTIFICATE)
        decision.failures.append(Failure(result, decision.server_hostname))
        return False  # testing: delivery goes on (RFC 8461 5)

    return check


async def decide(level: TlsPolicy | str, world: LabWorld) -> Decision:
    """Look the domain up in the lab world and decide, before connecting (RFC 7672, RFC 8461)."""
    level = TlsPolicy(level)
    mx = world.resolver.mx(world.domain).records[0]
    if level is TlsPolicy.DANE:
        answer = world.resolver.tlsa(mx)
        usable = [r for r in answer.records if r.usable]
        if answer.secure and usable:
            applied = PolicyApplied(
                PolicyType.TLSA, world.domain, tuple(str(r) for r in usable), (mx,)
            )
            decision = Decision(level, TlsPolicy.ENCRYPT, mx, applied)
            decision.cert_check = _dane_check(usable, decision)
            decision.why_key = "dane.signed"
            return decision
        key = "dane.unsigned" if usable else "dane.none"
        applied = PolicyApplied(PolicyType.NO_POLICY, world.domain, (), (mx,))
        return Decision(level, TlsPolicy.MAY, mx, applied, why_key=key)
    if level is TlsPolicy.MTA_STS:
        return await _decide_sts(level, world, mx)
    applied = PolicyApplied(PolicyType.NO_POLICY, world.domain, (), (mx,))
    return Decision(level, level, mx, applied)


async def _decide_sts(level: TlsPolicy, world: LabWorld, mx: str) -> Decision:
    no_policy = PolicyApplied(PolicyType.NO_POLICY, world.domain, (), (mx,))
    try:
        records = world.resolver.txt(f"_mta-sts.{world.domain}").records
        txt = parse_txt(records[0]) if len(records) == 1 else None
        address = world.resolver.address(f"mta-sts.{world.domain}")
    except (NoSuchName, PolicyError):
        txt, address = None, ""
    if txt is None or not txt.valid:
        return Decision(level, TlsPolicy.MAY, mx, no_policy, why_key="sts.none")
    fetched = await fetch_policy(world.domain, address, world.sts_port, world.ca_file)
    if fetched.policy is None or fetched.failure is not None:
        decision = Decision(level, TlsPolicy.MAY, mx, no_policy, why_key="sts.fetch")
        assert fetched.failure is not None
        decision.failures.append(Failure(fetched.failure, mx, reason_code=fetched.detail))
        return decision
    policy = fetched.policy
    strings = tuple(line for line in fetched.body.decode().splitlines() if line)
    applied = PolicyApplied(PolicyType.STS, world.domain, strings, (mx,))
    if policy.mode is Mode.NONE:
        return Decision(level, TlsPolicy.MAY, mx, applied, why_key="sts.mode-none")
    decision = Decision(level, TlsPolicy.MAY, mx, applied)
    if not policy.allows_mx(mx):
        decision.failures.append(
            Failure(ResultType.VALIDATION_FAILURE, mx, reason_code="MX not listed in the policy")
        )
        if policy.mode is Mode.ENFORCE:
            decision.refuse_before_connecting = True
            decision.why_key = "sts.mx"
            return decision
    if policy.mode is Mode.ENFORCE:
        decision.policy = TlsPolicy.VERIFY
        decision.why_key = "sts.enforce"
    else:
        decision.cert_check = _testing_check(world, decision)
        decision.why_key = "sts.testing"
    return decision


def session_failures(decision: Decision, events: Sequence[SandboxEvent]) -> list[Failure]:
    """What went wrong for the report: the decision's own findings and the session's events."""
    found = list(decision.failures)
    noted = {f.result_type for f in found}
    for event in events:
        if isinstance(event, TlsMissing):
            result = result_type_for_missing(event)
        elif isinstance(event, TlsFailed):
            if event.cause is TlsFailure.BAD_CERTIFICATE and decision.cert_check is not None:
                continue  # the world's own check already said which
            result = result_type_for_tls(event.cause)
        else:
            continue
        if result not in noted:
            found.append(Failure(result, decision.server_hostname))
            noted.add(result)
    return found


def tls_report(
    decision: Decision,
    events: Sequence[SandboxEvent],
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any] | None:
    """The RFC 8460 report of this session, or None when nothing failed (nothing to report)."""
    failures = session_failures(decision, events)
    if not failures:
        return None
    end = now or dt.datetime.now(dt.UTC)
    return build_report(
        decision.applied, failures, successes=0, start=end - dt.timedelta(days=1), end=end
    )
