"""The private parts of Textual the tutor relies on: a node's key bindings table.

Why: bindings are declared once per class (`BINDINGS`) and the Footer shows their descriptions;
Textual has no public way to give one screen its own descriptions (the learner's language, which
can change while the screen is open). Each node keeps a copy of its class's merged bindings in
`_bindings`, built from the class's `_merged_bindings`; keys.py swaps in a translated copy.

Checked: textual 6.8.0 to 8.2.8 (`DOMNode._merged_bindings`, a class-level `BindingsMap | None`;
`DOMNode._bindings`, the instance's `BindingsMap` that the Footer and `active_bindings` read).
tests/tutor/ui/test_textual_private.py fails by name if a Textual release changes either.
"""

from __future__ import annotations

from textual.binding import BindingsMap
from textual.dom import DOMNode


def class_bindings(node: DOMNode) -> BindingsMap | None:
    """The bindings `node`'s class declares (with its bases'), as Textual merged them."""
    return type(node)._merged_bindings


def set_bindings(node: DOMNode, bindings: BindingsMap) -> None:
    """Make `bindings` the node's own table (read by the Footer and by `active_bindings`)."""
    node._bindings = bindings
