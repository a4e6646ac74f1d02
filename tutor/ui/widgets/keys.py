"""Footer key labels in the learner's language.

Bindings are declared once per class with `ui_text` keys as descriptions ("key.next"); each
screen instance swaps in the words for its language, so the Footer speaks English or Japanese.
"""

from __future__ import annotations

from dataclasses import replace

from textual.dom import DOMNode

from tutor.ui.words import tr


def localize_bindings(node: DOMNode, lang: str) -> None:
    # `_bindings` is the node's own copy of its class bindings, so this does not leak to others.
    table = node._bindings.key_to_bindings
    for key, bindings in list(table.items()):
        table[key] = [
            replace(b, description=tr(lang, b.description))
            if b.description.startswith("key.")
            else b
            for b in bindings
        ]
