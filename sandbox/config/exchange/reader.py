"""A script of Exchange connector cmdlets, run as the Exchange Management Shell would run it.

    config = read_script(Path("connectors.ps1"))   # or read_text(text, "connectors.ps1")
    config.receive_connector("Default Frontend EX01").require_tls

The script starts from the five receive connectors setup creates
(`model.default_receive_connectors`) and no send connector. Each statement is checked as
Exchange checks it when the cmdlet runs, and the first refusal is a `ConfigError` at its line, in
the cmdlet's words where known (properties.md L40, L42).
Nothing but `ConfigError` escapes, whatever the bytes (L41).
"""

from __future__ import annotations

import codecs
from dataclasses import replace
from pathlib import Path

from sandbox.config.exchange import model
from sandbox.config.exchange.cmdlets import BindError, Call, bind
from sandbox.config.exchange.model import (
    AddressSpace,
    Binding,
    ExchangeConfig,
    IpRange,
    ReceiveConnector,
    SendConnector,
    ValueProblem,
)
from sandbox.config.exchange.pstokens import Pipeline, tokenize
from sandbox.config.findings import ConfigError
from sandbox.safety.errors import UnsafeFileError
from sandbox.safety.files import read_user_file

MAX_SCRIPT_BYTES = 1024 * 1024
"""A connector script is a few kilobytes; past this, it is refused unread (L41)."""


def read_script(path: Path) -> ExchangeConfig:
    """Read and run the script at `path`; `ConfigError` for anything it cannot be."""
    name = str(path)
    try:
        data = read_user_file(path, MAX_SCRIPT_BYTES, follow_links=True)
    except UnsafeFileError as exc:
        raise ConfigError(
            name, 1, f"refused: {exc} (a connector script is at most 1 MiB)"
        ) from None
    except OSError as exc:
        raise ConfigError(name, 1, f"cannot read the script: {exc.strerror or exc}") from None
    return read_text(decode(data, name), name)


