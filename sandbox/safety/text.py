"""Make bytes from the network safe to show on a terminal (properties.md I5).

A hostile peer can send ESC sequences that retitle the window, move the cursor or worse. Every
control character (C0, DEL, C1) and every lone surrogate becomes a visible escape such as `\\x1b`;
printable text, including CJK, passes through unchanged.
"""

from __future__ import annotations

_NAMED = {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x5C: "\\\\"}


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code in _NAMED:
        return _NAMED[code]
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if (
        0xD800 <= code <= 0xDFFF
        or code in (0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF)
        or 0x202A <= code <= 0x202E
        or 0x2066 <= code <= 0x2069
    ):
        # Lone surrogates, line separators, bidi marks, overrides and isolates can also
        # rearrange what is shown.
        return f"\\u{code:04x}"
    return ch


def escape_text(text: str) -> str:
    """Return `text` with every control character shown as an escape."""
    if text.isprintable() and "\\" not in text:
        return text  # fast path: nothing to do
    return "".join(_escape_char(ch) for ch in text)


def escape_bytes(data: bytes) -> str:
    """Decode `data` as UTF-8 and escape it for the terminal; invalid bytes show as `\\xNN`."""
    text = data.decode("utf-8", errors="surrogateescape")
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        f"\\x{ord(ch) - 0xDC00:02x}" if 0xDC80 <= ord(ch) <= 0xDCFF else _escape_char(ch)
        for ch in text
    )
