"""What the lab catalogue needs to know about one attack, declared by the attack's own module.

Each module in `sandbox.threats` that implements an attack ends with `ATTACKS`, a tuple of these;
`sandbox.lab.catalog` lists the modules and turns each entry into a named lab. An extension (or a
test) makes one of its own and hands it to `sandbox.lab.catalog.register`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sandbox.wire.tamper import Tamper

NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # as a lesson's `scenario:` and the demo write it


@dataclass(frozen=True, slots=True)
class Attack:
    """One man in the middle, as a lab offers it (properties.md I7: only on in its lab, and said).

    - `name`: the lab's name (`smtp-tutor demo NAME`, a lesson's `scenario:`).
    - `summary`: one plain sentence for the learner, in the list of labs.
    - `notice`: what the screen says as the lab starts, before a byte crosses the wire.
    - `tamper`: makes the wire tap's `Tamper` for one connection.
    - `notices`: what an attack from outside says as it works (`announce(conn, key)`), in
      English, keyed `<name>.<what>`; the catalogue adds them to `sandbox.notices` (the built-in
      attacks' words are in that table already, with their translations).
    """

    name: str
    summary: str
    notice: str
    tamper: Callable[[], Tamper]
    notices: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not NAME.fullmatch(self.name):
            raise ValueError(f"attack name {self.name!r}: lower-case words joined by '-'")
        if not self.summary.strip() or not self.notice.strip():
            raise ValueError(f"attack {self.name!r} needs a summary and an on-screen notice (I7)")
        if any(not key.startswith(f"{self.name}.") for key in self.notices):
            raise ValueError(f"attack {self.name!r}: its notices' keys begin '{self.name}.'")
