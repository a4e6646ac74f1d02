"""Break and fix: each lab is one line of a Postfix configuration that breaks something a real
admin breaks, and the line that fixes it (issue 11, section 3; properties.md L28-L31).

A `BreakFix` is data: the broken main.cf and master.cf (keys and certificates named from the lab's
own folder, `sandbox/pki/labkeys.py`), the fault line and its fix, the service the client talks to,
the client's TLS policy, the `postfix check` finding that names the fault (if the linter can see
it) and the real tool that shows it. `sandbox/lab/builtin.py` lists them in the lab catalogue
(`demo --list`); `smtp-tutor demo NAME` writes the files to a lab folder and runs the sandbox
with them (`tutor/cli/postfix.py`); `scenarios_run.py` runs one on real sockets.

This module stays light (the catalogue imports it): no cryptography, no asyncio.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from sandbox.client.policy import TlsPolicy
from sandbox.smtpd.policy import ServerPolicy

BASE = """\
myhostname = mail.sandbox.test
mydestination = $myhostname, sandbox.test, localhost
smtpd_tls_security_level = may
"""
CHAIN = "smtpd_tls_chain_files = server.key, chain.pem\n"
MX = "smtp      inet  n       -       y       -       -       smtpd\n"
SUBMISSION = (
    "submission inet n       -       y       -       -       smtpd\n"
    "  -o smtpd_sasl_auth_enable=yes\n"
)
HOSTNAME = "mail.sandbox.test"


@dataclass(frozen=True, slots=True)
class BreakFix:
    name: str
    summary: str  # one plain sentence for the list of labs
    main_cf: str  # the broken configuration; `fault` is one of its lines
    fault: str
    fix: str  # the line that replaces `fault`
    client_policy: TlsPolicy
    server_policy: ServerPolicy  # what the sandbox enacts of the broken file (a test holds it)
    master_cf: str = MX
    service: str = "smtp"
    authenticate: bool = False
    allow_cleartext_auth: bool = False
    client_max_tls: ssl.TLSVersion | None = None  # a client that speaks nothing newer
    finding: str | None = None  # the `postfix check` finding at the fault's line
    tool: tuple[str, ...] = ()  # the real tool that shows it; `{keys}`: the lab's folder

    def files(self, *, fixed: bool = False) -> tuple[str, str]:
        """(main.cf, master.cf) as broken, or with the fault line replaced by the fix."""
        main, master = self.main_cf, self.master_cf
        if fixed:
            if self.fault in main:
                main = main.replace(self.fault, self.fix)
            else:
                master = master.replace(self.fault, self.fix)
        return main, master

    def write(self, folder: Path, *, fixed: bool = False) -> tuple[Path, Path]:
        """The two files in `folder` (the lab's folder, where its keys are made): their paths."""
        main, master = self.files(fixed=fixed)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "main.cf").write_text(main)
        (folder / "master.cf").write_text(master)
        return folder / "main.cf", folder / "master.cf"

    @property
    def fault_file(self) -> str:
        return "main.cf" if self.fault in self.main_cf else "master.cf"

    @property
    def fault_line(self) -> int:
        """The line of the fault in its file (1-based)."""
        text = self.main_cf if self.fault in self.main_cf else self.master_cf
        return text[: text.index(self.fault)].count("\n") + 1


def _may(**fields: object) -> ServerPolicy:
    """The enacted policy of BASE: Postfix's defaults, as the sandbox enacts them."""
    values: dict[str, object] = {
        "tls_level": "may", "helo_required": False, "hostname": HOSTNAME,
        "auth_only_after_tls": False,  # Postfix's default: smtpd_tls_auth_only = no
        "max_message_size": 10240000, "max_recipients": 1000,
    }  # fmt: skip
    values.update(fields)
    return ServerPolicy(**values)  # type: ignore[arg-type]


