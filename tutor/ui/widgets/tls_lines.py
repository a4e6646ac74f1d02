"""What the endpoints see, as Rich `Text` lines for the Eavesdropper pane (issue 12).

Two kinds: a record opened with the session's own keys (`endpoint_record`: the SMTP lines or
handshake messages inside it, and the secret that protected it, or why it stays closed), and
the annotated handshake (`handshake`: each message with what a listener can read of it, each
field at its offset in the stream, with its bytes). Plaintext from the wire goes into `Text`
as escaped plain strings only, never through markup (I5).
"""

from __future__ import annotations

from rich.text import Text

from sandbox.events import Side
from sandbox.safety.text import escape_bytes, escape_text
from sandbox.tlsview.view import EndpointRecord
from tutor.ui.tls_live import ShownHandshake, ShownMessage
from tutor.ui.widgets.lab_lines import CLIENT_STYLE, SERVER_STYLE, TLS_STYLE
from tutor.ui.words import tr

SHOWN_LINES = 6  # lines of one record's SMTP shown; the rest are counted
HEX_BYTES = 16  # bytes of a field shown; the rest are counted
APPDATA = 23
OPEN_STYLE = "#5fd7d7"
BLIND_STYLE = "bold #ff8700"
READS_STYLE = "bold #ffaf00"


def _direction(sender: Side) -> str:
    return "C→S" if sender is Side.CLIENT else "S→C"


def _arrow(sender: Side) -> tuple[str, str]:
    return ("~>", CLIENT_STYLE) if sender is Side.CLIENT else ("<~", SERVER_STYLE)


def key_words(record_key: object, lang: str) -> str:
    value = getattr(record_key, "value", str(record_key))
    return tr(lang, f"tlskey.{value}")


def endpoint_record(record: EndpointRecord, lang: str) -> list[Text]:
    """What the endpoints see in one record the listener sees as ciphertext (nothing for a
    record sent in the clear: its wire lines already show all of it)."""
    if not record.encrypted:
        return []
    arrow, style = _arrow(record.sender)
    if record.failure is not None:
        why = tr(lang, f"cannot.{record.failure.value}")
        return [Text.assemble("    ", (tr(lang, "tls.cannot", why=why), "bold #ff5f5f"))]
    key = key_words(record.key, lang) if record.key is not None else "?"
    head = Text.assemble(
        "    ", ("🔓 ", OPEN_STYLE), (tr(lang, "tls.opened", secret=key), f"dim {OPEN_STYLE}")
    )
    if record.content_type != APPDATA:
        what = ", ".join(record.messages) or record.content_type_name
        return [head, Text.assemble("    ", (arrow, style), " ", (what, f"bold {OPEN_STYLE}"))]
    lines = record.plaintext.split(b"\r\n")
    if lines and not lines[-1]:
        lines.pop()
    out = [head]
    out += [
        Text.assemble("    ", (arrow, style), " ", (escape_bytes(line), OPEN_STYLE))
        for line in lines[:SHOWN_LINES]
    ]
    if len(lines) > SHOWN_LINES:
        more = tr(lang, "tls.more", n=f"{len(lines) - SHOWN_LINES:,}")
        out.append(Text.assemble("    ", (arrow, style), " ", (more, "dim")))
    return out


def hex_bytes(data: bytes, limit: int = HEX_BYTES) -> str:
    shown = " ".join(f"{b:02x}" for b in data[:limit])
    return shown + (f" … (+{len(data) - limit:,})" if len(data) > limit else "")


def handshake(shown: ShownHandshake | None, lang: str) -> list[Text]:
    """The handshake field by field: for each message, who sent it, where it crossed the wire
    (a stream offset as the listener view's `@N`, or the encrypted record it came in), what a
    listener can read of it and with which secret it was decrypted; then each field with its
    offset, length, value and bytes."""
    if shown is None:
        return [Text(tr(lang, "tls.hs_none"), style="dim")]
    hs = shown.handshake
    head = tr(
        lang,
        "tls.hs_head",
        version=hs.version or "TLS ?",
        suite=hs.cipher_suite or "?",
        random=hs.client_random[:16],
    )
    out = [Text(head, style=f"bold {TLS_STYLE}"), Text(tr(lang, "tls.hs_columns"), style="dim")]
    for message in shown.messages:
        out += _message(message, lang)
    return out


def _message(shown: ShownMessage, lang: str) -> list[Text]:
    m = shown.message
    if m.offset is not None:
        where = tr(lang, "tls.hs_at", offset=m.offset)
    else:
        where = tr(lang, "tls.hs_in_record", offset=m.record_offset)
    title = tr(lang, "tls.hs_msg", dir=_direction(m.sender), name=m.name, where=where, n=m.length)
    if not m.complete:
        title += " " + tr(lang, "tls.hs_truncated")
    style = CLIENT_STYLE if m.sender is Side.CLIENT else SERVER_STYLE
    line = Text.assemble(("▸ ", style), (escape_text(title), "bold"), "  ")
    if m.key is None:
        line.append(f"[{tr(lang, 'tls.listener_reads')}]", style=READS_STYLE)
    else:
        line.append(f"[{tr(lang, 'tls.listener_blind')}]", style=BLIND_STYLE)
        line.append(
            " " + tr(lang, "tls.decrypted_with", secret=key_words(m.key, lang)), style="dim"
        )
    out = [line]
    for f in m.fields:
        indent = "  " * (f.depth + 1)
        at = f"@{f.offset}" if f.offset is not None else f"+{f.at}"
        out.append(
            Text.assemble(
                indent,
                (escape_text(f.name), "bold"),
                (f"  {at} ", "dim"),
                (f"{f.length} B  ", "dim"),
                escape_text(f.value),
            )
        )
        data = shown.field_bytes(f.at, f.length)
        if data:
            out.append(Text(f"{indent}  {hex_bytes(data)}", style="dim"))
    return out
