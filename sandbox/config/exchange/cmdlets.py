"""The cmdlets a connector script may run, their parameters, and PowerShell's parameter binding.

Binding follows PowerShell (properties.md L40): names are case-insensitive and may be shortened
to any unambiguous prefix; `-Switch` alone is `$true`; a Boolean parameter needs a value
(`-RequireTLS $true` or `-RequireTLS:$true`; PowerShell refuses `-RequireTLS` alone); values
are converted as the cmdlet's parameter types convert them. Errors carry PowerShell's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sandbox.config.exchange import model
from sandbox.config.exchange.pstokens import Argument, Command, Param, Scalar, Value

Kind = Literal["string", "bool", "switch", "list", "enum", "flags"]
Bound = str | bool | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Spec:
    kind: Kind
    choices: tuple[str, ...] = ()
    type_name: str = ""

    @property
    def shown_type(self) -> str:
        return self.type_name or {
            "string": "System.String",
            "bool": "System.Boolean",
            "switch": "System.Management.Automation.SwitchParameter",
            "list": "Microsoft.Exchange.Data.MultiValuedProperty",
        }.get(self.kind, "System.String")


S, B, SW, L = Spec("string"), Spec("bool"), Spec("switch"), Spec("list")
_COMMON = {"Confirm": SW, "WhatIf": SW, "Force": SW, "DomainController": S}
_RECEIVE = {
    "Bindings": L,
    "RemoteIPRanges": L,
    "PermissionGroups": Spec("flags", model.PERMISSION_GROUPS, "PermissionGroups"),
    "AuthMechanism": Spec("flags", model.AUTH_MECHANISMS, "AuthMechanisms"),
    "RequireTLS": B,
    "TlsCertificateName": S,
    "Fqdn": S,
    "Enabled": B,
    "Comment": S,
    "Banner": S,
    "Name": S,
}
_SEND = {
    "AddressSpaces": L,
    "SmartHosts": L,
    "DNSRoutingEnabled": B,
    "TlsAuthLevel": Spec("enum", model.TLS_AUTH_LEVELS, "TlsAuthLevel"),
    "TlsDomain": S,
    "RequireTLS": B,
    "IgnoreSTARTTLS": B,
    "Fqdn": S,
    "TlsCertificateName": S,
    "Enabled": B,
    "Comment": S,
    "SourceTransportServers": L,
    "Name": S,
}
_RECEIVE_KINDS = {u: SW for u in model.RECEIVE_USAGES}
_SEND_KINDS = {u: SW for u in model.SEND_USAGES}


@dataclass(frozen=True, slots=True)
class CmdletSpec:
    name: str
    params: dict[str, Spec]
    positional: tuple[str, ...] = ()


CMDLETS: dict[str, CmdletSpec] = {
    c.name.lower(): c
    for c in (
        CmdletSpec(
            "New-ReceiveConnector",
            _COMMON
            | _RECEIVE
            | _RECEIVE_KINDS
            | {
                "Usage": Spec("enum", model.RECEIVE_USAGES, "UsageType"),
                "TransportRole": Spec("enum", model.ROLES, "ServerRole"),
                "Server": S,
            },
            ("Name",),
        ),
        CmdletSpec("Set-ReceiveConnector", _COMMON | _RECEIVE | {"Identity": S}, ("Identity",)),
        CmdletSpec(
            "New-SendConnector",
            _COMMON | _SEND | _SEND_KINDS | {"Usage": Spec("enum", model.SEND_USAGES, "UsageType")},
            ("Name",),
        ),
        CmdletSpec("Set-SendConnector", _COMMON | _SEND | {"Identity": S}, ("Identity",)),
        CmdletSpec("Remove-ReceiveConnector", _COMMON | {"Identity": S}, ("Identity",)),
        CmdletSpec("Remove-SendConnector", _COMMON | {"Identity": S}, ("Identity",)),
        CmdletSpec("Get-ReceiveConnector", {"Identity": S, "Server": S}, ("Identity",)),
        CmdletSpec("Get-SendConnector", {"Identity": S}, ("Identity",)),
        CmdletSpec(
            "Add-ADPermission",
            _COMMON | {"Identity": S, "User": S, "ExtendedRights": L, "AccessRights": L},
            ("Identity",),
        ),
        CmdletSpec("Format-List", {"Property": L}, ("Property",)),
        CmdletSpec("Format-Table", {"Property": L, "AutoSize": SW}, ("Property",)),
    )
}
ALIASES = {"fl": "format-list", "ft": "format-table"}


class BindError(ValueError):
    """PowerShell refused the command; the message is PowerShell's or Exchange's."""


@dataclass(frozen=True, slots=True)
class Call:
    """A command with its parameters bound: canonical name -> (value, line)."""

    cmdlet: str
    line: int
    args: dict[str, tuple[Bound, int]]

    def get(self, name: str) -> Bound:
        return self.args[name][0] if name in self.args else None

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.get(name)
        if isinstance(value, tuple):
            return value
        return () if value is None or isinstance(value, bool) else (value,)

    def text(self, name: str) -> str:
        value = self.get(name)
        return value if isinstance(value, str) else ""

    def has(self, name: str) -> bool:
        return name in self.args


def spec_of(command: Command) -> CmdletSpec:
    key = ALIASES.get(command.name.lower(), command.name.lower())
    if key not in CMDLETS:
        known = ", ".join(c.name for c in CMDLETS.values())
        raise BindError(
            f"The term '{command.name}' is not recognized as the name of a cmdlet, function, "
            f"script file, or operable program. (The sandbox knows: {known}.)"
        )
    return CMDLETS[key]


def bind(command: Command) -> Call:
    spec = spec_of(command)
    args: dict[str, tuple[Bound, int]] = {}
    items = list(command.items)
    positional = list(spec.positional)
    i = 0
    while i < len(items):
        item = items[i]
        i += 1
        if isinstance(item, Argument):
            free = [p for p in positional if p not in args]
            if not free:
                raise BindError(
                    "A positional parameter cannot be found that accepts argument "
                    f"'{_shown(item.value)}'."
                )
            args[free[0]] = (convert(free[0], spec.params[free[0]], item.value), item.line)
            continue
        name = resolve(spec, item)
        if name in args:
            raise BindError(
                f"Cannot bind parameter because parameter '{name}' is specified more than once. "
                "To provide multiple values to parameters that can accept multiple values, use "
                'the array syntax. For example, "-parameter value1,value2,value3".'
            )
        pspec = spec.params[name]
        value: Value
        if item.attached:
            value = item.value
        elif pspec.kind == "switch":
            value = True
        elif i < len(items) and isinstance(items[i], Argument):
            value = items[i].value
            i += 1
        else:
            raise BindError(
                f"Missing an argument for parameter '{name}'. Specify a parameter of type "
                f"'{pspec.shown_type}' and try again."
            )
        args[name] = (convert(name, pspec, value), item.line)
    return Call(spec.name, command.line, args)


def resolve(spec: CmdletSpec, param: Param) -> str:
    """The parameter `-name` means: exact (any case), else its only prefix match."""
    wanted = param.name.lower()
    for name in spec.params:
        if name.lower() == wanted:
            return name
    matches = [n for n in spec.params if n.lower().startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise BindError(
            f"Parameter cannot be processed because the parameter name '{param.name}' is "
            f"ambiguous. Possible matches include: {' '.join('-' + m for m in matches)}."
        )
    raise BindError(f"A parameter cannot be found that matches parameter name '{param.name}'.")


def convert(name: str, spec: Spec, value: Value) -> Bound:
    match spec.kind:
        case "switch" | "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value in ("0", "1"):
                return value == "1"
            if spec.kind == "switch":
                raise BindError(f"Cannot convert '{_shown(value)}' to a switch for '{name}'.")
            raise BindError(
                f"Cannot process argument transformation on parameter '{name}'. Cannot convert "
                f'value "{_type_of(value)}" to type "System.Boolean". Boolean parameters accept '
                "only Boolean values and numbers, such as $True, $False, 1 or 0."
            )
        case "string":
            if isinstance(value, tuple):
                raise BindError(
                    f"Cannot convert 'System.Object[]' to the type 'System.String' required by "
                    f"parameter '{name}'. Specified method is not supported."
                )
            return "" if value is None else _text(value)
        case "list":
            items = value if isinstance(value, tuple) else (value,)
            return tuple(_text(v) for v in items if v is not None)
        case "enum":
            if value is None:
                return None
            if isinstance(value, tuple):
                raise BindError(f"Cannot convert 'System.Object[]' for parameter '{name}'.")
            return _enum(name, spec, _text(value))
        case "flags":
            items = value if isinstance(value, tuple) else (value,)
            words = [w.strip() for v in items if v is not None for w in _text(v).split(",")]
            chosen = tuple(dict.fromkeys(_enum(name, spec, w) for w in words if w))
            return tuple(c for c in chosen if c != "None")


def _enum(name: str, spec: Spec, word: str) -> str:
    for choice in spec.choices:
        if choice.lower() == word.lower():
            return choice
    raise BindError(
        f"Cannot process argument transformation on parameter '{name}'. Unable to match the "
        f"identifier name {word} to a valid enumerator name. Specify one of the following "
        f"enumerator names and try again: {', '.join(spec.choices)}"
    )


def _text(value: Scalar) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return value or ""


def _type_of(value: Value) -> str:
    return "System.Object[]" if isinstance(value, tuple) else "System.String"


def _shown(value: Value) -> str:
    return ", ".join(_text(v) for v in value) if isinstance(value, tuple) else _text(value)
