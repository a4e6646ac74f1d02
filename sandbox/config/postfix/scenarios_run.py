"""One break/fix lab on real sockets: its files in a lab folder, enacted, the sandbox server on a
loopback port, the tutor's client sending one message as the lab's sender would (L29)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from sandbox.client.framing import SmtpClientError
from sandbox.client.smtp import SmtpClient
from sandbox.config.postfix.enact import Listener, enact
from sandbox.config.postfix.log import KeyProblem, LogContext
from sandbox.config.postfix.reader import PostfixConfig, read_postfix
from sandbox.config.postfix.scenarios import HOSTNAME, BreakFix
from sandbox.config.postfix.values import words
from sandbox.events import SandboxEvent, SessionClosed
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.pki.tlsconfig import client_context
from sandbox.smtpd.server import SandboxServer

SENDER, RECIPIENT = "sender@client.test", "postmaster@sandbox.test"
USER, PASSWORD = "learner", "lab-Pa55word"
MESSAGE = "Subject: break and fix\r\n\r\nOne message, to see what the configuration does.\r\n"


class _CappedClient(SmtpClient):
    """The tutor's client speaking no TLS newer than `max_tls` (a sender stuck on TLS 1.2)."""

    def __init__(self, *args: object, max_tls: ssl.TLSVersion, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._max_tls = max_tls

    def _tls_context(self) -> ssl.SSLContext:
        # its own context: the shared one (policy.shared_client_context) must stay as it is
        ctx = client_context(self.ca_file, verify=self.policy.verifies)
        ctx.maximum_version = self._max_tls
        return ctx


@dataclass
class Run:
    events: list[SandboxEvent]
    listener: Listener
    keys: Path
    key_problem: KeyProblem | None  # the server could not load its key and certificate

    def log_context(self, lab: BreakFix) -> LogContext:
        """What the Postfix log of this run needs beyond its events."""
        return LogContext(
            server=f"{HOSTNAME}[127.0.0.1]:{self.listener.port}",
            sender=SENDER,
            recipients=(RECIPIENT,),
            user=USER if lab.authenticate else None,
            key_problem=self.key_problem,
        )


def key_problem(config: PostfixConfig, listener: Listener, keys: Path) -> KeyProblem | None:
    """The files the service names for its key and certificate, as Postfix's warning names
    them, when the server could not load them (`SandboxServer.tls_problem`)."""
    service = listener.service
    chain = words(config.value("smtpd_tls_chain_files", service))
    if chain:
        files = tuple(str(keys / name) for name in chain)
    else:
        cert = config.value("smtpd_tls_cert_file", service)
        key = config.value("smtpd_tls_key_file", service) or cert
        files = (str(keys / cert), str(keys / key))
    missing = not all(Path(f).is_file() for f in files)
    return KeyProblem(files, bool(chain), missing)


async def run_lab(lab: BreakFix, folder: Path, *, fixed: bool = False) -> Run:
    """The lab's session, start to end (the server stopped after); its events."""
    keys = ensure_lab_keys(folder).folder
    main, master = lab.write(keys, fixed=fixed)
    config = read_postfix(str(main), str(master))
    plan = enact(config, keys)
    listener = next(x for x in plan.listeners if x.service.name == lab.service)
    events: list[SandboxEvent] = []
    server = SandboxServer(
        listener.policy, chain=listener.chain, accounts={USER: PASSWORD}, emit=events.append
    )
    await server.start()
    try:
        options: dict[str, object] = {
            "server_hostname": HOSTNAME, "policy": lab.client_policy, "ca_file": keys / "root.pem",
            "emit": events.append, "allow_cleartext_auth": lab.allow_cleartext_auth,
            "implicit_tls": listener.policy.implicit_tls,
        }  # fmt: skip
        client = (
            _CappedClient("127.0.0.1", server.port, max_tls=lab.client_max_tls, **options)
            if lab.client_max_tls is not None
            else SmtpClient("127.0.0.1", server.port, **options)  # type: ignore[arg-type]
        )
        try:
            login = {"user": USER, "password": PASSWORD} if lab.authenticate else {}
            await client.send_mail(SENDER, RECIPIENT, MESSAGE, **login)  # type: ignore[arg-type]
        except SmtpClientError:
            pass  # the refusal is what the lab shows
        finally:
            await client.close()
        events.append(SessionClosed(clean=True))
    finally:
        await server.stop()
    problem = key_problem(config, listener, keys) if server.tls_problem else None
    return Run(events, listener, keys, problem)
