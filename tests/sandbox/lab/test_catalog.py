"""The lab catalogue: one owner of the names, built from the labs and the attack modules.

The extension point itself (register an attack from outside and run it) is proved in
tests/sandbox/threats/test_extension_attack.py.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from sandbox.client.policy import TlsPolicy
from sandbox.config.postfix.scenarios import LISTED
from sandbox.lab import builtin, catalog
from sandbox.lab.attacklab import ATTACK_PREFIX
from sandbox.lab.scenarios import Scenario, submission_script
from sandbox.notices import NOTICES
from sandbox.smtpd.policy import RELAY_SERVER, ServerPolicy
from sandbox.threats import impersonate, inject_command, inject_response, strip
from sandbox.threats.spec import Attack
from sandbox.wire.tamper import Tamper


def test_the_catalogue_is_the_built_in_labs_then_each_attack_module_in_order() -> None:
    modules = (strip, impersonate, inject_command, inject_response)
    from_modules = [a for m in modules for a in m.ATTACKS]
    assert catalog.available() == (
        "plaintext",
        "starttls",
        "implicit-tls",
        *LISTED,  # the Postfix break/fix labs (sandbox/config/postfix/scenarios.py)
        "strip",
        "strip-454",
        "strip-502",
        "impersonate",
        "impersonate-wrong-name",
        "inject-command",
        "inject-response",
    )
    assert catalog.attacks() == tuple(a.name for a in from_modules)
    assert tuple(catalog.SCENARIOS)[: len(builtin.LABS)] == tuple(s.name for s in builtin.LABS)


def test_i7_names_summaries_and_notices_come_from_the_attack_modules_once() -> None:
    for module in (strip, impersonate, inject_command, inject_response):
        for attack in module.ATTACKS:
            lab = catalog.get(attack.name)
            assert lab.summary == attack.summary and lab.attack
            assert lab.attack_notice == attack.notice
            assert NOTICES["attack.on"].format(what=lab.attack_notice).startswith(ATTACK_PREFIX)
            assert lab.tamper is attack.tamper
            # Every attack lab is relay on port 25 against a public MX, a 'may' client by default.
            assert lab.server_policy == RELAY_SERVER and lab.client_policy is TlsPolicy.MAY
            assert not lab.authenticate
    for lab in builtin.LABS:
        assert not catalog.get(lab.name).attack and lab.attack_notice is None


def test_the_catalogue_view_is_read_only() -> None:
    with pytest.raises(TypeError):
        catalog.SCENARIOS["x"] = catalog.get("strip")  # type: ignore[index]


def test_an_unknown_lab_is_an_error_that_lists_the_known_ones() -> None:
    with pytest.raises(KeyError) as caught:
        catalog.get("startls")
    message = str(caught.value)
    assert "unknown scenario 'startls'" in message
    assert all(name in message for name in catalog.available())


def test_i7_a_lab_has_a_tamper_exactly_when_it_announces_an_attack() -> None:
    base = {
        "summary": "s",
        "server_policy": ServerPolicy(),
        "client_policy": TlsPolicy.MAY,
        "script": submission_script,
    }
    with pytest.raises(ValueError, match="tamper and an attack notice go together"):
        Scenario(name="silent", tamper=Tamper, **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tamper and an attack notice go together"):
        Scenario(name="crying-wolf", attack_notice="ATTACK", **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "summary", "notice", "error"),
    [
        ("Strip Two", "s", "n", "lower-case words"),
        ("strip-", "s", "n", "lower-case words"),
        ("quiet", "s", " ", "on-screen notice"),
        ("vague", "", "n", "summary"),
    ],
)
def test_an_attack_spec_needs_a_lab_name_a_summary_and_a_notice(
    name: str, summary: str, notice: str, error: str
) -> None:
    with pytest.raises(ValueError, match=error):
        Attack(name, summary=summary, notice=notice, tamper=Tamper)


def test_listing_the_labs_loads_neither_cryptography_nor_aiosmtpd() -> None:
    """The lesson validator reads the catalogue; certificates and servers load when a lab runs."""
    code = (
        "import sys, sandbox.lab.catalog, tutor.model.validate\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'cryptography', 'aiosmtpd'})\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == ""
