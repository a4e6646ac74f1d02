"""Footer key labels in the learner's language.

Bindings are declared once per class with `ui_text` keys as descriptions ("key.next"); each
screen instance swaps in the words for the app's language, so the Footer speaks English or
Japanese, and swaps them again when the language changes.
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from tutor.ui import textual_private
from tutor.ui.lang import ui_lang
from tutor.ui.words import tr


def localize_bindings(node: DOMNode) -> None:
    """Give `node` its class bindings with the words of the current language (again after a
    switch: the class's own table still has the `key.` names)."""
    lang = ui_lang(node)
    merged = textual_private.class_bindings(node)
    if merged is None:
        return
    # The node's own copy of its class bindings, so this does not leak to other instances.
    own = merged.copy()
    textual_private.set_bindings(node, own)
    table = own.key_to_bindings
    for key, bindings in list(table.items()):
        table[key] = [
            replace(b, description=tr(lang, b.description))
            if b.description.startswith("key.")
            else b
            for b in bindings
        ]
    node.refresh_bindings()
