"""`master.cf` service lines, as Postfix's `master` reads them.

Each logical line (see `lines.py`) is `service type private unpriv chroot wakeup maxproc command
[args]`. An argument that starts with `{` runs to its matching `}` and may hold spaces, the braces
and the spaces inside them dropped (Postfix 3.0): `-o { smtpd_client_restrictions = reject }`.
`-o name=value` (or `-oname=value`) overrides a `main.cf` parameter for that service only.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.lines import LogicalLine, Note, logical_lines

SERVICE_TYPES = ("inet", "unix", "unix-dgram", "fifo", "pass")
INET_PORTS = {"smtp": 25, "submission": 587, "smtps": 465, "submissions": 465}
"""The names `/etc/services` gives the mail ports (Postfix looks them up there)."""


@dataclass(frozen=True, slots=True)
class Override:
    """One `-o name=value` of a service."""

    name: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Service:
    name: str  # `smtp`, `submission`, `127.0.0.1:2525`...
    type: str  # inet, unix, ...
    private: str  # y, n or - (the default)
    unpriv: str
    chroot: str
    wakeup: str
    maxproc: str
    command: str  # smtpd, cleanup, ...
    args: tuple[str, ...]  # the command's arguments, -o pairs left out
    overrides: tuple[Override, ...]
    path: str
    line: int

    @property
    def key(self) -> str:
        """How Postfix names a service: `submission/inet`."""
        return f"{self.name}/{self.type}"

    @property
    def port(self) -> int | None:
        """The TCP port an inet service listens on (`[host:]port`), None for other types."""
        if self.type != "inet":
            return None
        return inet_port(self.name.rpartition(":")[2], self.path, self.line)

    def override(self, name: str) -> Override | None:
        """The last `-o name=...` of this service, as Postfix applies them in order."""
        return next((o for o in reversed(self.overrides) if o.name == name), None)


def inet_port(port: str, path: str, line: int) -> int:
    if port.isdigit() and 0 < int(port) < 65536:
        return int(port)
    if port in INET_PORTS:
        return INET_PORTS[port]
    known = ", ".join(INET_PORTS)
    raise ConfigError(path, line, f"unknown port {port!r}: a number or one of {known}")


DEFAULT_MASTER_CF = "smtp      inet  n       -       y       -       -       smtpd\n"
"""The one service Postfix's own master.cf enables: the public MX on port 25."""


def read_master_cf(data: str, path: str, notes: list[Note] | None = None) -> list[Service]:
    """The services in `data` (already decoded text), in file order; `ConfigError` at the first
    line Postfix's master would refuse."""
    notes = notes if notes is not None else []
    services: list[Service] = []
    seen: dict[str, int] = {}
    for logical in logical_lines(data, path, notes):
        service = _service(logical, path)
        if service.key in seen:
            raise ConfigError(
                path,
                logical.line,
                f"duplicate service {service.key} (first defined at line {seen[service.key]})",
            )
        seen[service.key] = logical.line
        services.append(service)
    return services


def _fields(text: str, path: str, line: int) -> list[tuple[str, int]]:
    """Whitespace-separated fields with their offsets; `{ ... }` one field, braces and inner
    edges stripped."""
    fields: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        if text[i] == "{":
            depth, k = 0, i
            while k < n:
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                if depth == 0:
                    break
                k += 1
            if depth:
                raise ConfigError(path, line, f"missing '}}' in {text[i:][:60]!r}")
            fields.append((text[i + 1 : k].strip(), i))
            i = k + 1
            continue
        k = i
        while k < n and not text[k].isspace():
            k += 1
        fields.append((text[i:k], i))
        i = k
    return fields


def _flag(value: str, field: str, path: str, line: int) -> str:
    if value not in ("y", "n", "-"):
        raise ConfigError(path, line, f'field "{field}": bad value: "{value}" (y, n or -)')
    return value


def _service(logical: LogicalLine, path: str) -> Service:
    line = logical.line
    located = _fields(logical.text, path, line)
    fields = [f for f, _ in located]
    if len(fields) < 8:
        raise ConfigError(
            path,
            line,
            "a service line has 8 fields (service type private unpriv chroot wakeup maxproc "
            f"command), this one {len(fields)}",
        )
    name, kind, private, unpriv, chroot, wakeup, maxproc, command, *rest = fields
    if kind not in SERVICE_TYPES:
        types = ", ".join(SERVICE_TYPES)
        raise ConfigError(path, line, f'field "type": bad value: "{kind}" ({types})')
    for field, value in (("private", private), ("unpriv", unpriv), ("chroot", chroot)):
        _flag(value, field, path, line)
    if wakeup != "-" and not wakeup.rstrip("?").isdigit():
        raise ConfigError(path, line, f'field "wakeup": bad value: "{wakeup}"')
    if maxproc != "-" and not maxproc.isdigit():
        raise ConfigError(path, line, f'field "maxproc": bad value: "{maxproc}"')
    args: list[str] = []
    overrides: list[Override] = []
    k = 0
    while k < len(rest):
        arg = rest[k]
        if arg == "-o" or (arg.startswith("-o") and not arg.startswith("-o{")):
            at = logical.line_at(located[8 + k][1])
            setting = arg[2:] if arg != "-o" else (rest[k + 1] if k + 1 < len(rest) else "")
            k += 1 if arg != "-o" else 2
            overrides.append(_override(setting, path, at))
            continue
        args.append(arg)
        k += 1
    service = Service(
        name,
        kind,
        private,
        unpriv,
        chroot,
        wakeup,
        maxproc,
        command,
        tuple(args),
        tuple(overrides),
        path,
        line,
    )
    service.port  # an inet service with a port nobody can bind is refused here  # noqa: B018
    return service


def _override(setting: str, path: str, line: int) -> Override:
    name, eq, value = setting.partition("=")
    name = name.strip()
    if not eq or not name:
        raise ConfigError(path, line, f"-o needs name=value, not {setting!r}")
    if not all(c.isalnum() or c == "_" for c in name):
        raise ConfigError(path, line, f"-o {setting!r}: {name!r} is not a parameter name")
    return Override(name, value.strip(), line)
