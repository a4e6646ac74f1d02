"""The threat lab: attacks on STARTTLS as named scenarios, and the server settings that meet them.

Importing this module registers `strip`, `strip-454`, `strip-502`, `impersonate`,
`impersonate-wrong-name`, `inject-command` and `inject-response` with `sandbox.lab.scenarios` (which
imports it by itself). Each one models server-to-server relay on port 25, where STARTTLS is
opportunistic: no AUTH, a sending client whose policy defaults to `may`, and a receiving server
at `smtpd_tls_security_level = may`. `LabSession(name, client_policy=...)` picks the client's
policy, `server_policy=server_variant(...)` the server's.

The attacks themselves are in `sandbox.threats.attacks`; `sandbox.threats.outcome` says what a
run meant.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import replace

from sandbox.client.policy import TlsPolicy
from sandbox.lab.scenarios import Scenario, register, submission_script
from sandbox.smtpd.policy import Replies, ServerPolicy, TlsLevel
from sandbox.threats.attacks import Impersonate, InjectCommand, InjectResponse, Strip
from sandbox.threats.impostor import WRONG_NAME, Identity
from sandbox.wire.tamper import Tamper

RELAY_SERVER = ServerPolicy(tls_level="may")  # a public MX: STARTTLS offered, not required
ATTACK_PREFIX = "ATTACK ON (a lab on purpose): "


def _relay(name: str, tamper: Callable[[], Tamper], notice: str) -> Scenario:
    return Scenario(
        name=name,
        server_policy=RELAY_SERVER,
        client_policy=TlsPolicy.MAY,
        script=submission_script,
        authenticate=False,
        tamper=tamper,
        attack_notice=ATTACK_PREFIX + notice,
    )


THREATS: tuple[Scenario, ...] = (
    _relay(
        "strip",
        Strip,
        "a man in the middle deletes STARTTLS from the server's EHLO reply.",
    ),
    _relay(
        "strip-454",
        lambda: Strip(Replies.TLS_NOT_AVAILABLE.encode("ascii")),
        "a man in the middle answers STARTTLS with 454 in the server's place.",
    ),
    _relay(
        "strip-502",
        lambda: Strip(b"502 5.5.1 Error: command not implemented"),
        "a man in the middle answers STARTTLS with 502 in the server's place.",
    ),
    _relay(
        "impersonate",
        lambda: Impersonate(Identity.IMPOSTOR),
        "a man in the middle answers the TLS handshake himself, with a certificate for "
        "sandbox.test from his own CA.",
    ),
    _relay(
        "impersonate-wrong-name",
        lambda: Impersonate(Identity.WRONG_NAME),
        "a man in the middle answers the TLS handshake himself, with a genuine sandbox-CA "
        f"certificate for his own host {WRONG_NAME}.",
    ),
    _relay(
        "inject-command",
        InjectCommand,
        "a man in the middle appends a plaintext MAIL FROM to the client's STARTTLS.",
    ),
    _relay(
        "inject-response",
        InjectResponse,
        "a man in the middle appends plaintext reply lines to the server's 220 to STARTTLS.",
    ),
)

ATTACKS: tuple[str, ...] = tuple(s.name for s in THREATS)

for _scenario in THREATS:
    register(_scenario)


# --- the receiving server's side ---------------------------------------------------------------

SERVER_LEVELS: tuple[TlsLevel, ...] = ("none", "may", "encrypt")
MIN_TLS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


EXCHANGE_RECEIVE: dict[str, str] = {
    "none": "no Tls in -AuthMechanism (no STARTTLS offered)",
    "may": "-RequireTLS $false (STARTTLS offered: the default)",
    "encrypt": "-RequireTLS $true",
}
"""Exchange receive-connector settings closest to each `smtpd_tls_security_level`."""


def server_variant(
    tls_level: str | None = None,
    *,
    auth_only: bool | None = None,
    min_tls: str | None = None,
    base: ServerPolicy = RELAY_SERVER,
) -> ServerPolicy:
    """`base` with the receiving server's TLS settings changed, in Postfix's terms:
    `smtpd_tls_security_level`, `smtpd_tls_auth_only` and the lowest TLS version
    (`smtpd_tls_protocols`). None keeps `base`'s value; ValueError for anything unknown."""
    if tls_level is not None and tls_level not in SERVER_LEVELS:
        raise ValueError(f"server TLS level must be one of {', '.join(SERVER_LEVELS)}")
    if min_tls is not None and min_tls not in MIN_TLS:
        raise ValueError(f"minimum TLS version must be one of {', '.join(MIN_TLS)}")
    return replace(
        base,
        tls_level=tls_level or base.tls_level,
        auth_only_after_tls=base.auth_only_after_tls if auth_only is None else auth_only,
        min_tls_version=base.min_tls_version if min_tls is None else MIN_TLS[min_tls],
    )


def describe_server(policy: ServerPolicy) -> tuple[str, ...]:
    """The server's settings as main.cf and an Exchange receive connector would say them."""
    version = "1.3" if policy.min_tls_version >= ssl.TLSVersion.TLSv1_3 else "1.2"
    # Postfix applies the mandatory list where TLS is required, the other where it is optional.
    mandatory = "_mandatory" if policy.tls_level == "encrypt" else ""
    protocols = f"smtpd_tls{mandatory}_protocols"
    mechanisms = ["Tls"] if policy.tls_level != "none" else []
    mechanisms.append("BasicAuth")
    if policy.auth_only_after_tls:
        mechanisms.append("BasicAuthRequireTLS")
    return (
        f"Postfix: smtpd_tls_security_level = {policy.tls_level}",
        f"Postfix: smtpd_tls_auth_only = {'yes' if policy.auth_only_after_tls else 'no'}",
        f"Postfix: {protocols} = >=TLSv{version}",
        f"Exchange receive connector: {EXCHANGE_RECEIVE[policy.tls_level]}",
        f"Exchange receive connector: -AuthMechanism {', '.join(mechanisms)}",
    )
