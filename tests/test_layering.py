"""Imports point one way, read from the code: the import-linter contracts of pyproject.toml hold,
they can fail, and at run time the pure parts load no Textual.

The contracts (`[tool.importlinter]`): the sandbox never imports the tutor or Textual; the tutor's
model never imports Textual, the UI or the CLI; the CLI sits on the UI, on the model, on the
sandbox; and no two modules or sibling packages import each other, directly or in a loop.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LINT = "import sys; from importlinter.cli import lint_imports_command as c; sys.exit(c())"


def lint_imports(cwd: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # A fresh interpreter, as ./check runs it; no cache, so a stale one never hides a change.
    return subprocess.run(
        [sys.executable, "-c", LINT, "--no-cache", *extra],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def modules_of(package: str) -> list[str]:
    """Every module of `package`, found on disk (so a new module is checked without a list)."""
    top = ROOT / package
    return sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in top.rglob("*.py")
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


def test_every_import_contract_of_pyproject_is_kept() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout
    # The four contracts are there and were all checked.
    assert "Contracts: 4 kept, 0 broken." in result.stdout


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.mark.parametrize(
    ("files", "broken"),
    [
        (  # two modules importing each other
            {"pkg/__init__.py": "", "pkg/a.py": "from pkg import b\n", "pkg/b.py": "import pkg.a"},
            "No circles",
        ),
        (  # a loop of three, one of them only while type checking
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "import pkg.b\n",
                "pkg/b.py": "import pkg.c\n",
                "pkg/c.py": "import typing\nif typing.TYPE_CHECKING:\n    import pkg.a\n",
            },
            "No circles",
        ),
        (  # the low layer importing the high one
            {"pkg/__init__.py": "", "pkg/a.py": "", "low/__init__.py": "import pkg.a\n"},
            "Layers",
        ),
    ],
    ids=["two-modules", "loop-of-three", "upward-import"],
)
def test_the_contracts_catch_a_circle_and_an_upward_import(
    tmp_path: Path, files: dict[str, str], broken: str
) -> None:
    _write(
        tmp_path,
        {
            "low/__init__.py": "",
            "pyproject.toml": """
            [tool.importlinter]
            root_packages = ["pkg", "low"]

            [[tool.importlinter.contracts]]
            name = "No circles"
            type = "acyclic_siblings"
            ancestors = ["pkg"]

            [[tool.importlinter.contracts]]
            name = "Layers"
            type = "layers"
            layers = ["pkg", "low"]
            """,
        },
    )
    _write(tmp_path, files)
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert f"{broken} BROKEN" in result.stdout


def test_pure_model_and_sandbox_never_load_textual() -> None:
    pure = [*modules_of("sandbox"), *modules_of("tutor/model"), "tutor.cli.main"]
    modules = loaded_after(pure)
    assert "tutor.model.parse" in modules and "sandbox.events" in modules  # the imports did happen
    assert not [m for m in modules if m == "textual" or m.startswith("textual.")]


def test_sandbox_modules_never_load_tutor() -> None:
    sandbox = modules_of("sandbox")
    assert len(sandbox) >= 30
    modules = loaded_after(sandbox)
    assert [m for m in modules if m == "tutor" or m.startswith("tutor.")] == []


def test_lessons_check_command_runs_without_textual() -> None:
    then = "from tutor.cli.main import main\nmain(['lessons', 'check', 'tests/fixtures/course'])"
    modules = loaded_after([], then)
    assert "tutor.model.validate" in modules
    assert "textual" not in modules
