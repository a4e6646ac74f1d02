"""The labs without an attack: the same submission session in plaintext, with STARTTLS, and with
implicit TLS (port 465); then the Postfix break/fix labs (`sandbox/config/postfix/scenarios.py`)."""

from __future__ import annotations

import functools

from sandbox.client.policy import TlsPolicy
from sandbox.config.postfix.scenarios import BREAK_FIX, BreakFix
from sandbox.lab.scenarios import ConfiguredServer, Scenario, submission_script
from sandbox.smtpd.policy import ServerPolicy


def _configured(lab: BreakFix) -> ConfiguredServer:
    """The break/fix lab's files in its folder under the data dir, enacted (as it starts)."""
    from sandbox.config.postfix.enact import enact
    from sandbox.config.postfix.reader import read_postfix
    from sandbox.config.postfix.scenarios import HOSTNAME
    from sandbox.pki.labkeys import ensure_lab_keys
    from sandbox.safety.files import data_dir

    keys = ensure_lab_keys(data_dir() / "labs" / lab.name).folder
    main, master = lab.write(keys)
    plan = enact(read_postfix(str(main), str(master)), keys)
    (listener,) = [x for x in plan.listeners if x.service.name == lab.service]
    return ConfiguredServer(listener.policy, listener.chain, keys / "root.pem", HOSTNAME)


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
    *(
        Scenario(
            name=lab.name,
            summary=lab.summary,
            server_policy=lab.server_policy,
            client_policy=lab.client_policy,
            authenticate=lab.authenticate,
            allow_cleartext_auth=lab.allow_cleartext_auth,
            script=submission_script,
            configure=functools.partial(_configured, lab),
        )
        for lab in BREAK_FIX
        if lab.client_max_tls is None  # the lab's client speaks every version (see LISTED)
    ),
)
