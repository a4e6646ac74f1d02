"""The NSS key log format (what SSLKEYLOGFILE files hold), read and written (properties.md M1).

One line per secret: `LABEL <client random, 64 hex digits> <secret, hex>`. TLS 1.2 logs one
`CLIENT_RANDOM` line (the 48-byte master secret); TLS 1.3 logs the traffic secrets of each stage
(`CLIENT_HANDSHAKE_TRAFFIC_SECRET`, ..., `EXPORTER_SECRET`). A `KeyLog` holds them by client
random, the 32 bytes of the ClientHello that name one handshake on the wire.

A key log may come from anywhere (a file the learner points at, a library's callback), so reading
one never raises: a line that does not parse is counted in `skipped` and left out, and both the
line length and the number of sessions are bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

CLIENT_RANDOM = "CLIENT_RANDOM"  # TLS 1.2 and earlier: the master secret
CLIENT_EARLY_TRAFFIC_SECRET = "CLIENT_EARLY_TRAFFIC_SECRET"
CLIENT_HANDSHAKE_TRAFFIC_SECRET = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
SERVER_HANDSHAKE_TRAFFIC_SECRET = "SERVER_HANDSHAKE_TRAFFIC_SECRET"
CLIENT_TRAFFIC_SECRET_0 = "CLIENT_TRAFFIC_SECRET_0"
SERVER_TRAFFIC_SECRET_0 = "SERVER_TRAFFIC_SECRET_0"
EARLY_EXPORTER_SECRET = "EARLY_EXPORTER_SECRET"
EXPORTER_SECRET = "EXPORTER_SECRET"

LABELS = (
    CLIENT_RANDOM,
    CLIENT_EARLY_TRAFFIC_SECRET,
    CLIENT_HANDSHAKE_TRAFFIC_SECRET,
    SERVER_HANDSHAKE_TRAFFIC_SECRET,
    CLIENT_TRAFFIC_SECRET_0,
    SERVER_TRAFFIC_SECRET_0,
    EARLY_EXPORTER_SECRET,
    EXPORTER_SECRET,
)
_LABELS = frozenset(LABELS)
_LABEL_BYTES = {label.encode(): label for label in LABELS}

RANDOM_SIZE = 32
MAX_SECRET = 64  # SHA-384's 48 bytes is the largest in use; a little room beyond
MAX_LINE = len("CLIENT_HANDSHAKE_TRAFFIC_SECRET") + 2 + 2 * RANDOM_SIZE + 2 * MAX_SECRET
MAX_SESSIONS = 4096  # a lab runs a handful; a file from elsewhere is cut here
MAX_FILE = MAX_SESSIONS * len(LABELS) * (MAX_LINE + 1)

_HEX = re.compile(rb"[0-9a-fA-F]+")


class KeyLog:
    """TLS secrets by client random: `keylog.secret(client_random, label)`.

    Insertion order is kept, so `to_bytes()` writes the sessions in the order they were logged.
    `skipped` counts lines that were not a secret (junk, unknown labels, too long, past the bound);
    comments and empty lines are not counted.
    """

    __slots__ = ("_sessions", "skipped")

    def __init__(self) -> None:
        self._sessions: dict[bytes, dict[str, bytes]] = {}
        self.skipped = 0

    # --- reading ------------------------------------------------------------------------------

    @classmethod
    def parse(cls, data: bytes | str) -> KeyLog:
        """A key log from its text; never raises (junk lines are counted in `skipped`)."""
        keylog = cls()
        keylog.feed(data)
        return keylog

    @classmethod
    def read(cls, path: Path, *, private: bool = False) -> KeyLog:
        """A key log file, read bounded and never through a link; a missing file is empty.

        `private` refuses a file others could read (a secrets file of ours must be 0600).
        Other file problems raise `OSError` / `UnsafeFileError` as `read_user_file` does."""
        from sandbox.safety.files import read_user_file

        try:
            data = read_user_file(path, MAX_FILE, private=private)
        except FileNotFoundError:
            return cls()
        return cls.parse(data)

    def feed(self, data: bytes | str) -> None:
        """Add the secrets of more key log text (a file read again as it grows, say)."""
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        for line in raw.splitlines():
            self._feed_line(line.strip())

    def _feed_line(self, line: bytes) -> None:
        if not line or line.startswith(b"#"):
            return
        parsed = _parse_line(line)
        if parsed is None:
            self.skipped += 1
            return
        label, client_random, secret = parsed
        if not self.add(label, client_random, secret):
            self.skipped += 1

    def add(self, label: str, client_random: bytes, secret: bytes) -> bool:
        """Record one secret; False (and nothing kept) for an unknown label, a random that is not
        32 bytes, an empty or oversized secret, or a new session past `MAX_SESSIONS`."""
        if label not in _LABELS or len(client_random) != RANDOM_SIZE:
            return False
        if not 0 < len(secret) <= MAX_SECRET:
            return False
        session = self._sessions.get(client_random)
        if session is None:
            if len(self._sessions) >= MAX_SESSIONS:
                return False
            session = self._sessions[client_random] = {}
        session[label] = bytes(secret)
        return True

    def update(self, other: KeyLog) -> None:
        """Add every secret of `other` (bounded as `add` is)."""
        for client_random, secrets in other._sessions.items():
            for label, secret in secrets.items():
                self.add(label, client_random, secret)

    # --- looking up ---------------------------------------------------------------------------

    def secret(self, client_random: bytes, label: str) -> bytes | None:
        session = self._sessions.get(client_random)
        return None if session is None else session.get(label)

    def session(self, client_random: bytes) -> Mapping[str, bytes]:
        """Every secret logged for one handshake, by label (empty when none)."""
        return MappingProxyType(self._sessions.get(client_random, {}))

    def __contains__(self, client_random: object) -> bool:
        return client_random in self._sessions

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._sessions)

    def __len__(self) -> int:
        return len(self._sessions)

    def __bool__(self) -> bool:
        return bool(self._sessions)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KeyLog):
            return NotImplemented
        return self._sessions == other._sessions

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"KeyLog({len(self._sessions)} sessions, {self.skipped} skipped)"

    # --- writing ------------------------------------------------------------------------------

    def lines(self) -> Iterator[str]:
        """The NSS key log lines, sessions in the order logged, labels in `LABELS` order."""
        for client_random, secrets in self._sessions.items():
            for label in LABELS:
                if (secret := secrets.get(label)) is not None:
                    yield f"{label} {client_random.hex()} {secret.hex()}"

    def to_bytes(self) -> bytes:
        """The key log as a file holds it (what Wireshark's `tls.keylog_file` reads)."""
        return "".join(line + "\n" for line in self.lines()).encode("ascii")

    def write(self, path: Path) -> None:
        """Write the key log to `path` atomically, 0600 (it opens these sessions)."""
        from sandbox.safety.files import atomic_write

        atomic_write(path, self.to_bytes(), mode=0o600)


def _parse_line(line: bytes) -> tuple[str, bytes, bytes] | None:
    if len(line) > MAX_LINE:
        return None
    parts = line.split()
    if len(parts) != 3:
        return None
    label, random_hex, secret_hex = parts
    if not (_HEX.fullmatch(random_hex) and _HEX.fullmatch(secret_hex)):
        return None
    if len(random_hex) % 2 or len(secret_hex) % 2:
        return None
    name = _LABEL_BYTES.get(label)
    if name is None:
        return None
    return name, bytes.fromhex(random_hex.decode()), bytes.fromhex(secret_hex.decode())
