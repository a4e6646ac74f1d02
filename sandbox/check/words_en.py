"""`check`'s findings in English: (group, state) -> what, why it matters, how to fix it.

`{name}` fields come from the finding's params; the Postfix and Exchange settings are in
sandbox/check/findings.py (FIXES), the same in every language.
"""

from __future__ import annotations

from sandbox.config.findings import Words

NOTHING = "Nothing to do."
UNREAD_WHY = "Not refused: the handshake failure above is the problem, not this version."

WORDS_EN: dict[tuple[str, str], Words] = {
    ("starttls", "offered"): Words(
        "STARTTLS is offered and the server starts TLS when asked.",
        "Senders can encrypt the session instead of sending in plaintext.",
        NOTHING,
    ),
    ("starttls", "missing"): Words(
        "STARTTLS is not offered: every session with this server is plaintext.",
        "Anyone on the path reads every message and every password.",
        "Offer STARTTLS with a certificate.",
    ),
    ("starttls", "refused"): Words(
        "STARTTLS is offered but answered {code}: TLS never starts.",
        "Senders fall back to plaintext, or defer their mail if they require TLS. Usually the "
        "key or certificate file cannot be loaded.",
        "Point the server at a key and the certificate that belongs to it.",
    ),
    ("starttls", "implicit"): Words(
        "TLS from the first byte (implicit TLS, as on port 465).",
        "Nothing crosses the wire in plaintext, not even the greeting.",
        NOTHING,
    ),
    ("plaintext_mail", "accepted"): Words(
        "Mail is accepted before TLS (MAIL FROM answered {code}).",
        "Right for a public MX (RFC 3207); on a submission port a client may send its mail "
        "and password unencrypted.",
        "On submission, require TLS.",
    ),
    ("plaintext_mail", "refused"): Words(
        "Mail is refused until STARTTLS (MAIL FROM answered {code}).",
        "Right for submission; on a public MX, senders without TLS lose their mail "
        "(RFC 3207 forbids requiring it there).",
        "On a public MX, offer TLS but do not require it.",
    ),
    ("auth_before_tls", "offered"): Words(
        "AUTH ({mechs}) is offered before TLS.",
        "A client may send its password in plaintext (PLAIN and LOGIN are only base64).",
        "Offer AUTH only after STARTTLS.",
    ),
    ("auth_before_tls", "none"): Words(
        "No AUTH is offered before TLS.", "Passwords only travel encrypted.", NOTHING
    ),
    ("handshake", "failed"): Words(
        "The TLS handshake failed ({error}).",
        "Senders cannot encrypt: they fall back to plaintext or defer their mail.",
        "Read the server's log for the TLS error; check its key and certificate.",
    ),
    ("tls_old", "accepted"): Words(
        "TLS {version} is accepted.",
        "TLS 1.0 and 1.1 are deprecated (RFC 8996): old hash functions, no modern suites.",
        "Accept TLS 1.2 and 1.3 only (on a public MX, only once your senders can).",
    ),
    ("tls_old", "refused"): Words(
        "TLS {version} is refused.", "Deprecated versions cannot be used.", NOTHING
    ),
    ("tls_old", "untestable"): Words(
        "TLS {version}: not testable here ({detail}).",
        "This machine's OpenSSL will not offer it, so it cannot say what the server does.",
        "Test from a machine whose OpenSSL still speaks it, e.g. testssl.sh's own.",
    ),
    ("tls_old", "unread"): Words(
        "TLS {version}: the server answered it, but its handshake could not be read here"
        " ({detail}).",
        UNREAD_WHY,
        NOTHING,
    ),
    ("tls_old", "not_reached"): Words(
        "TLS {version}: not tested ({detail}).", "The probe never reached the handshake.", NOTHING
    ),
    ("tls1.2", "accepted"): Words(
        "TLS 1.2 is accepted.", "Every current sender speaks it.", NOTHING
    ),
    ("tls1.2", "refused"): Words(
        "TLS 1.2 is refused.",
        "Many senders speak no TLS 1.3 yet; without 1.2 they fall back to plaintext.",
        "Accept TLS 1.2 as well as 1.3.",
    ),
    ("tls1.2", "untestable"): Words(
        "TLS 1.2: not testable here ({detail}).",
        "This machine's OpenSSL will not offer it.",
        NOTHING,
    ),
    ("tls1.2", "unread"): Words(
        "TLS 1.2: the server answered it, but its handshake could not be read here ({detail}).",
        UNREAD_WHY,
        NOTHING,
    ),
    ("tls1.2", "not_reached"): Words(
        "TLS 1.2: not tested ({detail}).", "The probe never reached the handshake.", NOTHING
    ),
    ("tls1.3", "accepted"): Words(
        "TLS 1.3 is accepted.",
        "The newest version: a faster handshake, and the certificate travels encrypted.",
        NOTHING,
    ),
    ("tls1.3", "refused"): Words(
        "TLS 1.3 is refused.",
        "Not wrong, but TLS 1.3 hides the certificate and drops every old suite.",
        "Enable TLS 1.3 (current Postfix and OpenSSL do by default).",
    ),
    ("tls1.3", "untestable"): Words(
        "TLS 1.3: not testable here ({detail}).",
        "This machine's OpenSSL will not offer it.",
        NOTHING,
    ),
    ("tls1.3", "unread"): Words(
        "TLS 1.3: the server answered it, but its handshake could not be read here ({detail}).",
        UNREAD_WHY,
        NOTHING,
    ),
    ("tls1.3", "not_reached"): Words(
        "TLS 1.3: not tested ({detail}).", "The probe never reached the handshake.", NOTHING
    ),
    ("cipher1.2", "strong"): Words(
        "With TLS 1.2 the server chose {cipher}.",
        "Forward secrecy (ECDHE or DHE) and an AEAD cipher: recorded traffic stays secret.",
        NOTHING,
    ),
    ("cipher1.2", "weak"): Words(
        "With TLS 1.2 the server chose {cipher}, although the client offered better.",
        "A CBC or static-RSA suite: no AEAD, or no forward secrecy if the key ever leaks.",
        "Prefer ECDHE suites with AES-GCM or ChaCha20-Poly1305.",
    ),
    ("cipher1.3", "chosen"): Words(
        "With TLS 1.3 the server chose {cipher}.",
        "Every TLS 1.3 suite has forward secrecy and an AEAD cipher.",
        NOTHING,
    ),
    ("weak_cbc", "accepted"): Words(
        "CBC suites (no AEAD) are accepted with TLS 1.2, e.g. {cipher}.",
        "CBC with MAC-then-encrypt is the source of padding-oracle attacks (Lucky13).",
        "Drop the CBC suites (on a public MX, plaintext is the fallback: weigh it).",
    ),
    ("weak_cbc", "refused"): Words(
        "CBC suites (no AEAD) are refused.", "Only AEAD suites can be used.", NOTHING
    ),
    ("weak_cbc", "untestable"): Words(
        "CBC suites: not testable here.", "This machine's OpenSSL will not offer them.", NOTHING
    ),
    ("weak_no_pfs", "accepted"): Words(
        "Suites without forward secrecy (static RSA) are accepted, e.g. {cipher}.",
        "Whoever gets the server's key later can decrypt every recorded session.",
        "Drop the static-RSA (kRSA) suites.",
    ),
    ("weak_no_pfs", "refused"): Words(
        "Suites without forward secrecy are refused.",
        "A stolen key cannot decrypt recorded sessions.",
        NOTHING,
    ),
    ("weak_no_pfs", "untestable"): Words(
        "Static-RSA suites: not testable here.",
        "This machine's OpenSSL will not offer them.",
        NOTHING,
    ),
    ("chain_order", "ok"): Words(
        "The chain is sent in order ({count} certificate(s)).",
        "Each certificate is followed by the one that issued it.",
        NOTHING,
    ),
    ("chain_order", "wrong"): Words(
        "The chain is not in order ({count} certificate(s)).",
        "Strict clients expect the server's certificate first, then its issuer, and so on; "
        "some fail to verify.",
        "Send the server's certificate first, then each intermediate in order.",
    ),
    ("chain_complete", "ok"): Words(
        "The chain is complete: the server's certificate links to a root.",
        "A client can verify it with only the root in its store.",
        NOTHING,
    ),
    ("chain_complete", "missing"): Words(
        "An intermediate certificate is missing, or the CA is private: the issuer ({issuer}) "
        "was not sent and is not among the trusted roots.",
        "Clients that trust only roots cannot link the certificate to one: a verifying "
        "sender (MTA-STS, DANE, submission clients) refuses it.",
        "Send the full chain (fullchain.pem), not the server's certificate alone; for a "
        "private CA (the sandbox's), check again with --ca-file and its root.",
    ),
    ("chain_trust", "verified"): Words(
        "The chain verifies to a trusted root.", "Clients that verify will accept it.", NOTHING
    ),
    ("chain_trust", "untrusted"): Words(
        "The chain does not verify to a trusted root ({error}).",
        "Verifying senders and MTA-STS refuse it; opportunistic ones accept anything.",
        "Use a certificate from a public CA.",
    ),
    ("chain_trust", "no_store"): Words(
        "No trust store to verify the chain against.",
        "Without roots, only the chain's own links can be checked.",
        "Give one with --ca-file.",
    ),
    ("expiry", "ok"): Words(
        "The certificate is valid for {days} more days (until {date}).",
        "Renewal in time keeps verifying senders happy.",
        NOTHING,
    ),
    ("expiry", "soon"): Words(
        "The certificate expires in {days} days ({date}).",
        "After that, verifying senders refuse it and defer their mail.",
        "Renew it now, and automate renewal.",
    ),
    ("expiry", "expired"): Words(
        "The certificate expired {ago} days ago ({date}).",
        "Verifying senders refuse it ('certificate has expired') and defer their mail.",
        "Renew it, and automate renewal.",
    ),
    ("name", "ok"): Words(
        "The certificate's names cover {name}.",
        "A sender that checks the name (MTA-STS, DANE, submission) accepts it.",
        NOTHING,
    ),
    ("name", "mismatch"): Words(
        "The certificate's names ({names}) do not cover {name}.",
        "A sender that checks the name refuses it: 'hostname mismatch'.",
        "Use a certificate whose SAN holds the MX name (or the name clients use).",
    ),
    ("key", "ok"): Words("The key is {type}, {bits} bits.", "Strong enough.", NOTHING),
    ("key", "weak"): Words(
        "The key is {type}, {bits} bits: too small.",
        "Short keys can be broken; current clients refuse them.",
        "Make a new key: RSA 2048+ or ECDSA P-256.",
    ),
    ("signature", "ok"): Words(
        "The certificate is signed with {signature}.", "A current algorithm.", NOTHING
    ),
    ("signature", "weak"): Words(
        "The certificate is signed with {signature}: SHA-1 or MD5.",
        "Collisions can be made for these; clients refuse such certificates.",
        "Have the certificate issued again with SHA-256.",
    ),
    ("injection", "safe"): Words(
        "A command sent right after STARTTLS, in the same packet, was discarded.",
        "Nobody on the path can slip a command into the encrypted session (CVE-2011-0411).",
        NOTHING,
    ),
    ("injection", "vulnerable"): Words(
        "A command sent in plaintext right after STARTTLS was answered inside TLS.",
        "An attacker on the path can inject commands that run as if sent encrypted "
        "(CVE-2011-0411).",
        "Update the server software: it must discard what arrived before TLS.",
    ),
    ("starttls_in_tls", "refused"): Words(
        "STARTTLS inside TLS is refused ({code}).",
        "A second handshake inside the first is not possible.",
        NOTHING,
    ),
    ("starttls_in_tls", "accepted"): Words(
        "STARTTLS inside TLS is answered 220.",
        "The server's STARTTLS state machine is confused: a sign of old or buggy software.",
        "Update the server software: it must answer 554 once TLS is active.",
    ),
}
