"""`smtp-tutor watch`: bring your own client, and see its sessions live.

Two sandbox servers, each watched at its own socket (no relay in between): a submission port with
STARTTLS (as 587, default `encrypt`: `smtpd_tls_security_level = encrypt` on Postfix's submission
service) and a port with implicit TLS (as 465, RFC 8314). The learner points swaks, `openssl
s_client`, a mail client or a script at either port, and every session is printed as `demo`
prints its own (the events go through the demo's `Printer`: the wire lines indented behind
`wire |`, the server's notices and deliveries as `===` lines), or with `--json` as one JSON object
per event (sandbox.eventjson). The watched servers are `sandbox.lab.watch.Watched`, which the
TUI's watch screen uses too.

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
from typing import TYPE_CHECKING, Any

from sandbox.events import SandboxEvent, SessionStarted
from sandbox.smtpd.policy import TLS_LEVELS
from tutor.cli.sandbox_options import fail, port_number

if TYPE_CHECKING:
    from sandbox.lab.watch import Listener, Watched
    from sandbox.tlsview.decrypt import TlsDecryptor
    from sandbox.tlsview.keylog import KeyLog
    from tutor.cli.demo import Printer


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


def run(args: argparse.Namespace) -> int:
    return asyncio.run(watch(args))


async def watch(args: argparse.Namespace) -> int:
    from sandbox.lab.watch import Watched
    from sandbox.safety.files import data_dir
    from sandbox.smtpd.accounts import demo_account
    from tutor.cli.demo import Printer, _use_color
    from tutor.cli.stopsignal import stop_on_signal

    stop = stop_on_signal()  # Q1: before anything is printed
    printer = Printer(sys.stdout, color=_use_color(args.color, sys.stdout), as_json=args.json)
    opened: Opened | None = None

    def emit(event: SandboxEvent) -> None:
        printer(event)
        if opened is not None:
            opened(event)

    maildir = data_dir() / "Maildir"
    watched = Watched(emit, tls_level=args.tls, maildir=maildir, keep_secrets=args.decrypt)
    if args.decrypt:
        opened = Opened(printer, watched.keylog, as_json=args.json)
    out = sys.stderr if args.json else sys.stdout  # --json: stdout holds JSON lines only
    try:
        try:
            await watched.start(args.port, args.tls_port)
        except OSError as exc:
            return fail(
                "watch",
                f"cannot listen on 127.0.0.1:{_taken(watched, args)}: {exc.strerror or exc} "
                "(another watch running? --port 0 --tls-port 0 pick free ports)",
            )
        account = demo_account()
        ca = str(watched.ca_cert)
        for line in intro(watched.listeners, account.username, account.password, ca):
            print(line, file=out)
        print(
            f"Messages are kept in {maildir} (smtp-tutor mailbox lists them). Ctrl-C stops.",
            file=out,
            flush=True,
        )
        if args.json:
            printer.out.write(_ready_json(watched.listeners, ca) + "\n")
            printer.out.flush()
        await stop.wait()
    finally:
        await watched.stop()
        if opened is not None:
            opened.finish()
    print(f"\nStopped. {watched.delivered} message(s) received.", file=out)
    return 0


def _taken(watched: Watched, args: argparse.Namespace) -> int:
    """The port that could not be had: the first listener not running."""
    first = next((i for i, lst in enumerate(watched.listeners) if not lst.server.running), 0)
    return int((args.port, args.tls_port)[first])


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
