"""Imports point one way: sandbox/ never imports tutor/ or textual; the pure tutor model never
imports textual (checked in fresh interpreters, and in the source)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
PURE_TUTOR = [
    "tutor.model.lessons",
    "tutor.model.course",
    "tutor.model.goals",
    "tutor.model.validate",
    "tutor.cli.lessons",
    "tutor.cli.main",
]
if (ROOT / "tutor" / "progress.py").exists():
    PURE_TUTOR.append("tutor.model.progress")
SANDBOX = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "sandbox").rglob("*.py")
)


def loaded_after(imports: list[str], then: str = "") -> list[str]:
    """Module names loaded by a fresh interpreter after importing `imports` and running `then`."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {imports!r}:\n"
        "    importlib.import_module(name)\n"
        f"{then}\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    names: list[str] = json.loads(out.stdout.splitlines()[-1])
    return names


def test_pure_model_and_sandbox_never_import_textual() -> None:
    modules = loaded_after([*PURE_TUTOR, *SANDBOX])
    assert "tutor.model.parse" in modules and "sandbox.events" in modules  # the imports did happen
    assert not [m for m in modules if m == "textual" or m.startswith("textual.")]


def test_lessons_check_command_runs_without_textual() -> None:
    then = "from tutor.cli.main import main\nmain(['lessons', 'check', 'tests/fixtures/course'])"
    modules = loaded_after([], then)
    assert "tutor.model.validate" in modules
    assert "textual" not in modules


def test_sandbox_modules_never_import_tutor() -> None:
    modules = loaded_after(SANDBOX)
    assert len(SANDBOX) >= 5
    assert [m for m in modules if m == "tutor" or m.startswith("tutor.")] == []


def test_sandbox_source_has_no_import_of_tutor_or_textual() -> None:
    offenders = []
    for path in sorted((ROOT / "sandbox").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("tutor", "textual")
            ]
    assert offenders == []
