"""Textual's private bindings tables (tutor/ui/textual_private.py) still work as keys.py needs.

A Textual release that renames `_merged_bindings` or `_bindings`, or stops reading the node's own
table for its active bindings, fails here by name instead of leaving the Footer in English.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingsMap
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey
from tutor_ui_fakes import wait_for

from tutor.ui import textual_private


class _Keys(Screen[None]):
    BINDINGS: ClassVar = [Binding("n", "next", "Next"), Binding("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Footer()


class _KeysApp(App[None]):
    def on_mount(self) -> None:
        self.push_screen(_Keys())


def _descriptions(screen: Screen[None]) -> dict[str, str]:
    return {key: active.binding.description for key, active in screen.active_bindings.items()}


def test_class_bindings_are_the_class_s_merged_table() -> None:
    merged = textual_private.class_bindings(_Keys())
    assert isinstance(merged, BindingsMap)
    assert {"n", "q"} <= set(merged.key_to_bindings)
    assert merged.key_to_bindings["n"][0].description == "Next"


async def test_set_bindings_changes_what_one_screen_shows_and_no_other() -> None:
    app = _KeysApp()
    async with app.run_test() as pilot:
        screen = app.screen
        assert isinstance(screen, _Keys)
        assert _descriptions(screen)["n"] == "Next"
        merged = textual_private.class_bindings(screen)
        assert merged is not None
        own = merged.copy()
        own.key_to_bindings["n"] = [replace(own.key_to_bindings["n"][0], description="次へ")]
        textual_private.set_bindings(screen, own)
        screen.refresh_bindings()
        assert _descriptions(screen)["n"] == "次へ"
        footer = screen.query(Footer).first()
        # the footer recomposes on a later frame: on a busy machine, more than one pause later
        await wait_for(pilot, lambda: "次へ" in [k.description for k in footer.query(FooterKey)])
        # the class's table, and so every other instance, still says "Next"
        assert merged.key_to_bindings["n"][0].description == "Next"
        other = textual_private.class_bindings(_Keys())
        assert other is not None
        assert other.key_to_bindings["n"][0].description == "Next"