def decode(data: bytes, path: str) -> str:
    """UTF-8 (a BOM allowed), or UTF-16 with its BOM as Windows PowerShell 5 saves scripts."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ConfigError(path, 1, f"not valid UTF-16 ({exc.reason})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            path, line, f"byte 0x{data[exc.start]:02x} is not UTF-8: save the script as UTF-8"
        ) from None
    return text


def read_text(text: str, path: str = "<script>") -> ExchangeConfig:
    if len(text) > MAX_SCRIPT_BYTES:
        raise ConfigError(
            path, 1, "refused: the script is over 1 MiB (a connector script is small)"
        )
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise ConfigError(path, line, "a NUL byte: this is not a text script")
    run = _Run(path)
    for statement in tokenize(text, path):
        run.statement(statement)
    return ExchangeConfig(path, tuple(run.receive.values()), tuple(run.send.values()))


class _Run:
    def __init__(self, path: str) -> None:
        self.path = path
        self.receive = {c.name.lower(): c for c in model.default_receive_connectors()}
        self.send: dict[str, SendConnector] = {}

    def statement(self, pipeline: Pipeline) -> None:
        try:
            calls = [bind(c) for c in pipeline]
        except BindError as exc:
            raise self._error(pipeline[0].line, str(exc)) from None
        try:
            self._run(calls)
        except (BindError, ValueProblem) as exc:
            raise self._error(calls[0].line, str(exc)) from None

    def _error(self, line: int, what: str) -> ConfigError:
        return ConfigError(self.path, line, what)

    def _run(self, calls: list[Call]) -> None:
        first, rest = calls[0], calls[1:]
        if first.get("WhatIf"):
            return  # -WhatIf: the shell says what would happen and does nothing
        targets: list[str] | None = None
        if first.cmdlet in ("Get-ReceiveConnector", "Get-SendConnector"):
            targets = self._get(first)
            if not rest:
                return
            first, rest = rest[0], rest[1:]
        if any(c.cmdlet not in ("Format-List", "Format-Table") for c in rest):
            raise BindError(
                "The sandbox runs pipelines of Get-ReceiveConnector or Get-SendConnector into one "
                "cmdlet (Set-..., Add-ADPermission, Remove-..., Format-List) only."
            )
        if first.cmdlet in ("Format-List", "Format-Table"):
            return
        for identity in targets if targets is not None else [None]:
            self._apply(first, identity)

    def _get(self, call: Call) -> list[str]:
        table: dict[str, ReceiveConnector] | dict[str, SendConnector]
        table = self.receive if call.cmdlet == "Get-ReceiveConnector" else self.send
        identity = call.get("Identity")
        if not identity:
            return [c.name for c in table.values()]
        return [self._find(table, str(identity)).name]

    def _find(
        self, table: dict[str, ReceiveConnector] | dict[str, SendConnector], identity: str
    ) -> ReceiveConnector | SendConnector:
        # a receive connector is SERVER\NAME (or NAME); a send connector, of the whole
        # organisation, is its NAME alone
        server, sep, name = identity.rpartition("\\")
        found = table.get(name.strip().lower())
        on_server = isinstance(found, ReceiveConnector) and server.strip().upper() == model.SERVER
        if found is None or (sep and not on_server):
            raise BindError(
                f"The operation couldn't be performed because object '{identity}' couldn't be "
                "found."
            )
        return found

    def _identity(self, call: Call, piped: str | None) -> str:
        identity = piped if piped is not None else call.get("Identity")
        if not identity:
            raise BindError(
                "Cannot process command because of one or more missing mandatory parameters: "
                "Identity."
            )
        return str(identity)

    def _apply(self, call: Call, piped: str | None) -> None:
        match call.cmdlet:
            case "New-ReceiveConnector":
                self._new_receive(call)
            case "Set-ReceiveConnector":
                old = self._find(self.receive, self._identity(call, piped))
                assert isinstance(old, ReceiveConnector)
                self._store_receive(_set_receive(old, call), old.name)
            case "New-SendConnector":
                self._new_send(call)
            case "Set-SendConnector":
                olds = self._find(self.send, self._identity(call, piped))
                assert isinstance(olds, SendConnector)
                self._store_send(_set_send(olds, call), olds.name)
            case "Remove-ReceiveConnector":
                gone = self._find(self.receive, self._identity(call, piped))
                del self.receive[gone.name.lower()]
            case "Remove-SendConnector":
                gone = self._find(self.send, self._identity(call, piped))
                del self.send[gone.name.lower()]
            case "Add-ADPermission":
                self._permission(call, piped)
            case _:
                raise BindError(f"{call.cmdlet} only reads; here it changes nothing.")

    # --- receive connectors --------------------------------------------------------------------

    def _new_receive(self, call: Call) -> None:
        kinds = [u for u in model.RECEIVE_USAGES if call.get(u)]
        if len(kinds) > 1 or (kinds and call.has("Usage")):
            raise BindError(
                "Parameter set cannot be resolved using the specified named parameters."
            )
        usage = str(call.get("Usage") or (kinds[0] if kinds else "Custom"))
        missing = [p for p in ("Name", "Bindings") if not call.get(p)]
        if usage in ("Custom", "Partner") and not call.get("RemoteIPRanges"):
            missing.append("RemoteIPRanges")
        if missing:
            raise BindError(
                "Cannot process command because of one or more missing mandatory parameters: "
                f"{' '.join(missing)}."
            )
        name = str(call.get("Name"))
        if name.lower() in self.receive:
            raise BindError(f"A Receive connector named '{name}' already exists on {model.SERVER}.")
        groups, auth = model.USAGE_PRESETS[usage]
        role: model.Role = (
            "FrontendTransport"
            if call.text("TransportRole") == "FrontendTransport"
            else "HubTransport"
        )
        base = ReceiveConnector(
            name,
            role,
            (),
            usage=usage,
            permission_groups=groups,
            auth_mechanism=auth,
            line=call.line,
        )
        self._store_receive(_set_receive(base, call), None)

    def _store_receive(self, new: ReceiveConnector, old_name: str | None) -> None:
        _check_receive(new)
        for other in self.receive.values():
            if other.name == old_name or other.name == new.name:
                continue
            if set(other.bindings) == set(new.bindings) and set(other.remote_ranges) == set(
                new.remote_ranges
            ):
                raise BindError(
                    "The values that you specified for the Bindings and RemoteIPRanges "
                    "parameters conflict with the settings on Receive connector "
                    f'"{other.identity}". '
                    "Receive connectors assigned to the same server must have unique values for "
                    "the Bindings and RemoteIPRanges parameters."
                )
        if old_name is not None and old_name.lower() != new.name.lower():
            if new.name.lower() in self.receive:
                raise BindError(f"A Receive connector named '{new.name}' already exists.")
            del self.receive[old_name.lower()]
        self.receive[new.name.lower()] = new

    def _permission(self, call: Call, piped: str | None) -> None:
        connector = self._find(self.receive, self._identity(call, piped))
        assert isinstance(connector, ReceiveConnector)
        rights = {r.lower() for r in call.strings("ExtendedRights")}
        user = str(call.get("User") or "")
        if (
            model.ACCEPT_ANY_RECIPIENT.lower() in rights
            and user.lower() == model.ANONYMOUS_LOGON.lower()
        ):
            lines = dict(connector.lines, anonymous_relay=call.line)
            self.receive[connector.name.lower()] = replace(
                connector, anonymous_relay=True, lines=lines
            )

    # --- send connectors ----------------------------------------------------------------------

    def _new_send(self, call: Call) -> None:
        kinds = [u for u in model.SEND_USAGES if call.get(u)]
        if len(kinds) > 1 or (kinds and call.has("Usage")):
            raise BindError(
                "Parameter set cannot be resolved using the specified named parameters."
            )
        missing = [p for p in ("Name", "AddressSpaces") if not call.get(p)]
        if missing:
            raise BindError(
                "Cannot process command because of one or more missing mandatory parameters: "
                f"{' '.join(missing)}."
            )
        name = str(call.get("Name"))
        if name.lower() in self.send:
            raise BindError(f"A Send connector named '{name}' already exists.")
        usage = str(call.get("Usage") or (kinds[0] if kinds else "Custom"))
        base = SendConnector(name, (), usage=usage, line=call.line)
        self._store_send(_set_send(base, call), None)

    def _store_send(self, new: SendConnector, old_name: str | None) -> None:
        _check_send(new)
        if old_name is not None and old_name.lower() != new.name.lower():
            if new.name.lower() in self.send:
                raise BindError(f"A Send connector named '{new.name}' already exists.")
            del self.send[old_name.lower()]
        self.send[new.name.lower()] = new


_RECEIVE_FIELDS = {
    "Name": "name",
    "RequireTLS": "require_tls",
    "TlsCertificateName": "tls_certificate_name",
    "Fqdn": "fqdn",
    "Enabled": "enabled",
    "PermissionGroups": "permission_groups",
    "AuthMechanism": "auth_mechanism",
}
_SEND_FIELDS = {
    "Name": "name",
    "RequireTLS": "require_tls",
    "TlsAuthLevel": "tls_auth_level",
    "TlsDomain": "tls_domain",
    "IgnoreSTARTTLS": "ignore_starttls",
    "DNSRoutingEnabled": "dns_routing",
    "TlsCertificateName": "tls_certificate_name",
    "Fqdn": "fqdn",
    "Enabled": "enabled",
}


def _set_receive(connector: ReceiveConnector, call: Call) -> ReceiveConnector:
    changes: dict[str, object] = {
        field: call.get(param) for param, field in _RECEIVE_FIELDS.items() if call.has(param)
    }
    if call.has("Bindings"):
        changes["bindings"] = tuple(Binding.parse(b) for b in call.strings("Bindings"))
    if call.has("RemoteIPRanges"):
        changes["remote_ranges"] = tuple(IpRange.parse(r) for r in call.strings("RemoteIPRanges"))
    lines = dict(connector.lines)
    lines.update({param: line for param, (_, line) in call.args.items()})
    return replace(connector, **changes, lines=lines)  # type: ignore[arg-type]


def _set_send(connector: SendConnector, call: Call) -> SendConnector:
    changes: dict[str, object] = {
        field: call.get(param) for param, field in _SEND_FIELDS.items() if call.has(param)
    }
    if call.has("AddressSpaces"):
        changes["address_spaces"] = tuple(
            AddressSpace.parse(a) for a in call.strings("AddressSpaces")
        )
    if call.has("SmartHosts"):
        changes["smart_hosts"] = call.strings("SmartHosts")
    lines = dict(connector.lines)
    lines.update({param: line for param, (_, line) in call.args.items()})
    return replace(connector, **changes, lines=lines)  # type: ignore[arg-type]


def _check_receive(c: ReceiveConnector) -> None:
    """What Exchange refuses when it saves a receive connector (L42)."""
    auth = set(c.auth_mechanism)
    if "BasicAuthRequireTLS" in auth and not {"BasicAuth", "Tls"} <= auth:
        raise BindError(
            "The BasicAuthRequireTLS authentication mechanism requires the BasicAuth and Tls "
            "authentication mechanisms: write -AuthMechanism Tls, BasicAuth, BasicAuthRequireTLS."
        )
    if "ExternalAuthoritative" in auth and "ExchangeServers" not in c.permission_groups:
        raise BindError(
            "The ExternalAuthoritative authentication mechanism requires the ExchangeServers "
            "permission group."
        )
    if not c.bindings:
        raise BindError("The Bindings parameter can't be empty.")
    if not c.remote_ranges:
        raise BindError("The RemoteIPRanges parameter can't be empty.")


def _check_send(c: SendConnector) -> None:
    """What Exchange refuses when it saves a send connector (L42)."""
    if not c.address_spaces:
        raise BindError("The AddressSpaces parameter can't be empty.")
    if c.ignore_starttls and c.require_tls:
        raise BindError(
            "RequireTLS and IgnoreSTARTTLS can't both be $true: a connector can't demand TLS "
            "and refuse to start it."
        )
    if not c.dns_routing and not c.smart_hosts:
        raise BindError(
            "DNSRoutingEnabled is $false, so the connector needs SmartHosts: name the hosts it "
            "sends through, or set -DNSRoutingEnabled $true."
        )
    if c.dns_routing and c.smart_hosts:
        raise BindError(
            "SmartHosts can't be used while DNSRoutingEnabled is $true: add -DNSRoutingEnabled "
            "$false."
        )
