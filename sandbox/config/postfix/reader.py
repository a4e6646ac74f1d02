"""Postfix `main.cf` and `master.cf`, read as Postfix reads them: the API the enactment and the
linter share.

- `read_main_cf(data, path) -> MainCf`: each parameter with its raw value and line; the last
  definition wins and each earlier one is kept as a note ("overriding earlier entry", as
  `postconf` warns); `MainCf.value(name)` is the expanded value, Postfix's default for a name the
  file does not set (`defaults.py`).
- `read_master_cf(data, path) -> list[Service]` (`master.py`): the services with their `-o`
  overrides; `DEFAULT_MASTER_CF` when the learner gives none.
- `read_postfix(main_path, master_path)`, from files (bounded, no links, no FIFOs): a
  `PostfixConfig`, whose `value(name, service)` is the effective value of a parameter for one
  service: `main.cf`, then that service's `-o` overrides, expanded together as Postfix does (an
  override of `myhostname` changes every value that says `$myhostname`, in that service only).

Every problem is a `ConfigError` (`FILE:LINE: what`) and nothing else (properties.md L1-L6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.defaults import DEFAULTS
from sandbox.config.postfix.expand import Expander, Raw
from sandbox.config.postfix.lines import Note, decode, logical_lines, read_config_file
from sandbox.config.postfix.master import (
    DEFAULT_MASTER_CF,
    Override,
    Service,
)
from sandbox.config.postfix.master import (
    read_master_cf as _read_master_text,
)

__all__ = [
    "DEFAULT_MASTER_CF",
    "ConfigError",
    "MainCf",
    "Note",
    "Override",
    "Param",
    "PostfixConfig",
    "Service",
    "read_main_cf",
    "read_master_cf",
    "read_postfix",
]


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter as the file sets it: the definition that wins, and the earlier ones' lines."""

    name: str
    raw: str
    line: int
    earlier: tuple[int, ...] = ()


@dataclass(frozen=True)
class MainCf:
    path: str
    params: Mapping[str, Param]
    notes: tuple[Note, ...] = ()
    _expander: Expander = field(init=False, repr=False, compare=False)
    _undefined: list[Note] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        undefined: list[Note] = []
        object.__setattr__(self, "_undefined", undefined)
        object.__setattr__(self, "_expander", Expander(self.raw_of, undefined))

    @property
    def undefined(self) -> tuple[Note, ...]:
        """The `undefined parameter: NAME` notes, as `postconf` warns them: each `$NAME` expanded
        so far that neither the file nor Postfix's defaults define (all of them after reading)."""
        return tuple(dict.fromkeys(self._undefined))

    def raw_of(self, name: str) -> Raw | None:
        """`name`'s raw value and where it is set (line 0: Postfix's default), or None."""
        param = self.params.get(name)
        if param is not None:
            return Raw(param.raw, self.path, param.line)
        return _default(name, self.value)

    def value(self, name: str) -> str:
        """`name` expanded ("" when neither the file nor Postfix's defaults know it)."""
        return self._expander.value(name)

    def line(self, name: str) -> int:
        """The line that sets `name`, 0 when it keeps its default."""
        param = self.params.get(name)
        return param.line if param else 0

    def expand_all(self) -> dict[str, str]:
        """Every parameter the file sets, expanded: proves the file has no loop (read_main_cf
        calls it, so a loop is an error at read time, not when the sandbox starts)."""
        return {name: self.value(name) for name in self.params}


