"""The client's TLS policy, named like Postfix's `smtp_tls_security_level` (postconf(5)).

| level     | STARTTLS                  | without TLS          | certificate                   |
|-----------|---------------------------|----------------------|-------------------------------|
| `none`    | never on its own          | carries on           | (verified if a learner asks)  |
| `may`     | if the server offers it   | carries on (plain)   | not checked: opportunistic    |
| `encrypt` | required                  | quits (F2)           | not checked: any cert will do |
| `verify`  | required                  | quits (F2)           | chain and host name checked   |
| `secure`  | required                  | quits (F2)           | chain and host name checked   |
| `dane`    | as the domain's DNS says  | see below            | TLSA records (RFC 7672)       |
| `mta-sts` | as the domain's policy    | see below            | CA and the policy's MX names  |

`dane` and `mta-sts` ask the recipient domain's DNS (the lab world, `sandbox/labdns/world.py`)
before connecting. Without records they act as `may` (RFC 7672 2.2, RFC 8461 5: no usable TLSA
in a signed zone, or no policy, is opportunistic TLS). With them the world hands the client an
effective level and a certificate check: usable TLSA in a signed zone is `encrypt` plus the TLSA
match (DANE-EE ignores names and dates); an MTA-STS policy in `enforce` is `verify` against the
MX name the policy allows; in `testing` it is `may`, and failures are only reported (TLS-RPT).

Postfix's `verify` and `secure` differ in where the expected name comes from (the MX record or
the next-hop domain); in the sandbox both check `server_hostname` against the sandbox CA.
`CLIENT_POLICIES` names each level as Postfix and an Exchange send connector say it.
"""

from __future__ import annotations

import enum
import functools
import ssl
from dataclasses import dataclass
from pathlib import Path

from sandbox.pki.tlsconfig import client_context


class TlsPolicy(enum.StrEnum):
    NONE = "none"
    MAY = "may"
    ENCRYPT = "encrypt"
    VERIFY = "verify"
    SECURE = "secure"
    DANE = "dane"
    MTA_STS = "mta-sts"

    @property
    def reads_dns(self) -> bool:
        """Acts on the recipient domain's records (the lab world); alone, as `may` does."""
        return self in (TlsPolicy.DANE, TlsPolicy.MTA_STS)

    @property
    def requires_tls(self) -> bool:
        """No AUTH, MAIL, RCPT or DATA is ever sent without TLS (properties.md F2)."""
        return self in (TlsPolicy.ENCRYPT, TlsPolicy.VERIFY, TlsPolicy.SECURE)

    @property
    def starts_tls(self) -> bool:
        """The client sends STARTTLS by itself when the server offers it."""
        return self is not TlsPolicy.NONE

    @property
    def verifies(self) -> bool:
        """The server certificate's chain and name are checked (F1).

        `may` and `encrypt` accept any certificate: that is what opportunistic TLS means. `none`
        never starts TLS on its own; if a learner types STARTTLS anyway, we verify, because F1
        says only a lab that *means* to show an unverifying client may turn verification off.
        """
        return self not in (TlsPolicy.MAY, TlsPolicy.ENCRYPT, TlsPolicy.DANE, TlsPolicy.MTA_STS)


DEFAULT_POLICY = TlsPolicy.VERIFY


@dataclass(frozen=True, slots=True)
class PolicyNames:
    postfix: str  # main.cf
    exchange: str  # Set-SendConnector parameters
    in_short: str  # what it does, for a table legend


CLIENT_POLICIES: dict[str, PolicyNames] = {
    TlsPolicy.NONE: PolicyNames(
        "smtp_tls_security_level = none",
        "-IgnoreSTARTTLS $true",
        "never uses TLS",
    ),
    TlsPolicy.MAY: PolicyNames(
        "smtp_tls_security_level = may",
        "-RequireTLS $false (the default: opportunistic)",
        "TLS if offered, any certificate; else plaintext",
    ),
    TlsPolicy.ENCRYPT: PolicyNames(
        "smtp_tls_security_level = encrypt",
        "-RequireTLS $true -TlsAuthLevel EncryptionOnly",
        "TLS required, any certificate",
    ),
    TlsPolicy.VERIFY: PolicyNames(
        "smtp_tls_security_level = verify",
        "-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain <MX host name>",
        "TLS required, trusted CA and the MX host name",
    ),
    TlsPolicy.SECURE: PolicyNames(
        "smtp_tls_security_level = secure",
        "-RequireTLS $true -TlsAuthLevel DomainValidation (the recipient domain)",
        "TLS required, trusted CA and the next-hop domain",
    ),
    TlsPolicy.DANE: PolicyNames(
        "smtp_tls_security_level = dane",
        "Exchange Online: outbound DANE is on by default; Exchange Server has no setting",
        "signed TLSA: TLS required, certificate must match; else opportunistic",
    ),
    TlsPolicy.MTA_STS: PolicyNames(
        "smtp_tls_policy_maps = socketmap:... (Postfix asks an MTA-STS resolver daemon)",
        "Exchange Online: MTA-STS is honoured by default; Exchange Server has no setting",
        "enforce: TLS required, CA and policy MX; testing: opportunistic, reported",
    ),
}
"""Keyed by `TlsPolicy` (a str, so a policy's name looks it up too). Exchange's
`CertificateValidation` checks the chain but not the name: like no Postfix level, it would accept
`impersonate-wrong-name`. The sandbox's `verify` and `secure` both check the name."""


def as_policy(value: TlsPolicy | str) -> TlsPolicy:
    """`TlsPolicy` from a name as lessons write it ("may", "verify"...); `ValueError` if unknown."""
    try:
        return TlsPolicy(value.lower() if isinstance(value, str) else value)
    except ValueError:
        names = ", ".join(p.value for p in TlsPolicy)
        raise ValueError(f"unknown TLS policy {value!r}; expected one of {names}") from None


def tls_context_for(
    policy: TlsPolicy,
    ca_file: Path | None,
    keylog_file: Path | None = None,
    versions: tuple[ssl.TLSVersion, ssl.TLSVersion | None] | None = None,
) -> ssl.SSLContext:
    """The client's TLS context under `policy`: verifying the chain and name, or not (F1).

    Without key logging, sessions that trust the same CA file share one context; with it, a
    session gets its own, so secrets are logged only where a learner asked (G5).
    """
    if keylog_file is not None or versions is not None:  # its own: the shared one is not capped
        low, high = versions or (ssl.TLSVersion.TLSv1_2, None)
        return client_context(
            ca_file, verify=policy.verifies, keylog_file=keylog_file, minimum=low, maximum=high
        )
    return shared_client_context(ca_file, verify=policy.verifies)


def shared_client_context(ca_file: Path | None, *, verify: bool) -> ssl.SSLContext:
    """One context per CA file and verification mode.

    Building one costs about a millisecond (loading the CA), a good part of a whole sandbox
    session. The file's modification time is part of the key, so a regenerated CA is picked up.
    """
    stamp = ca_file.stat().st_mtime_ns if ca_file is not None else 0
    return _shared_context(ca_file, stamp, verify)


@functools.lru_cache(maxsize=16)
def _shared_context(ca_file: Path | None, stamp: int, verify: bool) -> ssl.SSLContext:
    return client_context(ca_file, verify=verify)
