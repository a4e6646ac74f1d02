"""The lab's MTA-STS policy host: real HTTPS on loopback, and the sender's fetch of the policy.

    server = PolicyServer("example.test", body=policy_text(Mode.ENFORCE, ["sandbox.test"]))
    await server.start()             # https://mta-sts.example.test/.well-known/mta-sts.txt
    fetched = await fetch_policy("example.test", "127.0.0.1", server.port, ca_file)
    await server.stop()

The server presents a certificate for `mta-sts.<domain>` from the sandbox CA (the CA's name
constraints allow `.test` only, H2) and answers one GET per connection, as RFC 8461 3.3 asks of
the policy host: `200` with `Content-Type: text/plain`, or `404`. asyncio and ssl alone; no web
framework, because the lab needs exactly this much of HTTP/1.1.

`fetch_policy` is the sender's side (RFC 8461 3.3): HTTPS with the certificate verified for
`mta-sts.<domain>` (a failure is `sts-webpki-invalid`), no redirects, a 200 with text/plain or
`sts-policy-fetch-error`, and a body that parses or `sts-policy-invalid`: the TLS-RPT result
types (`sandbox.tlsrpt.report.ResultType`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass
from pathlib import Path

from sandbox.mtasts.policy import MAX_POLICY_BYTES, Policy, PolicyError, parse_policy
from sandbox.pki import tlsconfig
from sandbox.safety.loopback import is_loopback
from sandbox.tlsrpt.report import ResultType

log = logging.getLogger("sandbox.mtasts")

WELL_KNOWN = "/.well-known/mta-sts.txt"
MAX_REQUEST = 8 * 1024  # a GET and its headers
TIMEOUT = 10.0  # RFC 8461 3.3 suggests senders give up after a minute; the lab is quicker


class PolicyServer:
    """HTTPS on 127.0.0.1 serving one domain's policy (`body=None`: 404, no policy there)."""

    def __init__(
        self,
        domain: str,
        body: bytes | str | None,
        *,
        host: str = "127.0.0.1",
        cert_dir: Path | None = None,
        content_type: str = "text/plain",
    ) -> None:
        if not is_loopback(host):
            raise ValueError(f"the policy server listens on loopback only, not {host}")
        self.domain = domain.lower().rstrip(".")
        self.body = body.encode() if isinstance(body, str) else body
        self.host = host
        self.port = 0
        self.content_type = content_type
        self.requests: list[str] = []  # request lines seen, for the learner and the tests
        self._cert_dir = cert_dir
        self._server: asyncio.Server | None = None

    @property
    def name(self) -> str:
        return f"mta-sts.{self.domain}"

    async def start(self) -> None:
        context = await asyncio.to_thread(self._context)
        self._server = await asyncio.start_server(
            self._serve, self.host, 0, ssl=context, ssl_handshake_timeout=TIMEOUT
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def _context(self) -> ssl.SSLContext:
        """The policy host's certificate (`mta-sts.<domain>`, from the sandbox CA), made once and
        kept beside the lab world's other files; several labs at once share it under a lock."""
        from sandbox.pki.certs import ensure_certs, load_ca, make_leaf, write_pair
        from sandbox.safety.files import data_dir, ensure_private_dir, locked

        bundle = ensure_certs()
        directory = ensure_private_dir(self._cert_dir or data_dir() / "labworld")
        cert, key = directory / f"{self.name}.pem", directory / f"{self.name}.key"
        with locked(directory):
            if _fresh(cert, bundle.ca_cert):
                try:
                    return tlsconfig.server_context(cert, key)
                except (OSError, ValueError):  # a key of another pair, unreadable: made again
                    pass
            write_pair(directory, self.name, *make_leaf(*load_ca(bundle), [self.name]))
            return tlsconfig.server_context(cert, key)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(TIMEOUT):
                head = await reader.readuntil(b"\r\n\r\n")
            status, body = self._answer(head)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            status, body = "400 Bad Request", b""
        headers = (
            f"HTTP/1.1 {status}\r\nContent-Type: {self.content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(OSError):
            writer.write(headers.encode() + body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError):
            await writer.wait_closed()

    def _answer(self, head: bytes) -> tuple[str, bytes]:
        if len(head) > MAX_REQUEST:
            return "431 Request Header Fields Too Large", b""
        lines = head.decode("latin-1").split("\r\n")
        self.requests.append(lines[0])
        parts = lines[0].split()
        hosts = [
            v.strip().lower()
            for k, _, v in (x.partition(":") for x in lines[1:])
            if k.lower() == "host"
        ]
        if len(parts) != 3 or parts[0] != "GET":
            return "405 Method Not Allowed", b""
        if parts[1] != WELL_KNOWN or self.body is None:
            return "404 Not Found", b""
        if hosts and hosts[0].split(":")[0] != self.name:
            return "404 Not Found", b""
        return "200 OK", self.body


def _fresh(cert_path: Path, ca_path: Path) -> bool:
    """Signed by the current sandbox CA and valid for another day."""
    import datetime as dt

    from cryptography.exceptions import InvalidSignature

    from sandbox.pki.certs import load_cert

    try:
        cert = load_cert(cert_path)
        cert.verify_directly_issued_by(load_cert(ca_path))
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetch's result: the policy, or the TLS-RPT result type that says why there is none."""

    policy: Policy | None
    failure: ResultType | None = None
    detail: str = ""
    body: bytes = b""


async def fetch_policy(
    domain: str,
    address: str,
    port: int,
    ca_file: Path | None,
    *,
    wait: float = TIMEOUT,
) -> Fetched:
    """GET `https://mta-sts.<domain>/.well-known/mta-sts.txt` from `address:port` (loopback)."""
    if not is_loopback(address):
        raise ValueError(f"the lab fetches from loopback only, not {address}")
    name = f"mta-sts.{domain.lower().rstrip('.')}"
    context = tlsconfig.client_context(ca_file)
    try:
        async with asyncio.timeout(wait):
            reader, writer = await asyncio.open_connection(
                address, port, ssl=context, server_hostname=name
            )
            try:
                request = f"GET {WELL_KNOWN} HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n"
                writer.write(request.encode())
                await writer.drain()
                data = await reader.read(MAX_POLICY_BYTES + MAX_REQUEST + 1)
                while len(data) <= MAX_POLICY_BYTES + MAX_REQUEST and (
                    more := await reader.read(65536)
                ):
                    data += more
            finally:
                writer.close()
                with contextlib.suppress(OSError, ssl.SSLError):
                    await writer.wait_closed()
    except ssl.SSLCertVerificationError as exc:
        return Fetched(None, ResultType.STS_WEBPKI_INVALID, exc.verify_message or "certificate")
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        return Fetched(None, ResultType.STS_POLICY_FETCH_ERROR, type(exc).__name__)
    head, sep, body = data.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    if not sep or len(status) < 2 or status[1] != b"200":
        code = status[1].decode("latin-1") if len(status) > 1 else "no answer"
        return Fetched(None, ResultType.STS_POLICY_FETCH_ERROR, f"HTTP {code}")
    types = [
        v.strip().lower()
        for k, _, v in (x.partition(b":") for x in head.split(b"\r\n")[1:])
        if k.strip().lower() == b"content-type"
    ]
    if not types or not types[0].startswith(b"text/plain"):
        return Fetched(None, ResultType.STS_POLICY_FETCH_ERROR, "not text/plain", body)
    try:
        policy = parse_policy(body)
    except PolicyError as exc:
        return Fetched(None, ResultType.STS_POLICY_INVALID, str(exc), body[:MAX_REQUEST])
    if not policy.valid:
        return Fetched(policy, ResultType.STS_POLICY_INVALID, "the policy has problems", body)
    return Fetched(policy, None, "", body)
