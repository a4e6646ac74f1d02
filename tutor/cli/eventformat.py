"""Sandbox events as short lines of text, for the headless demo and any plain-text view.

Pure: no Textual, no I/O. Each function returns `Styled` pieces (text + a style name) so a caller
can colour them (ANSI in the demo, Rich styles in the UI) or print them bare. Network text inside
events is already terminal-safe (sandbox.safety.text).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import assert_never

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    HandshakeInfo,
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

PREVIEW_BYTES = 16


@dataclass(frozen=True, slots=True)
class Styled:
    text: str
    # "client", "server", "tls", "info", "warning", "error", "attack", "wire", "switch", "dim"
    style: str


def arrow(sender: Side) -> str:
    return "C>S" if sender is Side.CLIENT else "S>C"


def conversation(event: SandboxEvent, *, probed: bool = False) -> Styled | None:
    """The swaks-style line for `event`, or None if it is not part of the conversation.
    `probed`: the server is one the learner named (demo --server), not the sandbox's."""
    match event:
        case ConversationLine(sender=sender, text=text, tls=tls):
            style = "tls" if tls else ("client" if sender is Side.CLIENT else "server")
            return Styled(f"{event.marker} {text}{folded(event.more, event.last)}", style)
        case Notice(level=level, text=text):
            return Styled(f"{event.marker} {text}", level.value)
        case SessionStarted(scenario=scenario, server=server, via_tap=tap):
            # where the eavesdropper sits: a relay in between, or the server's own socket
            if tap:
                where = f"{server}, through the wire tap on {tap}"
            else:
                where = f"{server}, watched at its own socket (no relay)"
            whose = "the server you named" if probed else "sandbox server"
            return Styled(f"=== Lab '{scenario}': {whose} on {where}", "info")
        case TlsFailed(reason=reason):
            return Styled(f"*** TLS handshake failed: {reason}", "error")
        case MessageDelivered():
            return Styled(f"=== {delivery_summary(event)}", "info")
        case AttackerRead(what=what, detail=detail):
            return Styled(f"*** Attacker decrypted the {what.value}: {detail}", "attack")
        case AttackerInTls(detail=detail):
            return Styled(f"*** The attacker holds the client's TLS session: {detail}", "attack")
        case TlsEstablished() | SessionClosed():
            return None  # told by the client's own `===` notices; the Connection pane has details
        case TlsMissing() | InjectionDiscarded():
            return None  # the client's or the server's own notice says it
        case WireChunk() | WireLine() | WireSwitch() | WireRecord():
            return None  # what the eavesdropper sees: `wire`
        case _:
            assert_never(event)


def tls_summary(event: TlsEstablished) -> str:
    text = f"TLS started: {event.version}, cipher {event.cipher}"
    cert = event.peer_cert
    if cert is not None:
        state = "verified" if event.verified else "NOT verified"
        text += f"; certificate {cert.subject} from {cert.issuer}, {state}"
    return text


def delivery_summary(event: MessageDelivered) -> str:
    how = "over TLS" if event.tls else "in PLAINTEXT"
    who = f", sender authenticated as {event.authenticated_as}" if event.authenticated_as else ""
    to = ", ".join(event.rcpt_tos)
    size = f"{event.size} bytes"
    return f"Sandbox mailbox got a message ({size}) from {event.mail_from} to {to}, {how}{who}"


def folded(more: int, last: str) -> str:
    """A long message body is one event (E13, I10): how many lines more, and the last one."""
    return f"  ... {more:,} lines more, the last: {last}" if more else ""


def wire(event: SandboxEvent) -> Styled | None:
    """What an eavesdropper on the path sees, or None for events that are not about the wire."""
    match event:
        case WireLine(sender=sender, text=text, injected=injected):
            if injected:
                return Styled(
                    f"{arrow(sender)} {text}   <- injected plaintext: a correct peer discards it",
                    "attack",
                )
            return Styled(f"{arrow(sender)} {text}{folded(event.more, event.last)}", "wire")
        case WireSwitch(sender=sender, offset=offset):
            who = "client" if sender is Side.CLIENT else "server"
            return Styled(
                f"---- plaintext ends: from {who} byte {offset} on, only TLS records ----", "switch"
            )
        case WireRecord():
            return Styled(
                f"{arrow(event.sender)} {record_summary(event)}",
                "dim" if event.encrypted else "tls",
            )
        case WireChunk():
            return None  # the decoded lines and records say it better
        case (
            ConversationLine()
            | Notice()
            | SessionStarted()
            | TlsEstablished()
            | TlsFailed()
            | TlsMissing()
            | InjectionDiscarded()
            | MessageDelivered()
            | SessionClosed()
            | AttackerRead()
            | AttackerInTls()
        ):
            return None  # not on the wire: `conversation`
        case _:
            assert_never(event)


def record_summary(rec: WireRecord) -> str:
    if rec.handshake:
        body = "; ".join(handshake_summary(h) for h in rec.handshake)
    elif rec.encrypted:
        body = f"encrypted {rec.content_type_name}"
    else:
        body = rec.content_type_name
    preview = (
        f"  [{rec.preview_hex}{' ...' if rec.length > PREVIEW_BYTES else ''}]"
        if rec.preview_hex
        else ""
    )
    return f"TLS record {rec.length:>5} bytes: {body}{preview}"


def handshake_summary(h: HandshakeInfo) -> str:
    parts = [h.name]
    if h.sni:
        parts.append(f"SNI={h.sni}")
    if h.versions:
        parts.append("versions=" + ",".join(h.versions))
    if h.cipher_suites:
        shown = h.cipher_suites[:3]
        more = f" +{len(h.cipher_suites) - 3} more" if len(h.cipher_suites) > 3 else ""
        parts.append("ciphers=" + ",".join(shown) + more)
    if h.certificates:
        parts.append("certificates: " + " | ".join(h.certificates))
    return " ".join(parts)


def is_attack(event: SandboxEvent) -> bool:
    """An attack announcement, or what the man in the middle reports."""
    if isinstance(event, Notice):
        return event.level is Level.ATTACK
    return isinstance(event, AttackerRead | AttackerInTls)
