"""From what the probes saw to findings: each a level, a sentence, why it matters, the fix as
Postfix and as Exchange settings, and the lesson that explains it (N5).

One table entry per finding (`FIXES` here, the sentences in `words_en.py` and `words_ja.py`);
the sentences use the shapes of sandbox/config/findings.py (`Words`: what, why, fix). Tests
assert on `key` and `state`, never on the words.

On a public MX (port 25) old TLS versions and weak suites are a note, not a warning: a sender
that cannot use what is left does not give up, it sends in plaintext (as Postfix says).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from sandbox.check.chain import ChainFacts
from sandbox.check.run import Observations
from sandbox.check.words_en import WORDS_EN
from sandbox.check.words_ja import WORDS_JA
from sandbox.config.findings import Words

WORDS: dict[str, Mapping[tuple[str, str], Words]] = {"en": WORDS_EN, "ja": WORDS_JA}
AEAD_MARKS = ("GCM", "CHACHA20", "CCM", "TLS_AES")


class CheckLevel(Enum):
    OK = "ok"
    NOTE = "note"
    WARNING = "warning"
    PROBLEM = "problem"


@dataclass(frozen=True, slots=True)
class Fix:
    postfix: str
    exchange: str
    lesson: str


@dataclass(frozen=True, slots=True)
class CheckFinding:
    key: str  # what was looked at: "starttls", "tls1.0", "chain_order"...
    state: str  # what was found: "offered", "accepted", "wrong"...
    level: CheckLevel
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def group(self) -> str:
        """The words' and the fix's entry: the four versions share two."""
        return {"tls1.0": "tls_old", "tls1.1": "tls_old"}.get(self.key, self.key)

    @property
    def fix(self) -> Fix:
        return FIXES[self.group]

    def text(self, lang: str = "en") -> Words:
        table = WORDS.get(lang, WORDS_EN)
        words = table.get((self.group, self.state)) or WORDS_EN[(self.group, self.state)]
        return Words(*(part.format(**self.params) for part in (words.what, words.why, words.fix)))


FIXES: dict[str, Fix] = {
    "starttls": Fix(
        "smtpd_tls_security_level = may (encrypt on submission); smtpd_tls_chain_files = "
        "/etc/postfix/key.pem, /etc/postfix/fullchain.pem",
        "Enable-ExchangeCertificate -Thumbprint <thumbprint> -Services SMTP; "
        "Set-ReceiveConnector <name> -AuthMechanism Tls (plus what it had)",
        "starttls",
    ),
    "handshake": Fix(
        "smtpd_tls_chain_files = key, then certificate, then intermediates (the key must be "
        "the certificate's); postfix reload; read the log for 'SSL_accept error'",
        "Get-ExchangeCertificate | Format-List Thumbprint,Services,NotAfter; "
        "Enable-ExchangeCertificate -Services SMTP",
        "tls-basics",
    ),
    "tls_old": Fix(
        "smtpd_tls_protocols = >=TLSv1.2 and smtpd_tls_mandatory_protocols = >=TLSv1.2 "
        "(Postfix 3.6+; on port 25 only if your senders can all do TLS 1.2)",
        "turn TLS 1.0 and 1.1 off in Windows SChannel (the registry keys Microsoft's Exchange "
        "TLS guidance lists), then restart",
        "tls-basics",
    ),
    "tls1.2": Fix(
        "smtpd_tls_protocols = >=TLSv1.2 (not >=TLSv1.3)",
        "keep TLS 1.2 enabled in Windows SChannel",
        "tls-basics",
    ),
    "tls1.3": Fix(
        "Postfix 3.4+ with OpenSSL 1.1.1+ offers TLS 1.3 unless smtpd_tls_protocols excludes it",
        "Exchange Server 2019 CU15 or later on Windows Server 2022 or later",
        "tls-basics",
    ),
    "cipher1.2": Fix(
        "smtpd_tls_exclude_ciphers = kRSA, SHA1, SHA256, SHA384 (the CBC and static-RSA "
        "suites); or smtpd_tls_mandatory_ciphers = high on submission",
        "Disable-TlsCipherSuite -Name <suite> (or the SSL Cipher Suite Order group policy)",
        "tls-basics",
    ),
    "cipher1.3": Fix("nothing to change", "nothing to change", "tls-basics"),
    "weak_cbc": Fix(
        "smtpd_tls_exclude_ciphers = SHA1, SHA256, SHA384 (the CBC suites; on port 25 "
        "consider leaving them)",
        "Disable-TlsCipherSuite -Name <each CBC suite>",
        "tls-basics",
    ),
    "weak_no_pfs": Fix(
        "smtpd_tls_exclude_ciphers = kRSA",
        "Disable-TlsCipherSuite -Name TLS_RSA_WITH_<...> (the suites without ECDHE or DHE)",
        "tls-basics",
    ),
    "chain_order": Fix(
        "smtpd_tls_chain_files = key.pem, fullchain.pem (the server's certificate first, "
        "then each intermediate in order)",
        "Import-ExchangeCertificate a .pfx holding the whole chain",
        "certificates",
    ),
    "chain_complete": Fix(
        "smtpd_tls_chain_files = key.pem, fullchain.pem (fullchain.pem, not cert.pem)",
        "install the intermediate in the Intermediate Certification Authorities store, "
        "or import a .pfx with the whole chain",
        "certificates",
    ),
    "chain_trust": Fix(
        "a certificate from a public CA (Let's Encrypt is fine) in smtpd_tls_chain_files",
        "New-ExchangeCertificate -GenerateRequest for a public CA, then "
        "Import-ExchangeCertificate and Enable-ExchangeCertificate -Services SMTP",
        "certificates",
    ),
    "expiry": Fix(
        "renew automatically (certbot renew with a deploy hook 'postfix reload')",
        "renew it (New-ExchangeCertificate for the renewal), then "
        "Enable-ExchangeCertificate -Services SMTP",
        "certificates",
    ),
    "name": Fix(
        "a certificate whose Subject Alternative Name holds the MX name (myhostname)",
        "a certificate with the connector's -Fqdn in its SAN; Set-ReceiveConnector "
        '-TlsCertificateName "<I>issuer<S>subject"',
        "certificates",
    ),
    "key": Fix(
        "a new key: RSA of 2048 bits or more, or ECDSA P-256",
        "New-ExchangeCertificate -KeySize 2048 (or more)",
        "certificates",
    ),
    "signature": Fix(
        "a certificate signed with SHA-256 (ask the CA to issue it again)",
        "a certificate signed with SHA-256 (ask the CA to issue it again)",
        "certificates",
    ),
    "plaintext_mail": Fix(
        "smtpd_tls_security_level = may on port 25; -o smtpd_tls_security_level=encrypt on "
        "submission in master.cf",
        "-RequireTLS $false on the internet-facing receive connector; -RequireTLS $true on "
        "a dedicated partner or client connector",
        "starttls",
    ),
    "auth_before_tls": Fix(
        "smtpd_tls_auth_only = yes",
        "Set-ReceiveConnector <name> -AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS",
        "plaintext-danger",
    ),
    "injection": Fix(
        "a supported Postfix (every release since 2011 discards it)",
        "the current cumulative update",
        "starttls-attacks",
    ),
    "starttls_in_tls": Fix(
        "a supported Postfix (it answers 554 5.5.1 Error: TLS already active)",
        "the current cumulative update",
        "starttls-attacks",
    ),
}


def _soft(obs: Observations) -> CheckLevel:
    """Old TLS or weak suites: a note on a public MX (plaintext is the sender's fallback), else
    a warning."""
    return CheckLevel.NOTE if obs.role == "mx" else CheckLevel.WARNING


def _plaintext_mail(obs: Observations) -> CheckFinding | None:
    """Is mail taken before TLS? A public MX must take it (RFC 3207); submission must not."""
    required = obs.tls_required
    if required is None:
        return None
    code = {"code": str(obs.mail_before_tls.code if obs.mail_before_tls else 0)}
    match obs.role, required:
        case "mx", True:
            return CheckFinding("plaintext_mail", "refused", CheckLevel.PROBLEM, code)
        case "submission", False:
            return CheckFinding("plaintext_mail", "accepted", CheckLevel.WARNING, code)
        case "other", True:
            return CheckFinding("plaintext_mail", "refused", CheckLevel.NOTE, code)
        case _:
            state = "refused" if required else "accepted"
            return CheckFinding("plaintext_mail", state, CheckLevel.OK, code)


def _aead(cipher: str) -> bool:
    return any(mark in cipher for mark in AEAD_MARKS)


def _pfs(cipher: str) -> bool:
    return cipher.startswith(("ECDHE", "DHE", "TLS_"))


def judge(obs: Observations, chain: ChainFacts | None) -> list[CheckFinding]:
    """Every finding, in the order a report shows them."""
    out: list[CheckFinding] = []
    add = out.append
    ok, note, warn, bad = CheckLevel.OK, CheckLevel.NOTE, CheckLevel.WARNING, CheckLevel.PROBLEM
    if obs.mode == "implicit":
        add(CheckFinding("starttls", "implicit", ok))
    elif not obs.starttls_offered:
        add(CheckFinding("starttls", "missing", bad))
    elif obs.starttls_reply != 220:
        add(CheckFinding("starttls", "refused", bad, {"code": str(obs.starttls_reply)}))
    else:
        add(CheckFinding("starttls", "offered", ok))
    plain = _plaintext_mail(obs)
    if plain is not None:
        add(plain)
    if obs.mode == "starttls":
        mechs = obs.auth_before_tls
        if mechs:
            add(CheckFinding("auth_before_tls", "offered", bad, {"mechs": " ".join(mechs)}))
        else:
            add(CheckFinding("auth_before_tls", "none", ok))
    if obs.handshake_error:
        add(CheckFinding("handshake", "failed", bad, {"error": obs.handshake_error}))
    for probe in obs.versions:
        key, p = f"tls{probe.version}", {"version": probe.version, "detail": probe.detail}
        if probe.outcome in ("untestable", "unread"):
            add(CheckFinding(key, probe.outcome, note, p))
        elif probe.version in ("1.0", "1.1"):
            level = _soft(obs) if probe.outcome == "accepted" else ok
            add(CheckFinding(key, probe.outcome, level, p))
        elif probe.outcome == "accepted":
            add(CheckFinding(key, "accepted", ok, p))
            cipher = probe.cipher or "?"
            if probe.version == "1.3":
                add(CheckFinding("cipher1.3", "chosen", ok, {"cipher": cipher}))
            elif _aead(cipher) and _pfs(cipher):
                add(CheckFinding("cipher1.2", "strong", ok, {"cipher": cipher}))
            else:
                add(CheckFinding("cipher1.2", "weak", warn, {"cipher": cipher}))
        elif probe.version == "1.2":
            v13 = obs.version("1.3")
            newer = v13 is not None and v13.outcome == "accepted"
            add(CheckFinding(key, "refused", warn if newer else bad, p))
        else:
            add(CheckFinding(key, "refused", note, p))
    for weak in obs.weak:
        key = f"weak_{weak.kind}"
        if weak.outcome == "accepted":
            add(CheckFinding(key, "accepted", _soft(obs), {"cipher": weak.cipher or "?"}))
        elif weak.outcome == "untestable":
            add(CheckFinding(key, "untestable", note))
        else:
            add(CheckFinding(key, "refused", ok))
    if chain is not None:
        out.extend(_chain_findings(obs, chain))
    if obs.injection_answered is not None:
        state = "vulnerable" if obs.injection_answered else "safe"
        add(CheckFinding("injection", state, bad if obs.injection_answered else ok))
    if obs.starttls_in_tls is not None:
        code = {"code": str(obs.starttls_in_tls)}
        if obs.starttls_in_tls == 220:
            add(CheckFinding("starttls_in_tls", "accepted", warn, code))
        else:
            add(CheckFinding("starttls_in_tls", "refused", ok, code))
    return out


def _chain_findings(obs: Observations, c: ChainFacts) -> list[CheckFinding]:
    ok, note, warn, bad = CheckLevel.OK, CheckLevel.NOTE, CheckLevel.WARNING, CheckLevel.PROBLEM
    out: list[CheckFinding] = []
    count = {"count": str(c.count), "issuer": c.issuer}
    out.append(_either("chain_order", c.in_order, "wrong", count))
    if c.missing_intermediate:
        out.append(CheckFinding("chain_complete", "missing", bad, count))
    else:
        out.append(CheckFinding("chain_complete", "ok", ok, count))
    if c.verified is None and c.verify_error is None:
        out.append(CheckFinding("chain_trust", "no_store", note))
    elif c.verified is None:
        pass  # it fails only for time: the expiry finding says so
    elif c.verified:
        out.append(CheckFinding("chain_trust", "verified", ok))
    elif not c.missing_intermediate:
        level = warn if obs.role == "mx" else bad
        error = {"error": c.verify_error or ""}
        out.append(CheckFinding("chain_trust", "untrusted", level, error))
    days = {"days": str(c.days_left), "ago": str(-c.days_left), "date": c.not_after}
    if c.days_left < 0:
        out.append(CheckFinding("expiry", "expired", bad, days))
    elif c.days_left < 14:
        out.append(CheckFinding("expiry", "soon", warn, days))
    else:
        out.append(CheckFinding("expiry", "ok", ok, days))
    names = {"name": c.name, "names": ", ".join(c.names[:8]) or "-"}
    out.append(_either("name", c.name_ok, "mismatch", names))
    weak_key = (c.key_type == "RSA" and c.key_bits < 2048) or (
        c.key_type.startswith("EC") and c.key_bits < 256
    )
    key = {"type": c.key_type, "bits": str(c.key_bits)}
    out.append(_either("key", not weak_key, "weak", key))
    sig = {"signature": c.signature}
    out.append(_either("signature", not c.weak_signature, "weak", sig))
    return out


def _either(key: str, good: bool, bad_state: str, params: Mapping[str, str]) -> CheckFinding:
    """`ok` when good, else `bad_state` as a problem."""
    if good:
        return CheckFinding(key, "ok", CheckLevel.OK, params)
    return CheckFinding(key, bad_state, CheckLevel.PROBLEM, params)
