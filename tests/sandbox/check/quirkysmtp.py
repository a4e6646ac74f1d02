"""A small, deliberately faulty STARTTLS server on loopback for `check`'s tests (N7).

The sandbox never has these faults (it refuses TLS below 1.2, offers only AEAD suites, discards
plaintext after STARTTLS, refuses STARTTLS inside TLS), so each is one switch here: real sockets,
the real `ssl` module, certificates made with `cryptography`. Threads, blocking sockets: the
check under test is blocking too and runs in the test's own thread.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import socket
import ssl
import subprocess
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

WAIT = 30.0  # a socket read on a busy machine


@dataclass
class Faults:
    min_tls: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2
    ciphers: str = "ECDHE+AESGCM:@SECLEVEL=0"
    keep_injected: bool = False  # CVE-2011-0411: plaintext after STARTTLS read as inside TLS
    restart_tls: bool = False  # STARTTLS inside TLS answered 220
    auth_before_tls: bool = False
    starttls: bool = True


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_chain(
    folder: Path,
    *,
    rsa_bits: int = 0,  # 0: an ECDSA P-256 leaf
    sha1: str = "",  # the openssl command: the leaf signed with SHA-1 by it
    days: int = 30,
    order: str = "leaf,inter",  # what the server sends after the key: leaf, inter, root
) -> tuple[Path, Path, Path]:
    """(root.pem, chain.pem, key.pem) for a leaf `quirky.test` under root -> intermediate."""
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)

    def build(
        subject: str, issuer: str, key: object, signer: object, ca: bool, life: int
    ) -> x509.Certificate:
        public = key.public_key()  # type: ignore[attr-defined]
        b = (
            x509.CertificateBuilder()
            .subject_name(_name(subject))
            .issuer_name(_name(issuer))
            .public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=life))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(
                    signer.public_key()  # type: ignore[attr-defined]
                ),
                critical=False,
            )
        )
        if ca:
            usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
            b = b.add_extension(usage, critical=True)
        else:
            b = b.add_extension(
                x509.SubjectAlternativeName([x509.DNSName("quirky.test")]), critical=False
            ).add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
        return b.sign(signer, hashes.SHA256())  # type: ignore[arg-type]

    root_key = ec.generate_private_key(ec.SECP256R1())
    inter_key = ec.generate_private_key(ec.SECP256R1())
    leaf_key: object = ec.generate_private_key(ec.SECP256R1())
    if rsa_bits:
        leaf_key = rsa.generate_private_key(65537, rsa_bits)
    root = build("Quirky root", "Quirky root", root_key, root_key, True, 60)
    inter = build("Quirky intermediate", "Quirky root", inter_key, root_key, True, 60)
    leaf = build("quirky.test", "Quirky intermediate", leaf_key, inter_key, False, days)
    if sha1:
        leaf = _resign_sha1(sha1, folder, leaf_key, inter, inter_key, days)
    certs = {"leaf": leaf, "inter": inter, "root": root}
    pem = serialization.Encoding.PEM
    (folder / "root.pem").write_bytes(root.public_bytes(pem))
    (folder / "chain.pem").write_bytes(
        b"".join(certs[n].public_bytes(pem) for n in order.split(","))
    )
    (folder / "key.pem").write_bytes(
        leaf_key.private_bytes(  # type: ignore[attr-defined]
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return folder / "root.pem", folder / "chain.pem", folder / "key.pem"


@dataclass
class Quirky:
    faults: Faults
    chain: Path
    key: Path
    port: int = 0
    _sock: socket.socket | None = None
    _threads: list[threading.Thread] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    verbs: list[str] = field(default_factory=list)  # every command received, in order
    connections: int = 0

    def context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.set_ciphers(self.faults.ciphers)  # level 0 first: then old keys and SHA-1 load
        with warnings.catch_warnings():  # TLSv1 is deprecated: that is the fault
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = self.faults.min_tls
        ctx.load_cert_chain(self.chain, self.key)
        return ctx

    def start(self) -> None:
        self._ctx = self.context()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(WAIT)
        if self._sock is not None:
            self._sock.close()

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _serve(self, sock: socket.socket) -> None:
        sock.settimeout(WAIT)
        buffer, tls = b"", False
        f = self.faults

        def say(text: str) -> None:
            sock.sendall(text.encode() + b"\r\n")

        try:
            say("220 quirky.test ESMTP")
            while True:
                while b"\n" not in buffer:
                    chunk = sock.recv(4096)
                    if not chunk:
                        return
                    buffer += chunk
                raw, _, buffer = buffer.partition(b"\n")
                verb = raw.strip().decode("ascii", "replace").split(" ")[0].upper()
                self.verbs.append(verb)
                if verb == "EHLO":
                    caps = ["quirky.test", "PIPELINING"]
                    if f.starttls and (not tls or f.restart_tls):
                        caps.append("STARTTLS")
                    if tls or f.auth_before_tls:
                        caps.append("AUTH PLAIN LOGIN")
                    caps.append("8BITMIME")
                    for cap in caps[:-1]:
                        say(f"250-{cap}")
                    say(f"250 {caps[-1]}")
                elif verb == "STARTTLS" and f.starttls:
                    if tls and not f.restart_tls:
                        say("554 5.5.1 Error: TLS already active")
                        continue
                    say("220 2.0.0 Ready to start TLS")
                    if tls:
                        return  # a second handshake: the client hangs up anyway
                    try:
                        sock = self._ctx.wrap_socket(sock, server_side=True)
                    except (ssl.SSLError, OSError):
                        return
                    tls = True
                    if not f.keep_injected:
                        buffer = b""
                elif verb in ("MAIL", "RSET", "NOOP"):
                    say("250 2.0.0 Ok")
                elif verb == "QUIT":
                    say("221 2.0.0 Bye")
                    return
                else:
                    say("502 5.5.2 Error: command not recognized")
        except OSError:
            return
        finally:
            sock.close()


@contextlib.contextmanager
def quirky(faults: Faults, chain: Path, key: Path) -> Iterator[Quirky]:
    server = Quirky(faults, chain, key)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _resign_sha1(
    openssl: str, folder: Path, leaf_key: object, inter: x509.Certificate, key: object, days: int
) -> x509.Certificate:
    """A leaf for quirky.test signed with ecdsa-with-SHA1 by `openssl x509 -req` (cryptography
    refuses SHA-1 signatures): what an old CA issued."""
    pem, pkcs8 = serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8
    for name, k in (("leaf.key", leaf_key), ("inter.key", key)):
        (folder / name).write_bytes(
            k.private_bytes(pem, pkcs8, serialization.NoEncryption())  # type: ignore[attr-defined]
        )
    (folder / "inter.pem").write_bytes(inter.public_bytes(pem))
    f = {name: str(folder / name) for name in ("leaf.key", "inter.key", "inter.pem", "leaf.csr")}
    commands = (
        [openssl, "req", "-new", "-key", f["leaf.key"], "-subj", "/CN=quirky.test",
         "-addext", "subjectAltName=DNS:quirky.test", "-out", f["leaf.csr"]],
        [openssl, "x509", "-req", "-in", f["leaf.csr"], "-CA", f["inter.pem"], "-CAkey",
         f["inter.key"], "-sha1", "-days", str(days), "-copy_extensions", "copyall",
         "-out", str(folder / "leaf-sha1.pem")],
    )  # fmt: skip
    for argv in commands:
        subprocess.run(argv, check=True, capture_output=True, timeout=WAIT)
    return x509.load_pem_x509_certificate((folder / "leaf-sha1.pem").read_bytes())
