"""Where the tutor's own client keeps its TLS secrets for one lab (properties.md M2).

A private folder of the lab's own under the data dir (0700) holds one key log file (0600) that
the client's TLS context appends to. When the lab stops, the secrets are read into memory and the
folder is removed: they open the session (its password too), so they stay on disk no longer than
the lab runs. `SSLKEYLOGFILE` from the environment plays no part (G5).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from sandbox.tlsview.keylog import KeyLog

FOLDER = "sessions"
FILE = "tls.keylog"


class Secrets:
    def __init__(self, base: Path | None = None, *, carry: KeyLog | None = None) -> None:
        from sandbox.safety.files import data_dir, ensure_private_dir

        parent = ensure_private_dir((base or data_dir()) / FOLDER)
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix="lab-", dir=parent))  # 0700
        self.path = self.folder / FILE
        # 0600 from its first byte, whatever the umask; not synced to disk: it lives as long as
        # the lab, and a lab start must stay quick
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        os.fchmod(fd, 0o600)
        os.close(fd)
        self._cache: tuple[int, KeyLog] = (0, KeyLog())  # (file size, its secrets)
        self._kept: KeyLog | None = None
        self._carry = carry  # secrets of this lab's earlier runs (a restart)

    @property
    def closed(self) -> bool:
        return self.folder is None

    def keylog(self) -> KeyLog:
        """The secrets logged so far: from the file while the lab runs, from memory after."""
        if self._kept is not None:
            return self._kept
        size = os.stat(self.path).st_size
        if size != self._cache[0]:  # read again only when the client logged more
            self._cache = (size, KeyLog.read(self.path, private=True))
        keylog = self._cache[1]
        if self._carry:
            merged = KeyLog()  # the cached one stays as the file says
            merged.update(self._carry)
            merged.update(keylog)
            return merged
        return keylog

    def close(self) -> None:
        """Keep the secrets in memory and remove the folder; safe to call twice."""
        folder, self.folder = self.folder, None
        if folder is None:
            return
        kept = KeyLog()
        with contextlib.suppress(OSError):
            kept = self.keylog()
        self._kept = kept
        shutil.rmtree(folder, ignore_errors=True)
