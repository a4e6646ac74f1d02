"""Exchange probes on real loopback sessions (properties.md L58-L59): each probe fails for a
script that gets its fact wrong and passes for one that gets it right, whatever way the script
says it; a refused script is a ConfigError, never a traceback."""

from __future__ import annotations

import pytest

from sandbox.config.exchange.probes import PROBES, probe_exchange
from sandbox.config.findings import ConfigError

ALL = tuple(PROBES)
INTERNET = (
    'New-SendConnector -Name "Internet" -Internet -AddressSpaces * -DNSRoutingEnabled $true\n'
)
PARTNER = 'New-SendConnector -Name "To fabrikam" -Internet -AddressSpaces fabrikam.com'
GOOD = INTERNET + PARTNER + " -RequireTLS $true\n"

FAILING = {
    # the partner's connector opportunistic: the stripped session goes out in plaintext
    "partner-requires-tls": INTERNET + PARTNER + "\n",
    # RequireTLS on the public port 25: a sender without TLS is refused (RFC 3207 says accept)
    "internet-accepts-plaintext": GOOD
    + 'Set-ReceiveConnector "Default Frontend EX01" -RequireTLS $true\n',
    # BasicAuth without BasicAuthRequireTLS on the client connector: AUTH in the clear
    "client-auth-in-tls": GOOD
    + 'Set-ReceiveConnector "Client Frontend EX01" -AuthMechanism Tls,BasicAuth\n',
}


async def verdicts(script: str, domain: str = "fabrikam.com") -> dict[str, bool]:
    return {r.name: r.ok for r in await probe_exchange(script, ALL, domain=domain)}


async def test_l58_a_right_script_passes_every_probe() -> None:
    assert await verdicts(GOOD) == dict.fromkeys(ALL, True)


@pytest.mark.parametrize("probe", sorted(FAILING))
async def test_l58_a_script_wrong_in_one_fact_fails_that_probe_only(probe: str) -> None:
    got = await verdicts(FAILING[probe])
    assert got == {name: name != probe for name in ALL}


async def test_l58_the_strip_probe_says_what_crossed_and_which_connector_decided() -> None:
    (bad,) = await probe_exchange(FAILING["partner-requires-tls"], ["partner-requires-tls"],
                                  domain="fabrikam.com")  # fmt: skip
    assert not bad.ok
    assert [n.key for n in bad.notes] == ["probe.send_connector", "probe.strip_sent"]
    assert bad.notes[0].params == {"name": "To fabrikam", "policy": "may"}
    (good,) = await probe_exchange(GOOD, ["partner-requires-tls"], domain="fabrikam.com")
    assert [n.key for n in good.notes] == ["probe.send_connector", "probe.strip_withheld"]
    assert good.notes[0].params == {"name": "To fabrikam", "policy": "encrypt"}


async def test_l58_facts_not_text_the_same_behaviour_said_another_way_passes_alike() -> None:
    """RequireTLS set later by Set-SendConnector, with a verifying level and another case of
    the cmdlet: the same connector behaviour, the same verdicts."""
    other = (
        INTERNET + PARTNER + "\n"
        'set-sendconnector "To fabrikam" -RequireTLS:$true -TlsAuthLevel DomainValidation `\n'
        '    -TlsDomain "*.fabrikam.com"\n'
    )
    assert await verdicts(other) == await verdicts(GOOD) == dict.fromkeys(ALL, True)


async def test_l58_no_connector_for_the_partner_fails_with_words_not_a_traceback() -> None:
    (result,) = await probe_exchange(GOOD, ["partner-requires-tls"], domain="contoso.test")
    # the "*" connector covers contoso.test: the opportunistic Internet connector decides
    assert not result.ok and result.notes[0].params["name"] == "Internet"
    (none,) = await probe_exchange(PARTNER + "\n", ["partner-requires-tls"], domain="x.test")
    assert not none.ok and [n.key for n in none.notes] == ["probe.no_send_connector"]


async def test_l59_a_script_exchange_refuses_is_a_config_error_at_its_line() -> None:
    script = GOOD + 'Set-SendConnector "To fabrikam" -TlsAuthLevel Nonsense\n'
    with pytest.raises(ConfigError) as caught:
        await probe_exchange(script, ALL)
    assert caught.value.path == "connectors.ps1" and caught.value.line == 3
    with pytest.raises(KeyError, match="unknown probe 'mx-plaintext'"):
        await probe_exchange(GOOD, ["mx-plaintext"])
