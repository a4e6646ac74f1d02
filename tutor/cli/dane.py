"""`smtp-tutor dane tlsa CERT_PEM`, `dane check HOST:PORT --tlsa RECORD`, and `dane lab`.

`tlsa` prints the TLSA record of a certificate (by default `3 1 1`, what `openssl x509 -pubkey |
openssl pkey -pubin -outform DER | openssl dgst -sha256` gives) as a zone line, and what each
number means. `check` connects (STARTTLS unless `--implicit-tls`), reads the server's live
certificate, says which of the given records match it and, with `--next`, whether the next
certificate is published too ("current + next", RFC 7671 8.1). It sends no mail: EHLO, STARTTLS,
QUIT. Exit 1 when no usable record matches. `lab` runs an attack against a `dane` client in the
lab world, with the zone signed or not (RFC 7672: an unsigned zone's TLSA records are ignored).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.model.langs import LANGS

EXPLAIN_JA: dict[str, dict[int, str]] = {
    "usage": {
        0: "PKIX-TA: 公的な認証局が発行したチェーン。SMTP では使えない（RFC 7672 3.1.3）",
        1: "PKIX-EE: 公的な認証局によるこの証明書。SMTP では使えない（RFC 7672 3.1.3）",
        2: "DANE-TA: 自前のトラストアンカー。サーバーがチェーンで送る。名前は確認される",
        3: "DANE-EE: サーバー自身の証明書か鍵。名前も有効期限も確認しない",
    },
    "selector": {
        0: "Cert: 証明書全体（更新のたびに変わる）",
        1: "SPKI: 公開鍵だけ（同じ鍵で更新すれば変わらない）",
    },
    "mtype": {
        0: "Full: バイト列そのもの（長い。まれ）",
        1: "SHA-256: 選んだバイト列の SHA-256（普通はこれ）",
        2: "SHA-512: 選んだバイト列の SHA-512",
    },
}
"""`sandbox.dane.tlsa.EXPLAIN` in Japanese."""

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "usage": "usage",
        "selector": "selector",
        "mtype": "matching type",
        "live": "{where}: the live certificate: {subject}; its 3 1 1 record: {record}",
        "match": "  matches:        {record}",
        "nomatch": "  does not match: {record}",
        "unusable": "  unusable:       {record} (usage 0 and 1 are not for SMTP)",
        "verdict_ok": "A usable record matches: a DANE client would deliver.",
        "verdict_no": "No usable record matches: a DANE client (signed zone) would not deliver.",
        "next_ok": "The next certificate is published too: switch after the TTL has passed.",
        "next_no": "The next certificate is NOT published: publish its record first, wait the "
        "TTL, then switch (current + next).",
        "no_tls": "{where}: the server offered no TLS; a DANE client would not deliver",
    },
    "ja": {
        "usage": "usage（用途）",
        "selector": "selector（対象）",
        "mtype": "matching type（照合方法）",
        "live": "{where}: 実際の証明書: {subject}。その 3 1 1 レコード: {record}",
        "match": "  一致:     {record}",
        "nomatch": "  不一致:   {record}",
        "unusable": "  使えない: {record}（usage 0 と 1 は SMTP では使わない）",
        "verdict_ok": "使えるレコードが一致します。DANE クライアントは配送します。",
        "verdict_no": "一致する使えるレコードがありません。署名済みゾーンなら DANE クライアントは"
        "配送しません。",
        "next_ok": "次の証明書も公開済みです。TTL が過ぎてから切り替えます。",
        "next_no": "次の証明書は公開されていません。先にそのレコードを公開し、TTL 待ってから"
        "切り替えます（current + next）。",
        "no_tls": "{where}: サーバーは TLS を提示しませんでした。DANE クライアントは配送しません",
    },
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="tlsa|check|lab", required=True)
    tlsa = actions.add_parser(
        "tlsa",
        formatter_class=parser.formatter_class,
        help="print the TLSA record for a certificate, and what each number means",
        description="Compute a TLSA record from a PEM certificate (the same as openssl x509 "
        "-pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 for 3 1 1).",
    )
    tlsa.add_argument("cert", type=Path, nargs="?", metavar="CERT_PEM", help="a certificate in PEM")
    tlsa.add_argument(
        "--sandbox", action="store_true", help="the sandbox server's own certificate (no CERT_PEM)"
    )
    # W8: each number says what it is, and an example, so --help alone is enough
    tlsa.epilog = (
        "example: smtp-tutor dane tlsa --sandbox; then, with the sandbox running (smtp-tutor "
        "sandbox --port 2525): smtp-tutor dane check 127.0.0.1:2525 --tlsa '3 1 1 HEX' (or the "
        "whole zone line it printed)"
    )
    tlsa.add_argument(
        "--usage",
        type=int,
        choices=(0, 1, 2, 3),
        default=3,
        help="3 DANE-EE: the server's own certificate or key (default); 2 DANE-TA: a CA of "
        "its chain; 0 and 1 are not for SMTP",
    )
    tlsa.add_argument(
        "--selector",
        type=int,
        choices=(0, 1),
        default=1,
        help="1 the public key only (default: survives a renewal that keeps the key); 0 the "
        "whole certificate",
    )
    tlsa.add_argument(
        "--mtype",
        type=int,
        choices=(0, 1, 2),
        default=1,
        help="1 SHA-256 (default), 2 SHA-512, 0 the bytes themselves",
    )
    tlsa.add_argument("--host", default="mx.example.test", help="the MX host, for the zone line")
    tlsa.add_argument("--port", type=int, default=25, help="the MX port, for the zone line (25)")
    tlsa.add_argument("--lang", choices=LANGS, default="en", help="language of the explanations")
    check = actions.add_parser(
        "check",
        formatter_class=parser.formatter_class,
        help="compare TLSA records with a server's live certificate (sends no mail)",
        description="Connect to HOST:PORT, take its certificate after STARTTLS (or implicit TLS) "
        "and say which TLSA records match it. Exits 1 when no usable record matches.",
    )
    check.add_argument("target", metavar="HOST:PORT")
    check.epilog = (
        'example: smtp-tutor dane check 127.0.0.1:2525 --tlsa "$(smtp-tutor dane tlsa '
        '--sandbox | sed -n 2p)" (the sandbox running on port 2525)'
    )
    check.add_argument(
        "--tlsa",
        action="append",
        required=True,
        metavar="RECORD",
        help='e.g. "3 1 1 9f86...", or the zone line dane tlsa prints (repeat for more)',
    )
    check.add_argument("--next", type=Path, metavar="CERT_PEM", help="the next certificate")
    check.add_argument("--implicit-tls", action="store_true", help="TLS from the first byte")
    check.add_argument("--timeout", type=float, default=10.0, help="seconds per step")
    check.add_argument("--lang", choices=LANGS, default="en", help="language of the report")
    lab = actions.add_parser(
        "lab",
        help="an attack against a dane client in the lab world, zone signed or not",
        description="Publish the sandbox certificate's TLSA record in the lab world, run an "
        "attack against a client that honours DANE, and print the outcome and the report.",
    )
    lab.add_argument("--zone", choices=("signed", "unsigned"), default="signed")
    lab.add_argument("--attack", choices=("none", "strip", "impersonate", "impersonate-wrong-name"))
    lab.add_argument("--report-dir", type=Path, metavar="DIR", help="default: DATA_DIR/tlsrpt")
    lab.add_argument("--lang", choices=LANGS, default="en")


def run(args: argparse.Namespace) -> int:
    if args.action == "lab":
        from tutor.cli.mtasts import run_lab

        return run_lab(
            f"dane {args.zone}", args.attack or "impersonate", args.report_dir, args.lang
        )
    if args.action == "check":
        return _check(args)
    return _tlsa(args)


def _load(path: Path) -> object:
    from cryptography import x509

    from sandbox.pki.certs import PEM_MAX_BYTES
    from sandbox.safety.files import read_user_file

    data = read_user_file(path, PEM_MAX_BYTES)
    return x509.load_pem_x509_certificate(data)


def _explain(lang: str, field: str, value: int) -> str:
    from sandbox.dane.tlsa import EXPLAIN

    table = EXPLAIN_JA if lang == "ja" else EXPLAIN
    return f"  {WORDS[lang][field]} {value}: {table[field][value]}"


def _tlsa(args: argparse.Namespace) -> int:
    from cryptography import x509

    from sandbox.dane.tlsa import TlsaError, tlsa_for
    from sandbox.safety.text import escape_text

    if (args.cert is None) == (not args.sandbox):
        print("smtp-tutor dane tlsa: give CERT_PEM or --sandbox (one of them)", file=sys.stderr)
        return 2
    if args.sandbox:
        from sandbox.pki.certs import ensure_certs

        args.cert = ensure_certs().server_cert
        print(f"# {args.cert}")
    try:
        cert = _load(args.cert)
        assert isinstance(cert, x509.Certificate)
        record = tlsa_for(cert, args.usage, args.selector, args.mtype)
    except FileNotFoundError:
        print(escape_text(f"smtp-tutor dane: {args.cert}: no such file"), file=sys.stderr)
        return 1
    except (OSError, ValueError, TlsaError) as exc:
        said = _one_line(exc, args.lang)
        print(escape_text(f"smtp-tutor dane: {args.cert}: {said}"), file=sys.stderr)
        return 1
    # --host is the user's bytes: escaped, so an escape sequence is shown, never run (I5)
    print(escape_text(f"_{args.port}._tcp.{args.host.rstrip('.')}. IN TLSA {record}"))
    for field, value in (("usage", args.usage), ("selector", args.selector), ("mtype", args.mtype)):
        print(_explain(args.lang, field, value))
    return 0


def _one_line(exc: BaseException, lang: str = "en") -> str:
    from sandbox.dane.tlsa import TlsaError
    from tutor.ui.world_words import tlsa_error

    if isinstance(exc, TlsaError):
        return tlsa_error(exc, lang)
    text = str(exc).splitlines()
    return text[0] if text else type(exc).__name__


def _check(args: argparse.Namespace) -> int:
    import asyncio

    from cryptography import x509

    from sandbox.dane.tlsa import TlsaError, match_chain, parse_tlsa, rollover
    from sandbox.safety.text import escape_text

    words = WORDS[args.lang]
    host, _, port_text = args.target.rpartition(":")
    if not host or not port_text.isdigit():
        print(escape_text(f"smtp-tutor dane: {args.target}: expected HOST:PORT"), file=sys.stderr)
        return 2
    try:
        records = [parse_tlsa(text) for text in args.tlsa]
        nxt = _load(args.next) if args.next is not None else None
    except (OSError, ValueError, TlsaError) as exc:
        print(escape_text(f"smtp-tutor dane: {_one_line(exc, args.lang)}"), file=sys.stderr)
        return 1
    der = asyncio.run(_live_certificate(host, int(port_text), args))
    if der is None:
        return 1
    if not der:
        print(words["no_tls"].format(where=args.target))
        return 1
    from sandbox.dane.tlsa import tlsa_for
    from sandbox.pki.certs import summarize

    live = x509.load_der_x509_certificate(der)
    subject = summarize(der).subject
    print(words["live"].format(where=args.target, subject=subject, record=tlsa_for(live)))
    state = rollover(records, live, nxt if isinstance(nxt, x509.Certificate) else None)
    for record in records:
        if not record.usable:
            print(words["unusable"].format(record=record))
        elif match_chain([record], [live]) is not None:
            print(words["match"].format(record=record))
        else:
            print(words["nomatch"].format(record=record))
    print(words["verdict_ok" if state.live_ok else "verdict_no"])
    if state.next_given:
        print(words["next_ok" if state.safe_to_switch else "next_no"])
    return 0 if state.live_ok else 1


async def _live_certificate(host: str, port: int, args: argparse.Namespace) -> bytes | None:
    """The server's certificate in DER (b"" when it offered no TLS); None: an error was said."""
    from sandbox.client.framing import SmtpClientError
    from sandbox.client.policy import TlsPolicy
    from sandbox.client.smtp import SmtpClient
    from sandbox.safety.text import escape_text

    seen: list[bytes] = []

    def keep(der: bytes) -> bool:
        seen.append(der)
        return False  # only looked at here; the verdict is the records'

    client = SmtpClient(
        host,
        port,
        server_hostname=host,
        policy=TlsPolicy.MAY,  # any certificate: DANE-EE ignores the CA, the name and the dates
        implicit_tls=args.implicit_tls,
        timeout=args.timeout,
        cert_check=keep,
    )
    try:
        await client.connect()
        if not args.implicit_tls:
            await client.hello()
            await client.negotiate_tls()
        await client.quit()
    except SmtpClientError as exc:
        if not seen:
            said = escape_text(f"smtp-tutor dane: {host}:{port}: {_one_line(exc)}")
            print(said, file=sys.stderr)
            return None
    finally:
        await client.close()
    return seen[0] if seen else b""
