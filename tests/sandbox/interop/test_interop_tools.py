"""A missing swaks or openssl: one line that says how to get it; a skip here, a failure in CI."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def test_a_missing_tool_skips_with_how_to_get_it(
    tool: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"sudo apt-get install no-such-tool-x"):
        tool("no-such-tool-x")


def test_a_missing_tool_fails_in_ci(
    tool: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the interop tests"):
        tool("no-such-tool-x")


def test_a_present_tool_is_its_path(tool: Callable[[str], str]) -> None:
    assert tool("sh") == shutil.which("sh")


def test_check_names_missing_tools_in_one_line(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash
    script = str(ROOT / "scripts" / "missing-tools")
    bare = subprocess.run(
        [bash, script], env={"PATH": str(tmp_path)}, capture_output=True, text=True, check=True
    )
    [line] = bare.stdout.splitlines()
    rows = [  # (command, package) of every tool scripts/system-tools.txt lists, in its order
        tuple(row.split())
        for row in (ROOT / "scripts" / "system-tools.txt").read_text().splitlines()
        if row.strip() and not row.startswith("#")
    ]
    packages = " ".join(package for _, package in rows)
    assert packages.startswith("swaks openssl")
    assert f"{packages} not installed" in line
    assert f"sudo apt-get install {packages}" in line
    for command, _ in rows:
        (tmp_path / command).symlink_to("/bin/true")
    both = subprocess.run(
        [bash, script], env={"PATH": str(tmp_path)}, capture_output=True, text=True, check=True
    )
    assert both.stdout == ""
