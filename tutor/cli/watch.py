"""`smtp-tutor watch`: bring your own client, and see its sessions live.

Two sandbox servers, each behind the wire tap: a submission port with STARTTLS (as 587, default
`encrypt`: `smtpd_tls_security_level = encrypt` on Postfix's submission service) and a port with
implicit TLS (as 465, RFC 8314). The learner points swaks, `openssl s_client`, a mail client or a
script at either tap port, and every session is printed as `demo` prints its own (the events go
through the demo's `Printer`: the wire lines indented behind `wire |`, the server's notices and
deliveries as `===` lines), or with `--json` as one JSON object per event (sandbox.eventjson).

`--decrypt` (opt-in, G5): the servers log their TLS secrets into a private folder removed at the
end, and under each TLS record the watch prints what is inside it, as `demo --decrypt` does:
the outside client's own commands, AUTH included. It follows one session at a time: sessions of
two clients at once are shown, but their records are not opened.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sandbox.events import SandboxEvent, SessionStarted
from sandbox.smtpd.policy import TLS_LEVELS
from tutor.cli.sandbox_options import fail, port_number, start_server

if TYPE_CHECKING:
    from sandbox.smtpd.server import SandboxServer
    from sandbox.tlsview.decrypt import TlsDecryptor
    from sandbox.tlsview.keylog import KeyLog
    from sandbox.tlsview.secrets import Secrets
    from sandbox.wire.tap import WireTap
    from tutor.cli.demo import Printer

SUBMISSION = "watch: submission port, STARTTLS"
SMTPS = "watch: implicit TLS port"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=port_number,
        default=2587,
        help="the submission port to point a client at, with STARTTLS (default 2587; 0: any)",
    )
    parser.add_argument(
        "--tls-port",
        type=port_number,
        default=2465,
        help="the implicit TLS port, as 465 (default 2465; 0: any)",
    )
    parser.add_argument(
        "--tls",
        choices=TLS_LEVELS,
        default="encrypt",
        help="the submission port's smtpd_tls_security_level (default encrypt, as on 587)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per event")
    parser.add_argument(
        "--decrypt",
        action="store_true",
        help="show inside TLS: the servers keep their TLS secrets (in a private folder, removed "
        "at the end) and each record is printed opened",
    )
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto")


@dataclass(slots=True)
class Listener:
    """One watched port: the sandbox server and the tap in front of it."""

    name: str
    server: SandboxServer
    tap: WireTap | None = None

    @property
    def where(self) -> str:
        assert self.tap is not None
        return f"{self.tap.host}:{self.tap.port}"


class Opened:
    """`--decrypt`: each connection's records, opened with the servers' own secrets."""

    def __init__(self, printer: Printer, keys: Callable[[], KeyLog], *, as_json: bool) -> None:
        self._printer, self._keys, self._as_json = printer, keys, as_json
        self._decryptor: TlsDecryptor | None = None

    def __call__(self, event: SandboxEvent) -> None:
        from sandbox.tlsview.decrypt import TlsDecryptor

        if isinstance(event, SessionStarted):
            self.finish()
            self._decryptor = TlsDecryptor(self._keys)
        elif self._decryptor is not None:
            self._show(self._decryptor.feed(event))

    def finish(self) -> None:
        decryptor, self._decryptor = self._decryptor, None
        if decryptor is not None:
            self._show(decryptor.finish())

    def _show(self, records: list[Any]) -> None:
        import json

        from tutor.cli.tlsview_options import record_json, record_lines

        for record in records:
            if not record.encrypted:
                continue  # the wire line shows all there is
            if self._as_json:
                self._printer._write(json.dumps(record_json(record), ensure_ascii=False), "")
            else:
                for text, style in record_lines(record):
                    self._printer._write(f"    open | {text}", style)


def _merged(secrets: list[Secrets]) -> Callable[[], KeyLog]:
    def keys() -> KeyLog:
        from sandbox.tlsview.keylog import KeyLog

        merged = KeyLog()
        for s in secrets:
            merged.update(s.keylog())
        return merged

    return keys


def run(args: argparse.Namespace) -> int:
    return asyncio.run(watch(args))


async def watch(args: argparse.Namespace) -> int:
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.accounts import demo_account
    from sandbox.smtpd.policy import ServerPolicy
    from sandbox.smtpd.server import SandboxServer
    from sandbox.tlsview.secrets import Secrets
    from sandbox.wire.tap import WireTap
    from tutor.cli.demo import Printer, _use_color
    from tutor.cli.stopsignal import stop_on_signal

    stop = stop_on_signal()  # Q1: before anything is printed
    printer = Printer(sys.stdout, color=_use_color(args.color, sys.stdout), as_json=args.json)
    secrets = [Secrets(), Secrets()] if args.decrypt else []
    opened = Opened(printer, _merged(secrets), as_json=args.json) if args.decrypt else None

    def emit(event: SandboxEvent) -> None:
        printer(event)
        if opened is not None:
            opened(event)

    maildir = data_dir() / "Maildir"
    listeners = [
        Listener(
            SUBMISSION,
            SandboxServer(
                ServerPolicy(tls_level=args.tls),
                emit=emit,
                maildir=maildir,
                keylog_file=secrets[0].path if secrets else None,
            ),
        ),
        Listener(
            SMTPS,
            SandboxServer(
                ServerPolicy(tls_level="encrypt", implicit_tls=True),
                emit=emit,
                maildir=maildir,
                keylog_file=secrets[1].path if secrets else None,
            ),
        ),
    ]
    out = sys.stderr if args.json else sys.stdout  # --json: stdout holds JSON lines only
    try:
        for listener, port in zip(listeners, (args.port, args.tls_port), strict=True):
            failed = await start_server(
                listener.server, "127.0.0.1", 0, allow_non_loopback=False, command="watch"
            )
            if failed is not None:
                return failed
            listener.tap = WireTap(
                listener.server.host,
                listener.server.port,
                emit=emit,
                listen_port=port,
                tamper=_announcer(listener, emit),
            )
            try:
                await listener.tap.start()
            except OSError as exc:
                listener.tap = None
                return fail(
                    "watch",
                    f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} "
                    "(another watch running? --port 0 --tls-port 0 pick free ports)",
                )
        account = demo_account()
        certs = listeners[0].server.certs or listeners[1].server.certs
        assert certs is not None  # the implicit TLS port always has TLS
        for line in intro(listeners, account.username, account.password, str(certs.ca_cert)):
            print(line, file=out)
        print(
            f"Messages are kept in {maildir} (smtp-tutor mailbox lists them). Ctrl-C stops.",
            file=out,
            flush=True,
        )
        if args.json:
            printer.out.write(_ready_json(listeners, str(certs.ca_cert)) + "\n")
            printer.out.flush()
        await stop.wait()
    finally:
        for listener in listeners:
            if listener.tap is not None:
                await listener.tap.stop()
            await listener.server.stop()
        if opened is not None:
            opened.finish()
        for s in secrets:
            s.close()  # the secrets open the sessions: gone with the watch
    delivered = sum(listener.server.mailbox.delivered for listener in listeners)
    print(f"\nStopped. {delivered} message(s) received.", file=out)
    return 0


def _announcer(listener: Listener, emit: Callable[[SandboxEvent], None]) -> Callable[[], None]:
    """The tap's per-connection factory, used to say that a client connected (no tampering)."""

    def connected() -> None:
        emit(
            SessionStarted(
                scenario=listener.name, server=listener.server.address, via_tap=listener.where
            )
        )

    return connected


