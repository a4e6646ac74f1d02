"""The receiving server's TLS settings in an administrator's words, both ways.

`server_variant` makes a `ServerPolicy` from Postfix's names (what `smtp-tutor demo --server-policy`
and a lab's variants take); `describe_server` says a policy back as `main.cf` and an Exchange
receive connector would. The names themselves are defined in `sandbox.smtpd.policy`.
"""

from __future__ import annotations

from dataclasses import replace

from sandbox.smtpd.policy import (
    MIN_TLS_VERSIONS,
    RELAY_SERVER,
    TLS_LEVELS,
    ServerPolicy,
    TlsLevel,
    exchange_receive,
    min_tls_name,
)


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
    level = base.tls_level if tls_level is None else as_tls_level(tls_level)
    if min_tls is not None and min_tls not in MIN_TLS_VERSIONS:
        raise ValueError(f"minimum TLS version must be one of {', '.join(MIN_TLS_VERSIONS)}")
    return replace(
        base,
        tls_level=level,
        auth_only_after_tls=base.auth_only_after_tls if auth_only is None else auth_only,
        min_tls_version=base.min_tls_version if min_tls is None else MIN_TLS_VERSIONS[min_tls],
    )


def as_tls_level(name: str) -> TlsLevel:
    """`name` as a `TlsLevel`; ValueError naming the known ones if it is none of them."""
    for level in TLS_LEVELS:
        if name == level:
            return level
    raise ValueError(f"server TLS level must be one of {', '.join(TLS_LEVELS)}, not {name!r}")


def describe_server(policy: ServerPolicy) -> tuple[str, ...]:
    """The server's settings as main.cf and an Exchange receive connector would say them."""
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
        f"Postfix: {protocols} = >=TLSv{min_tls_name(policy.min_tls_version)}",
        f"Exchange receive connector: {exchange_receive(policy.tls_level)}",
        f"Exchange receive connector: -AuthMechanism {', '.join(mechanisms)}",
    )
