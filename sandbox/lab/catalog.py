"""The one catalogue of named labs: what a lesson, `smtp-tutor demo` and the matrix can ask for.

It lists the labs without an attack (`sandbox.lab.builtin`) and one line per attack module of
`sandbox.threats`; each module declares its labs' names and summaries itself, so they are written
once. `register` adds an extension's lab (an `Attack` or a whole `Scenario`), `unregister` takes
it away again (tests).

`SCENARIOS` is a live read-only view, name -> `Scenario` (`.summary`, `.attack`), in catalogue
order. Importing this module stays cheap enough for the lesson validator: no `cryptography`, no
`aiosmtpd` (the attack modules load those when a lab starts).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import MappingProxyType
from typing import assert_never

from sandbox import notices
from sandbox.lab import builtin
from sandbox.lab.attacklab import attack_lab
from sandbox.lab.scenarios import Scenario
from sandbox.threats import impersonate, inject_command, inject_response, strip
from sandbox.threats.spec import Attack

ATTACK_MODULES = (strip, impersonate, inject_command, inject_response)

_BUILT_IN: tuple[Scenario, ...] = (
    *builtin.LABS,
    *(attack_lab(a) for module in ATTACK_MODULES for a in module.ATTACKS),
)
_labs: dict[str, Scenario] = {}
_words: dict[str, tuple[str, ...]] = {}  # the notice keys a registered attack brought
SCENARIOS: Mapping[str, Scenario] = MappingProxyType(_labs)


def register(entry: Attack | Scenario) -> Scenario:
    """Add a lab (an attack becomes a relay lab); ValueError if its name is taken."""
    match entry:
        case Attack():
            scenario = attack_lab(entry)
        case Scenario():
            scenario = entry
        case _:
            assert_never(entry)
    if scenario.name in _labs:
        raise ValueError(f"a lab named {scenario.name!r} is already in the catalogue")
    if isinstance(entry, Attack):
        notices.register(entry.notices)
        _words[scenario.name] = tuple(entry.notices)
    _labs[scenario.name] = scenario
    return scenario


def unregister(name: str) -> None:
    """Take away a lab `register` added; the built-in ones stay."""
    if any(s.name == name for s in _BUILT_IN):
        raise ValueError(f"{name!r} is built in; only registered labs can be taken away")
    if _labs.pop(name, None) is None:
        raise KeyError(f"no registered lab named {name!r}")
    notices.unregister(_words.pop(name, ()))


@contextmanager
def registered(entry: Attack | Scenario) -> Iterator[Scenario]:
    """`register(entry)` for the length of a `with` block."""
    scenario = register(entry)
    try:
        yield scenario
    finally:
        unregister(scenario.name)


def available() -> tuple[str, ...]:
    """Every lab's name, in catalogue order."""
    return tuple(_labs)


def attacks() -> tuple[str, ...]:
    """The names of the labs with an attack on, in catalogue order (the matrix's rows)."""
    return tuple(name for name, s in _labs.items() if s.attack)


def get(name: str) -> Scenario:
    """The lab named `name`; KeyError listing the known names if there is none."""
    try:
        return _labs[name]
    except KeyError:
        raise KeyError(unknown(name)) from None


def unknown(name: str) -> str:
    """The message for a lab name that is not in the catalogue."""
    return f"unknown scenario {name!r}; choose one of: {', '.join(_labs)}"


for _scenario in _BUILT_IN:
    register(_scenario)
