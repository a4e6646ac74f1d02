"""Sandbox events as Rich `Text` lines for the Conversation and Eavesdropper panes.

Network text arrives already escaped (sandbox.safety.text), and it only ever goes into `Text`
objects as plain strings, never through markup, so a `[` from the wire cannot become styling.
Every line carries a textual marker or label, so the panes read the same without colour.
`conversation` and `wire` say, for every kind of event, what each pane shows of it.
"""

from __future__ import annotations

from typing import assert_never

from rich.text import Text

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    InjectionDiscarded,
    Level,
    MessageDelivered,
    Notice,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    TlsMissing,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from tutor.ui.notice_words import notice_text
from tutor.ui.words import tr

CLIENT_STYLE = "bold #5fafff"
SERVER_STYLE = "bold #87d75f"
TLS_STYLE = "#d7af5f"
MAX_LISTED = 4  # offered cipher suites are many; the first few tell the story

LEVEL_STYLE = {
    Level.INFO: "italic",
    Level.WARNING: "bold #ffaf00",
    Level.ERROR: "bold #ff5f5f",
    Level.ATTACK: "bold reverse #ff5f5f",
}


def conversation_line(event: ConversationLine, lang: str = "en") -> Text:
    """`-> EHLO client.test` / `<~ 250 OK`, as swaks shows it."""
    style = CLIENT_STYLE if event.sender is Side.CLIENT else SERVER_STYLE
    text = Text(no_wrap=False)
    text.append(event.marker, style=style)
    text.append(" ")
    text.append(event.text, style=TLS_STYLE if event.tls else "")
    _folded(text, event.more, event.last, lang)
    return text


def _folded(text: Text, more: int, last: str, lang: str) -> None:
    """A long message body is one event (E13, I10): its first line, then how many more and the
    last one."""
    if more:
        text.append(f"  ⋯ {tr(lang, 'lines.more', n=f'{more:,}')} ⋯  ", style="dim")
        text.append(last)


def notice_line(event: Notice, lang: str) -> Text:
    """`=== info` or `*** error`, in the UI's language (from the notice's key and params); an
    attack announcement is labelled as such in words too."""
    text = Text()
    text.append(event.marker, style=LEVEL_STYLE[event.level])
    text.append(" ")
    body = notice_text(event, lang)
    if event.level is Level.WARNING:
        body = f"⚠ {body}"
    text.append(body, style=LEVEL_STYLE[event.level] if event.level is not Level.INFO else "")
    return text


def attack_line(text: str) -> Text:
    """`*** text`, highlighted as an attack (what the man in the middle did or read)."""
    style = LEVEL_STYLE[Level.ATTACK]
    return Text.assemble(("***", style), " ", (text, style))


def attacker_read(event: AttackerRead, lang: str) -> str:
    what = tr(lang, f"exposure.{event.what.value}")
    return tr(lang, "attack.read", what=what, detail=event.detail)


def attacker_in_tls(event: AttackerInTls, lang: str) -> str:
    return tr(lang, "attack.in_tls", detail=event.detail)


CONVERSATION_KINDS = (ConversationLine, Notice, AttackerRead, AttackerInTls)
"""The events the Conversation pane shows a line for (`conversation` returns None for others)."""


def conversation(event: SandboxEvent, lang: str) -> Text | None:
    """The Conversation pane's line for `event`, or None when the pane does not show it."""
    match event:
        case ConversationLine():
            return conversation_line(event, lang)
        case Notice():
            return notice_line(event, lang)
        case AttackerRead():
            return attack_line(attacker_read(event, lang))
        case AttackerInTls():
            return attack_line(attacker_in_tls(event, lang))
        case TlsMissing() | InjectionDiscarded():
            return None  # the client's or server's own notice says it to the learner
        case TlsEstablished() | TlsFailed() | SessionStarted() | SessionClosed():
            return None  # told by notices; the Connection pane shows the details
        case MessageDelivered():
            return None  # the server's notice says it; the status line counts them
        case WireChunk() | WireLine() | WireSwitch() | WireRecord():
            return None  # the Eavesdropper's
        case _:
            assert_never(event)


def wire(event: SandboxEvent, lang: str) -> list[Text]:
    """The Eavesdropper pane's lines for `event` (none for what is not on the wire)."""
    match event:
        case WireLine():
            return [wire_line(event, lang)]
        case WireSwitch():
            return [wire_switch(event, lang)]
        case WireRecord():
            return wire_record(event, lang)
        case WireChunk():
            return []  # counted in the pane's title; the lines and records show the bytes
        case (
            ConversationLine()
            | Notice()
            | AttackerRead()
            | AttackerInTls()
            | TlsMissing()
            | InjectionDiscarded()
            | TlsEstablished()
            | TlsFailed()
            | MessageDelivered()
            | SessionStarted()
            | SessionClosed()
        ):
            return []
        case _:
            assert_never(event)


def _direction(sender: Side) -> str:
    return "C→S" if sender is Side.CLIENT else "S→C"


def _head(sender: Side, offset: int) -> Text:
    style = CLIENT_STYLE if sender is Side.CLIENT else SERVER_STYLE
    return Text.assemble((_direction(sender), style), (f" @{offset:<6} ", "dim"))


def wire_line(event: WireLine, lang: str) -> Text:
    text = _head(event.sender, event.offset)
    if event.injected:
        text.append(event.text, style="bold reverse #ff5f5f")
        text.append(f"  ⚠ {tr(lang, 'wire.injected')}", style="bold #ff5f5f")
    else:
        text.append(event.text)
    _folded(text, event.more, event.last, lang)
    return text


def wire_switch(event: WireSwitch, lang: str) -> Text:
    label = tr(lang, "wire.switch", offset=event.offset, side=_direction(event.sender))
    return Text(f"━━ {label} ━━", style=f"bold {TLS_STYLE}")


def wire_record(event: WireRecord, lang: str) -> list[Text]:
    """A record header line, what the handshake reveals, and a hex preview line."""
    head = _head(event.sender, event.offset)
    # the record header's version field is a legacy constant (TLS 1.3 sends "TLS 1.2"), so it
    # is left out: the negotiated version is in the Connection pane
    head.append(event.content_type_name, style=f"bold {TLS_STYLE}")
    head.append(f" {event.length:,} B")
    if event.encrypted:
        head.append(f" ({tr(lang, 'wire.encrypted')})", style="dim")
    lines = [head]
    for hs in event.handshake:
        lines.append(Text.assemble("    ", (hs.name, "bold"), f" SNI={hs.sni}" if hs.sni else ""))
        details = (
            ("versions", hs.versions),
            ("ciphers", hs.cipher_suites),
            ("ALPN", hs.alpn),
            ("certificates", hs.certificates),
        )
        for label, values in details:
            if values:
                shown = ", ".join(values[:MAX_LISTED])
                if len(values) > MAX_LISTED:
                    shown += f" (+{len(values) - MAX_LISTED})"
                lines.append(Text(f"      {label}: {shown}", style="dim"))
    if event.preview_hex:
        # a preview: cut at a byte with an ellipsis where a pane is narrower than its 16 bytes
        # (the watch's three columns), never a lone last byte on a line of its own (LogPane)
        lines.append(Text(f"    {event.preview_hex}", style="dim", no_wrap=True))
    return lines
