"""The client's TLS policy, named like Postfix's `smtp_tls_security_level` (postconf(5)).

| level     | STARTTLS                  | without TLS          | certificate                   |
|-----------|---------------------------|----------------------|-------------------------------|
| `none`    | never on its own          | carries on           | (verified if a learner asks)  |
| `may`     | if the server offers it   | carries on (plain)   | not checked: opportunistic    |
| `encrypt` | required                  | quits (F2)           | not checked: any cert will do |
| `verify`  | required                  | quits (F2)           | chain and host name checked   |
| `secure`  | required                  | quits (F2)           | chain and host name checked   |

Postfix's `verify` and `secure` differ in where the expected name comes from (the MX record or
the next-hop domain); in the sandbox both check `server_hostname` against the sandbox CA.
"""

from __future__ import annotations

import enum


class TlsPolicy(enum.StrEnum):
    NONE = "none"
    MAY = "may"
    ENCRYPT = "encrypt"
    VERIFY = "verify"
    SECURE = "secure"

    @property
    def requires_tls(self) -> bool:
        """No AUTH, MAIL, RCPT or DATA is ever sent without TLS (security.md F2)."""
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
        return self not in (TlsPolicy.MAY, TlsPolicy.ENCRYPT)


DEFAULT_POLICY = TlsPolicy.VERIFY


def as_policy(value: TlsPolicy | str) -> TlsPolicy:
    """`TlsPolicy` from a name as lessons write it ("may", "verify"...); `ValueError` if unknown."""
    try:
        return TlsPolicy(value.lower() if isinstance(value, str) else value)
    except ValueError:
        names = ", ".join(p.value for p in TlsPolicy)
        raise ValueError(f"unknown TLS policy {value!r}; expected one of {names}") from None