def read_main_cf(data: bytes | str, path: str = "main.cf") -> MainCf:
    text = decode(data, path)
    notes: list[Note] = []
    params: dict[str, Param] = {}
    for logical in logical_lines(text, path, notes):
        name, eq, value = logical.text.partition("=")
        name, value = name.strip(), value.strip()
        if not eq:
            raise ConfigError(
                path, logical.line, f"missing '=' after parameter name: {_short(logical.text)!r}"
            )
        if not name:
            raise ConfigError(
                path, logical.line, f"missing parameter name: {_short(logical.text)!r}"
            )
        if not all(c.isalnum() or c == "_" for c in name):
            raise ConfigError(path, logical.line, f"not a parameter name: {_short(name)!r}")
        old = params.get(name)
        if old is not None:
            notes.append(
                Note(path, logical.line, f"overriding earlier entry: {name}={_short(old.raw)}")
            )
        earlier = (*old.earlier, old.line) if old else ()
        params[name] = Param(name, value, logical.line, earlier)
    main = MainCf(path, params, tuple(notes))
    main.expand_all()
    return main


def read_master_cf(data: bytes | str, path: str = "master.cf") -> list[Service]:
    return _read_master_text(decode(data, path), path)


@dataclass(frozen=True)
class PostfixConfig:
    """`main.cf` and the services of `master.cf`, with each service's effective values."""

    main: MainCf
    services: tuple[Service, ...]
    master_path: str = "master.cf"

    def service(self, key: str) -> Service:
        """The service named `key` (`submission/inet`, or `submission` for an inet one)."""
        for s in self.services:
            if key in (s.key, s.name) and (s.key == key or s.type == "inet"):
                return s
        known = ", ".join(s.key for s in self.services)
        raise KeyError(f"no service {key!r} in {self.master_path} (it has {known})")

    def smtpd_services(self) -> list[Service]:
        """The inet services that run `smtpd`: the sandbox's listeners."""
        return [s for s in self.services if s.type == "inet" and s.command == "smtpd"]

    def value(self, name: str, service: Service | None = None) -> str:
        """The effective value of `name`: for `service`, its `-o` overrides applied first."""
        if service is None or not service.overrides:
            return self.main.value(name)
        return self._service_expander(service).value(name)

    def where(self, name: str, service: Service | None = None) -> tuple[str, int]:
        """The file and line that decide `name` for `service` (line 0: Postfix's default)."""
        if service is not None and (o := service.override(name)) is not None:
            return self.master_path, o.line
        return self.main.path, self.main.line(name)

    def _service_expander(self, service: Service) -> Expander:
        cache: dict[str, Expander] = self.__dict__.setdefault("_expanders", {})
        if service.key not in cache:
            overrides = {o.name: o for o in service.overrides}

            def lookup(name: str) -> Raw | None:
                o = overrides.get(name)
                if o is not None:
                    return Raw(o.value, self.master_path, o.line)
                param = self.main.params.get(name)
                if param is not None:
                    return Raw(param.raw, self.main.path, param.line)
                # mydomain's default follows main.cf's myhostname: an override such as
                # `-o myhostname=submit.$mydomain` would otherwise name itself
                return _default(name, self.main.value)

            cache[service.key] = Expander(lookup, [])
        return cache[service.key]


def read_postfix(main_path: str, master_path: str | None = None) -> PostfixConfig:
    """Both files from disk (`ConfigError` for anything wrong with either); without a master.cf,
    Postfix's default one service, `smtp inet ... smtpd` on port 25."""
    main = read_main_cf(read_config_file(main_path), main_path)
    if master_path is None:
        services = _read_master_text(DEFAULT_MASTER_CF, "master.cf")
        config = PostfixConfig(main, tuple(services))
    else:
        text = read_config_file(master_path)
        config = PostfixConfig(main, tuple(_read_master_text(text, master_path)), master_path)
    for service in config.services:  # a loop through an override is an error now, not later
        for o in service.overrides:
            config.value(o.name, service)
    return config


def _default(name: str, expand: Callable[[str], str]) -> Raw | None:
    if name in DEFAULTS:
        return Raw(DEFAULTS[name], "(default)", 0)
    if name == "mydomain":  # Postfix: myhostname without its first label, or "localdomain"
        _, dot, rest = expand("myhostname").partition(".")
        return Raw(rest.replace("$", "$$") if dot and rest else "localdomain", "(default)", 0)
    return None


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
