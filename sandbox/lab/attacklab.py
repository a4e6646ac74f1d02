"""An attack (`sandbox.threats.spec.Attack`) as a named lab.

Every attack lab models server-to-server relay on port 25, where STARTTLS is opportunistic: no
AUTH, a sending client whose policy defaults to `may`, and a receiving server at
`smtpd_tls_security_level = may` (`RELAY_SERVER`). `LabSession(name, client_policy=...)` picks the
client's policy, `server_policy=server_variant(...)` (`sandbox.smtpd.describe`) the server's.
"""

from __future__ import annotations

from sandbox.client.policy import TlsPolicy
from sandbox.lab.scenarios import Scenario, submission_script
from sandbox.smtpd.policy import RELAY_SERVER
from sandbox.threats.spec import Attack

ATTACK_PREFIX = "ATTACK ON (a lab on purpose): "  # how "attack.on" (sandbox.notices) begins


def attack_lab(attack: Attack) -> Scenario:
    return Scenario(
        name=attack.name,
        summary=attack.summary,
        server_policy=RELAY_SERVER,
        client_policy=TlsPolicy.MAY,
        script=submission_script,
        authenticate=False,
        tamper=attack.tamper,
        attack_notice=attack.notice,  # said with its key, "attack.on" (sandbox.notices)
    )
