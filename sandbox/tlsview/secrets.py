"""Where the tutor's own client keeps its TLS secrets for one lab (properties.md M2).

A private folder of the lab's own under the data dir (0700) holds one key log file (0600) that
the client's TLS context appends to. When the lab stops, the secrets are read into memory and the
folder is removed: they open the session (its password too), so they stay on disk no longer than
the lab runs. `SSLKEYLOGFILE` from the environment plays no part (G5).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

from sandbox.tlsview.keylog import KeyLog

FOLDER = "sessions"
FILE = "tls.keylog"


class Secrets:
    def __init__(self, base: Path | None = None, *, carry: KeyLog | None = None) -> None:
        from sandbox.safety.files import create_private, data_dir, ensure_private_dir

        parent = ensure_private_dir((base or data_dir()) / FOLDER)
        self.folder: Path | None = Path(tempfile.mkdtemp(prefix="lab-", dir=parent))  # 0700
        self.path = self.folder / FILE
        create_private(self.path, b"")
        self._kept: KeyLog | None = None
        self._carry = carry  # secrets of this lab's earlier runs (a restart)

    @property
    def closed(self) -> bool:
        return self.folder is None

    def keylog(self) -> KeyLog:
        """The secrets logged so far: from the file while the lab runs, from memory after."""
        if self._kept is not None:
            return self._kept
        keylog = KeyLog.read(self.path, private=True)
        if self._carry:
            keylog.update(self._carry)
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