BREAK_FIX: tuple[BreakFix, ...] = (
    BreakFix(
        name="postfix-key-mismatch",
        summary="main.cf names a key that does not belong to the certificate: Postfix offers "
        "STARTTLS and answers it 454 4.7.0, and a sender that requires TLS defers its mail.",
        main_cf=BASE + "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_key_file = other.key\n",
        fault="smtpd_tls_key_file = other.key\n",
        fix="smtpd_tls_key_file = server.key\n",
        client_policy=TlsPolicy.ENCRYPT,
        server_policy=_may(),
        finding="key_mismatch",
        tool=("openssl", "s_client", "-starttls", "smtp", "-connect", "{address}"),
    ),
    BreakFix(
        name="postfix-key-unreadable",
        summary="main.cf names a key file that is not there: the log says 'cannot get RSA "
        "private key', STARTTLS gets 454 4.7.0, and a sender that requires TLS defers its mail.",
        main_cf=BASE + "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_key_file = missing.key\n",
        fault="smtpd_tls_key_file = missing.key\n",
        fix="smtpd_tls_key_file = server.key\n",
        client_policy=TlsPolicy.ENCRYPT,
        server_policy=_may(),
        finding="cert_unreadable",
    ),
    BreakFix(
        name="postfix-expired-cert",
        summary="The server's certificate has expired: a verifying sender stops at the "
        "handshake ('certificate has expired'); openssl x509 -checkend shows it.",
        main_cf=BASE + "smtpd_tls_chain_files = expired.key, expired.pem\n",
        fault="smtpd_tls_chain_files = expired.key, expired.pem\n",
        fix=CHAIN,
        client_policy=TlsPolicy.VERIFY,
        server_policy=_may(),
        finding="cert_expired",
        tool=(
            "openssl",
            "x509",
            "-noout",
            "-enddate",
            "-checkend",
            "0",
            "-in",
            "{keys}/expired.pem",
        ),
    ),
    BreakFix(
        name="postfix-leaf-only",
        summary="The chain file holds the server's certificate alone: a verifying sender that "
        "trusts only the root cannot link it ('unable to get local issuer certificate').",
        main_cf=BASE + "smtpd_tls_chain_files = server.key, server.pem\n",
        fault="smtpd_tls_chain_files = server.key, server.pem\n",
        fix=CHAIN,
        client_policy=TlsPolicy.VERIFY,
        server_policy=_may(),
        finding="leaf_only",
        tool=(
            "openssl",
            "s_client",
            "-starttls",
            "smtp",
            "-showcerts",
            "-CAfile",
            "{keys}/root.pem",
            "-connect",
            "{address}",
        ),
    ),
    BreakFix(
        name="postfix-wrong-name",
        summary="The certificate is for other.test, not for the server's name: a sender that "
        "verifies the name refuses it.",
        main_cf=BASE + "smtpd_tls_chain_files = othername.key, othername.pem\n",
        fault="smtpd_tls_chain_files = othername.key, othername.pem\n",
        fix=CHAIN,
        client_policy=TlsPolicy.VERIFY,
        server_policy=_may(),
        finding="cert_name",
    ),
    BreakFix(
        name="postfix-tls13-only",
        summary="The server speaks only TLS 1.3 and the sender only TLS 1.2: no version in "
        "common, the handshake fails.",
        main_cf=BASE + CHAIN + "smtpd_tls_protocols = >=TLSv1.3\n",
        fault="smtpd_tls_protocols = >=TLSv1.3\n",
        fix="smtpd_tls_protocols = >=TLSv1.2\n",
        client_policy=TlsPolicy.MAY,
        client_max_tls=ssl.TLSVersion.TLSv1_2,
        server_policy=_may(min_tls_version=ssl.TLSVersion.TLSv1_3),
    ),
    BreakFix(
        name="postfix-encrypt-on-mx",
        summary="encrypt on the public port 25: a sender that cannot do TLS gets 530 5.7.0 "
        "Must issue a STARTTLS command first, and its mail never arrives.",
        main_cf=BASE.replace("= may", "= encrypt") + CHAIN,
        fault="smtpd_tls_security_level = encrypt\n",
        fix="smtpd_tls_security_level = may\n",
        client_policy=TlsPolicy.NONE,
        server_policy=_may(tls_level="encrypt"),
        finding="encrypt_on_mx",
    ),
    BreakFix(
        name="postfix-auth-before-tls",
        summary="smtpd_tls_auth_only = no on submission: AUTH is offered before STARTTLS and "
        "the password crosses the wire in the clear.",
        main_cf=BASE + CHAIN + "smtpd_tls_auth_only = no\n",
        fault="smtpd_tls_auth_only = no\n",
        fix="smtpd_tls_auth_only = yes\n",
        master_cf=MX + SUBMISSION,
        service="submission",
        client_policy=TlsPolicy.NONE,
        authenticate=True,
        allow_cleartext_auth=True,
        server_policy=_may(),
        finding="auth_before_tls",
    ),
)
NAMES = tuple(bf.name for bf in BREAK_FIX)
LISTED = tuple(bf.name for bf in BREAK_FIX if bf.client_max_tls is None)
"""The labs in the catalogue: a lab whose sender speaks only an older TLS needs a client the lab
session cannot make yet (its client speaks every version), so it runs only on its own."""


def get(name: str) -> BreakFix:
    for bf in BREAK_FIX:
        if bf.name == name:
            return bf
    raise KeyError(f"no break/fix lab {name!r} (there are {', '.join(NAMES)})")
