"""The labs without an attack: the same submission session in plaintext, with STARTTLS, and with
implicit TLS (port 465)."""

from __future__ import annotations

from sandbox.client.policy import TlsPolicy
from sandbox.lab.scenarios import Scenario, submission_script
from sandbox.smtpd.policy import ServerPolicy

LABS = (
    Scenario(
        name="plaintext",
        summary="No TLS at all: every command, the message and even the AUTH password cross the "
        "wire readable (shown on purpose, in the sandbox only).",
        server_policy=ServerPolicy(tls_level="none", auth_only_after_tls=False),
        client_policy=TlsPolicy.NONE,
        allow_cleartext_auth=True,
        script=submission_script,
    ),
    Scenario(
        name="starttls",
        summary="The session starts in plaintext on the submission port and upgrades to TLS with "
        "STARTTLS; AUTH and the message travel inside TLS.",
        server_policy=ServerPolicy(tls_level="encrypt"),
        client_policy=TlsPolicy.VERIFY,
        script=submission_script,
    ),
    Scenario(
        name="implicit-tls",
        summary="Port 465 style: TLS from the first byte, so nothing of SMTP is ever readable on "
        "the wire.",
        server_policy=ServerPolicy(tls_level="encrypt", implicit_tls=True),
        client_policy=TlsPolicy.VERIFY,
        implicit_tls=True,
        script=submission_script,
    ),
)
