"""Events as JSON-ready dicts: one object per event for `smtp-tutor demo --json`.

`{"type": "ConversationLine", "ts": 12.5, "sender": "client", "text": "EHLO client.test", ...}`:
the dataclass's fields, enums as their values, bytes as hex, nested dataclasses as objects.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

from sandbox.events import SandboxEvent


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


def event_to_json(event: SandboxEvent) -> dict[str, Any]:
    data: dict[str, Any] = {"type": type(event).__name__}
    data.update(_plain(event))
    return data
