"""What a `dane` or `mta-sts` client decides from the lab world's records before it connects
(RFC 7672 2.2, RFC 8461 5), and what it reports when that already fails."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sandbox.client.policy import TlsPolicy
from sandbox.dane.tlsa import tlsa_for
from sandbox.labdns.world import MX_HOST, LabWorld, decide, make_zone, mx_zone, tls_report
from sandbox.labdns.zone import LabResolver
from sandbox.mtasts.policy import Mode, policy_text
from sandbox.mtasts.server import PolicyServer
from sandbox.pki.certs import ensure_certs, load_cert


@asynccontextmanager
async def sts_world(body: str | None, *, txt: bool = True) -> AsyncIterator[LabWorld]:
    bundle = ensure_certs()
    server = PolicyServer("example.test", body)
    zones = [make_zone(signed=False, sts_id="1" if txt else None), mx_zone(False, [])]
    await server.start()
    try:
        yield LabWorld(LabResolver(zones), bundle.ca_cert, server)
    finally:
        await server.stop()


def _results(world_decision: object) -> list[str]:
    report = tls_report(world_decision, [])  # type: ignore[arg-type]
    if report is None:
        return []
    return [d["result-type"] for d in report["policies"][0]["failure-details"]]


async def test_p18_enforce_with_the_mx_missing_from_the_policy_sends_nothing() -> None:
    async with sts_world(policy_text(Mode.ENFORCE, ["mx.other.test"])) as world:
        decision = await decide(TlsPolicy.MTA_STS, world)
    assert decision.refuse_before_connecting and decision.why_key == "sts.mx"
    assert _results(decision) == ["validation-failure"]


async def test_p18_testing_with_the_mx_missing_delivers_and_reports() -> None:
    async with sts_world(policy_text(Mode.TESTING, ["mx.other.test"])) as world:
        decision = await decide(TlsPolicy.MTA_STS, world)
    assert not decision.refuse_before_connecting
    assert decision.policy is TlsPolicy.MAY and decision.why_key == "sts.testing"
    assert _results(decision) == ["validation-failure"]


async def test_p18_a_failed_fetch_is_as_no_policy_and_is_reported() -> None:
    async with sts_world(None) as world:  # the policy host answers 404
        decision = await decide(TlsPolicy.MTA_STS, world)
    assert decision.policy is TlsPolicy.MAY and decision.why_key == "sts.fetch"
    assert _results(decision) == ["sts-policy-fetch-error"]


async def test_p18_no_txt_record_no_policy_nothing_fetched() -> None:
    async with sts_world(policy_text(Mode.ENFORCE, [MX_HOST]), txt=False) as world:
        decision = await decide(TlsPolicy.MTA_STS, world)
        assert world.policy_server is not None and world.policy_server.requests == []
    assert decision.policy is TlsPolicy.MAY and decision.why_key == "sts.none"
    assert _results(decision) == []


async def test_p18_mode_none_withdraws_the_policy() -> None:
    async with sts_world(policy_text(Mode.NONE, [MX_HOST])) as world:
        decision = await decide(TlsPolicy.MTA_STS, world)
    assert decision.policy is TlsPolicy.MAY and decision.why_key == "sts.mode-none"


async def test_p18_enforce_is_verify_for_the_mx_name() -> None:
    async with sts_world(policy_text(Mode.ENFORCE, [MX_HOST])) as world:
        decision = await decide(TlsPolicy.MTA_STS, world)
    assert decision.policy is TlsPolicy.VERIFY and decision.server_hostname == MX_HOST
    assert decision.applied.strings[1] == "mode: enforce"


async def test_p18_dane_with_only_unusable_records_is_opportunistic() -> None:
    bundle = ensure_certs()
    pkix = tlsa_for(load_cert(bundle.server_cert), usage=1)
    world = LabWorld(LabResolver([make_zone(signed=True), mx_zone(True, [pkix])]), bundle.ca_cert)
    decision = await decide(TlsPolicy.DANE, world)
    assert decision.policy is TlsPolicy.MAY and decision.why_key == "dane.none"
    assert decision.cert_check is None