def intro(listeners: list[Listener], user: str, password: str, ca: str) -> list[str]:
    """Where to point a client, and the exact commands for the two ports."""
    sub, tls = listeners
    sub_host, sub_port = sub.where.rsplit(":", 1)
    tls_host, tls_port = tls.where.rsplit(":", 1)
    auth = f"--auth-user {user} --auth-password '{password}'"
    mail = "--from learner@sandbox.test --to friend@sandbox.test"
    return [
        "Watching the sandbox: point a client at one of these, every session shows up here.",
        f"  {sub.where}  submission, STARTTLS ({sub.server.policy.tls_level}), as port 587",
        f"  {tls.where}  implicit TLS from the first byte, as port 465",
        f"Demo account: {user} / {password}   (generated: never type a real password here)",
        f"CA to trust:  {ca}   (server name: sandbox.test)",
        "Try:",
        f"  swaks --server {sub.where} --tls --tls-verify --tls-ca-path {ca} "
        f"--tls-sni sandbox.test {auth} {mail}",
        f"  swaks --server {tls.where} --tls-on-connect --tls-verify --tls-ca-path {ca} "
        f"--tls-sni sandbox.test {auth} {mail}",
        f"  openssl s_client -starttls smtp -crlf -quiet -connect {sub_host}:{sub_port} "
        f"-servername sandbox.test -CAfile {ca}",
        f"  openssl s_client -crlf -quiet -connect {tls_host}:{tls_port} "
        f"-servername sandbox.test -CAfile {ca}",
    ]


def _ready_json(listeners: list[Listener], ca: str) -> str:
    import json

    sub, tls = listeners
    return json.dumps(
        {
            "type": "WatchListening",
            "submission": sub.where,
            "implicit_tls": tls.where,
            "ca": ca,
        }
    )
