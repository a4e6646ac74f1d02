"""tshark for the capture tests: files only (never a live interface), with a private HOME so no
one's Wireshark profile changes what it sees."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Tshark:
    """`tshark -r FILE -Y FILTER -T fields -e ...`: one row of fields per matching packet."""

    def __init__(self, exe: str, home: Path) -> None:
        self.exe, self.home = exe, home

    @classmethod
    def private(cls, exe: str, tmp_path: Path) -> Tshark:
        """tshark with a HOME of its own under `tmp_path`."""
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        return cls(exe, home)

    def __call__(self, capture: Path, display_filter: str, *fields: str) -> list[list[str]]:
        args = [self.exe, "-n", "-r", str(capture), "-Y", display_filter, "-T", "fields"]
        for f in fields or ("frame.number",):
            args += ["-e", f]
        env = {**os.environ, "HOME": str(self.home), "XDG_CONFIG_HOME": str(self.home / ".config")}
        done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        return [line.split("\t") for line in done.stdout.splitlines()]
