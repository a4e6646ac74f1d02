"""Hostile "mail servers" on loopback for `check`'s attack table (properties.md X1).

Each is a function given one accepted socket (blocking, in its own thread) that does one bad
thing: floods, trickles, lies, resets, sends huge or poisoned certificates. Real sockets and the
real `ssl` module; certificates made with `cryptography`. Nothing here is a mock: `check` runs
against them as it would against a server on the internet.
"""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

Handler = Callable[[socket.socket], None]
TEN_MB = 10 * 1024 * 1024
# a window title, clear screen, C1 CSI, RTL override, RTL isolate, RTL mark
POISON = "\x1b]0;pwned\x07\x1b[2J\x9b31m\u202eevil\u2067x\u200f"


@contextmanager
def hostile(handler: Handler) -> Iterator[int]:
    """A loopback port whose every connection is given to `handler` in a thread of its own."""
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()
    open_socks: list[socket.socket] = []

    def run(conn: socket.socket) -> None:
        try:
            handler(conn)
        except (OSError, ssl.SSLError):
            pass  # the client hung up on us: that is what check does to a hostile server
        finally:
            conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                return
            if stop.is_set():
                conn.close()
                return
            open_socks.append(conn)
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield int(server.getsockname()[1])
    finally:
        stop.set()
        server.close()
        for conn in open_socks:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


def _lines(sock: socket.socket) -> Iterator[bytes]:
    buffer = b""
    while True:
        while b"\n" not in buffer:
            chunk = sock.recv(4096)
            if not chunk:
                return
            buffer += chunk
        line, _, buffer = buffer.partition(b"\n")
        yield line.rstrip(b"\r")


def smtp(
    sock: socket.socket,
    banner: bytes = b"220 hostile.test ESMTP\r\n",
    ehlo: bytes = b"250-hostile.test\r\n250 STARTTLS\r\n",
    on_starttls: Callable[[socket.socket], None] | None = None,
    other: bytes = b"250 ok\r\n",
) -> None:
    """A plain SMTP conversation whose banner, EHLO reply and STARTTLS are the test's."""
    sock.sendall(banner)
    for line in _lines(sock):
        verb = line.split(b" ")[0].upper()
        if verb == b"EHLO":
            sock.sendall(ehlo)
        elif verb == b"STARTTLS" and on_starttls is not None:
            sock.sendall(b"220 go ahead\r\n")
            on_starttls(sock)
            return
        elif verb == b"QUIT":
            sock.sendall(b"221 bye\r\n")
            return
        else:
            sock.sendall(other)


# --- floods and trickles ------------------------------------------------------------------------


def huge_greeting_line(sock: socket.socket) -> None:
    sock.sendall(b"220 " + b"a" * TEN_MB)


def huge_greeting_lines(sock: socket.socket) -> None:
    line = b"220-" + b"b" * 96 + b"\r\n"
    sock.sendall(line * (TEN_MB // len(line)))


def endless_ehlo(sock: socket.socket) -> None:
    def forever(s: socket.socket) -> None:
        while True:
            s.sendall(b"250-again\r\n" * 1000)

    sock.sendall(b"220 hostile.test\r\n")
    next(_lines(sock))
    forever(sock)


def trickler(interval: float) -> Handler:
    """A greeting one byte at a time, forever: each byte comes well within the read timeout."""

    def handler(sock: socket.socket) -> None:
        sock.sendall(b"220 ")
        while True:
            time.sleep(interval)
            sock.sendall(b"x")

    return handler


def trickle_lines(interval: float) -> Handler:
    """Whole `220-` lines, one per `interval`: every line on time, the reply never ends."""

    def handler(sock: socket.socket) -> None:
        while True:
            sock.sendall(b"220-slow\r\n")
            time.sleep(interval)

    return handler


def trickle_handshake(interval: float) -> Handler:
    """STARTTLS answered 220, then a TLS record header announcing 16 KiB and its body a byte at a
    time: the client's handshake reads never time out."""

    def after(sock: socket.socket) -> None:
        sock.sendall(b"\x16\x03\x03\x40\x00")
        while True:
            time.sleep(interval)
            sock.sendall(b"\x00")

    return lambda sock: smtp(sock, on_starttls=after)


# --- lies and resets ------------------------------------------------------------------------------


def always_220(sock: socket.socket) -> None:
    sock.sendall(b"220 hostile.test\r\n")
    for _ in _lines(sock):
        sock.sendall(b"220 hostile.test\r\n")


def reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def greet_then_reset(sock: socket.socket) -> None:
    sock.sendall(b"220 hostile.test\r\n")
    reset(sock)


def reset_at_starttls(sock: socket.socket) -> None:
    smtp(sock, on_starttls=reset)


def garbage_after_starttls(sock: socket.socket) -> None:
    smtp(sock, on_starttls=lambda s: s.sendall(b"\x1b[2J not TLS \xff\x00" * 100))


def poisoned_replies(sock: socket.socket) -> None:
    """Escape sequences, C1 controls, RTL overrides and invalid UTF-8 in every reply."""
    p = POISON.encode() + b"\xff\xfe\xc3\x28\x00"
    smtp(
        sock,
        banner=b"220 " + p + b"\r\n",
        ehlo=b"250-" + p + b"\r\n250-AUTH PLAIN " + p + b"\r\n250 SIZE " + p + b"\r\n",
        other=b"530 5.7.0 Must issue a STARTTLS command first " + p + b"\r\n",
    )


# --- certificates ---------------------------------------------------------------------------------


def _self_signed(
    subject: x509.Name, sans: list[x509.GeneralName], extra: bytes = b""
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
    )
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if extra:
        oid = ObjectIdentifier("1.3.6.1.4.1.55555.1")
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, extra), critical=False)
    return builder.sign(key, hashes.SHA256()), key


def _tls_server(
    folder: Path, certs: list[x509.Certificate], key: ec.EllipticCurvePrivateKey
) -> ssl.SSLContext:
    pem = serialization.Encoding.PEM
    chain, key_file = folder / "chain.pem", folder / "key.pem"
    chain.write_bytes(b"".join(c.public_bytes(pem) for c in certs))
    key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key_file)
    return ctx


def tls_with(ctx: ssl.SSLContext) -> Handler:
    """STARTTLS into `ctx`, then an SMTP conversation inside TLS."""

    def after(sock: socket.socket) -> None:
        tls = ctx.wrap_socket(sock, server_side=True)
        smtp(tls, banner=b"", ehlo=b"250-hostile.test\r\n250 SIZE 1000\r\n", other=b"502 no\r\n")

    return lambda sock: smtp(sock, on_starttls=after)


def poisoned_names(folder: Path) -> Handler:
    """A certificate whose subject, issuer and names are escape sequences and RTL overrides."""
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, POISON),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, POISON),
        ]
    )
    sans: list[x509.GeneralName] = [x509.DNSName("\x1b[2J.example"), x509.DNSName("a\x07b.test")]
    cert, key = _self_signed(subject, sans)
    return tls_with(_tls_server(folder, [cert], key))


def megabyte_certificate(folder: Path) -> Handler:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "big.test")])
    cert, key = _self_signed(name, [x509.DNSName("big.test")], extra=b"\x04" * (1024 * 1024))
    return tls_with(_tls_server(folder, [cert], key))


def long_chain(folder: Path, count: int) -> Handler:
    """A leaf followed by `count` copies of one CA certificate."""
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Loop CA")])
    ca, ca_key = _self_signed(ca_name, [])
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "chain.test")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("chain.test")]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return tls_with(_tls_server(folder, [leaf] + [ca] * count, key))
