"""Events as JSON-ready dicts: one object per event for `smtp-tutor demo --json`.

`{"type": "ConversationLine", "ts": 12.5, "sender": "client", "text": "EHLO client.test", ...}`:
the dataclass's fields, enums as their values, bytes as hex, nested dataclasses as objects.
`"type"` is part of the format: `event_type` names each kind explicitly, so renaming a class
cannot silently change what scripts read, and a new kind of event must be given its name.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, assert_never

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    ConversationLine,
    InjectionDiscarded,
    MessageDelivered,
    Notice,
    SandboxEvent,
    SessionClosed,
    SessionStarted,
    TlsEstablished,
    TlsFailed,
    TlsMissing,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def event_type(event: SandboxEvent) -> str:
    """The `"type"` of `event` in the JSON output."""
    match event:
        case ConversationLine():
            return "ConversationLine"
        case Notice():
            return "Notice"
        case WireChunk():
            return "WireChunk"
        case WireLine():
            return "WireLine"
        case WireSwitch():
            return "WireSwitch"
        case WireRecord():
            return "WireRecord"
        case TlsEstablished():
            return "TlsEstablished"
        case TlsFailed():
            return "TlsFailed"
        case TlsMissing():
            return "TlsMissing"
        case InjectionDiscarded():
            return "InjectionDiscarded"
        case AttackerInTls():
            return "AttackerInTls"
        case AttackerRead():
            return "AttackerRead"
        case MessageDelivered():
            return "MessageDelivered"
        case SessionStarted():
            return "SessionStarted"
        case SessionClosed():
            return "SessionClosed"
        case _:
            assert_never(event)


def event_to_json(event: SandboxEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"type": event_type(event)}
    data.update(_plain(event))
    return data
