"""The UI's language: one reactive on the app (`LangApp.lang`), read one way.

Screens and widgets never take a language in their constructor: they read it with `ui_lang(self)`
(or `words(self, key)`) when they render, and `on_lang_change(self, callback)` re-renders their
words when the learner switches language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual.app import App
from textual.dom import DOMNode
from textual.reactive import reactive

from tutor.model.langs import DEFAULT_LANG
from tutor.ui.words import tr


class LangApp(App[None]):
    """An app with a language: the tutor, and the small apps tests build around one widget."""

    lang: reactive[str] = reactive(DEFAULT_LANG, init=False)


def ui_lang(node: DOMNode) -> str:
    """The language `node` shows its words in: its app's `lang` (the default outside a LangApp)."""
    try:
        app = node.app
    except RuntimeError:  # Textual's NoActiveAppError: built outside a running app (a unit test)
        return DEFAULT_LANG
    return app.lang if isinstance(app, LangApp) else DEFAULT_LANG


def words(node: DOMNode, key: str, **values: object) -> str:
    """The UI text for `key` in `node`'s language (see tutor.ui.words)."""
    return tr(ui_lang(node), key, **values)


def on_lang_change(
    node: DOMNode, callback: Callable[[], None] | Callable[[], Awaitable[None]]
) -> None:
    """Call `callback` (on `node`, after the app's own reaction) whenever the language changes;
    the watch ends when `node` is removed."""
    app = node.app
    if isinstance(app, LangApp):
        node.watch(app, "lang", callback, init=False)
