"""How the UI is put together, read from its code: screens and widgets never reach for the app
(they post messages), none takes the language in its constructor (it is the app's reactive
`lang`), and every block kind of the model has a widget."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

from textual.app import App
from textual.dom import DOMNode

import tutor.ui
from tutor.model.block_kinds import BLOCK_KINDS
from tutor.model.lesson import QA, Prose
from tutor.ui.widgets.block_widgets import BLOCK_WIDGETS

UI = Path(tutor.ui.__file__).parent
SHELL = {"app.py", "run.py"}  # the app itself, and the function that starts it


def ui_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(UI)], "tutor.ui.")]


def test_no_screen_or_widget_imports_the_app_or_casts_self_app() -> None:
    offenders = []
    for path in sorted(UI.rglob("*.py")):
        if path.name in SHELL and path.parent == UI:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            imported = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            if any(name == "tutor.ui.app" for name in imported):
                offenders.append(f"{path.name}:{node.lineno} imports tutor.ui.app")
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "cast":
                offenders.append(f"{path.name}:{node.lineno} casts")
            if isinstance(node, ast.Name) and node.id == "TutorApp":
                offenders.append(f"{path.name}:{node.lineno} names TutorApp")
    assert offenders == []


def test_no_screen_or_widget_takes_the_language_in_its_constructor() -> None:
    classes = set()
    for name in ui_modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, App):
                continue  # the app takes --lang: it owns the reactive the others read
            if issubclass(cls, DOMNode) and cls.__module__.startswith("tutor.ui."):
                classes.add(cls)
    assert len(classes) >= 15  # screens, dialogs, blocks, panes
    with_lang = [
        c.__qualname__ for c in classes if "lang" in inspect.signature(c.__init__).parameters
    ]
    assert with_lang == []


def test_every_block_kind_of_the_model_has_a_widget() -> None:
    models = {kind.model for kind in BLOCK_KINDS.values()} | {Prose, QA}
    assert models == set(BLOCK_WIDGETS)
