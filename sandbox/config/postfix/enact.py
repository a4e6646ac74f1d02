"""What the sandbox runs for a Postfix configuration: a listener per smtpd service, and the client.

    config = read_postfix("lab/main.cf", "lab/master.cf")
    plan = enact(config, Path("lab"))
    for listener in plan.listeners:   # each: the service, its ServerPolicy, its chain files
        server = SandboxServer(listener.policy, chain=listener.chain)
        await server.start(port=0)     # 25 -> a free loopback port (`listener.port` says 25)
    plan.client.level_for("example.test")   # smtp_tls_security_level and smtp_tls_policy_maps

Every value is taken as Postfix takes it for that service (main.cf, then its `-o` overrides);
what Postfix would refuse is a `ConfigError` at the line that says it; what Postfix accepts but
the sandbox does not simulate is a note, never silence. Certificates and keys are read only from
the lab's folder (`sandbox/pki/labkeys.py`).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.client import ClientSide, enact_client
from sandbox.config.postfix.lines import Note
from sandbox.config.postfix.reader import PostfixConfig, Service
from sandbox.config.postfix.values import PROTOCOLS, boolean, choice, integer, protocols, words
from sandbox.pki.labkeys import OutsideLabFolder, resolve
from sandbox.safety.files import atomic_write, read_user_file
from sandbox.safety.loopback import is_loopback
from sandbox.smtpd.policy import RELAY_RESTRICTIONS, RelayRestriction, ServerPolicy, TlsLevel
from sandbox.smtpd.server import ChainFiles

NO_SIZE_LIMIT = 2**31 - 1
"""`message_size_limit = 0` (no limit) as the sandbox bounds it; its stores are bounded anyway."""
PEM_MAX = 256 * 1024


@dataclass(frozen=True, slots=True)
class Listener:
    """One smtpd service: where the config says it listens and what the sandbox runs there."""

    service: Service
    port: int  # the port master.cf names (25, 587, 465...): the sandbox listens on a free one
    policy: ServerPolicy
    chain: ChainFiles | None

    @property
    def label(self) -> str:
        return f"{self.service.key} (port {self.port})"


@dataclass(frozen=True, slots=True)
class Enactment:
    listeners: tuple[Listener, ...]
    client: ClientSide
    notes: tuple[Note, ...]


def enact(config: PostfixConfig, lab_folder: Path) -> Enactment:
    notes: list[Note] = list(config.main.notes)
    listeners = tuple(_listener(config, s, lab_folder, notes) for s in config.smtpd_services())
    if not listeners:
        raise ConfigError(config.master_path, 0, "no smtpd service of type inet: nothing listens")
    client = enact_client(config, lab_folder, notes)
    return Enactment(listeners, client, tuple(notes))


class _Service:
    """The values of one service, each read with its file and line for errors."""

    def __init__(self, config: PostfixConfig, service: Service, notes: list[Note]) -> None:
        self.config, self.service, self.notes = config, service, notes

    def raw(self, name: str) -> str:
        return self.config.value(name, self.service)

    def where(self, name: str) -> tuple[str, int]:
        return self.config.where(name, self.service)

    def bool(self, name: str) -> bool:
        return boolean(name, self.raw(name), self.where(name))

    def int(self, name: str, minimum: int = 0) -> int:
        return integer(name, self.raw(name), self.where(name), minimum=minimum)

    def note(self, name: str, what: str) -> None:
        path, line = self.where(name)
        self.notes.append(Note(path, line, f"{self.service.key}: {what}"))


def _listener(config: PostfixConfig, service: Service, lab: Path, notes: list[Note]) -> Listener:
    v = _Service(config, service, notes)
    host = service.name.rpartition(":")[0].strip("[]")
    if host and not is_loopback(host):
        notes.append(
            Note(service.path, service.line, f"{service.key}: listens on loopback, not {host}")
        )
    wrapper = v.bool("smtpd_tls_wrappermode")
    level = _tls_level(v, wrapper)
    chain = _chain(v, lab) if level != "none" else None
    if level != "none" and chain is None:
        if level == "encrypt" or wrapper:
            raise ConfigError(
                *v.where("smtpd_tls_security_level"),
                f"{service.key}: No server certs available. TLS can't be enabled "
                "(set smtpd_tls_chain_files, or smtpd_tls_cert_file and smtpd_tls_key_file)",
            )
        v.note("smtpd_tls_security_level", "No server certs available. TLS won't be enabled")
        level = "none"
    mandatory = level == "encrypt"
    proto_name = "smtpd_tls_mandatory_protocols" if mandatory else "smtpd_tls_protocols"
    low, high = _versions(v, proto_name)
    cipher_name = "smtpd_tls_mandatory_ciphers" if mandatory else "smtpd_tls_ciphers"
    ciphers = choice(
        cipher_name, v.raw(cipher_name), v.where(cipher_name),
        ("export", "low", "medium", "high", "null"),
    )  # fmt: skip
    if ciphers not in ("medium", "high"):
        v.note(cipher_name, f"{cipher_name} = {ciphers}: the sandbox offers only modern suites")
    sasl = v.bool("smtpd_sasl_auth_enable")
    size = v.int("message_size_limit")
    hostname = v.raw("myhostname")
    if not hostname or any(not (c.isalnum() or c in ".-") for c in hostname):
        raise ConfigError(*v.where("myhostname"), f"myhostname {hostname!r} is not a host name")
    try:
        policy = ServerPolicy(
            tls_level=level,
            implicit_tls=wrapper,
            auth_only_after_tls=v.bool("smtpd_tls_auth_only"),
            sasl_enabled=sasl,
            auth_required=sasl and _auth_required(v),
            min_tls_version=low,
            max_tls_version=high,
            max_message_size=size or NO_SIZE_LIMIT,
            max_recipients=v.int("smtpd_recipient_limit", minimum=1),
            max_errors=v.int("smtpd_hard_error_limit", minimum=1),
            relay_restrictions=_relay_restrictions(v),
            mynetworks=_mynetworks(v),
            helo_required=v.bool("smtpd_helo_required"),
            tls_ciphers=ciphers,
            tls_loglevel=v.int("smtpd_tls_loglevel"),
            tls_received_header=v.bool("smtpd_tls_received_header"),
            hostname=hostname,
            local_domains=tuple(
                d.lower() for d in words(v.raw("mydestination")) + words(v.raw("relay_domains"))
            ),
        )
    except ConfigError:
        raise
    except ValueError as error:  # a value ServerPolicy refuses: say where the learner set it
        raise ConfigError(service.path, service.line, f"{service.key}: {error}") from None
    return Listener(service, service.port or 25, policy, chain)


def _tls_level(v: _Service, wrapper: bool) -> TlsLevel:
    value = v.raw("smtpd_tls_security_level")
    level: TlsLevel
    if value:
        allowed = ("none", "may", "encrypt")
        level = choice(
            "smtpd_tls_security_level", value, v.where("smtpd_tls_security_level"), allowed
        )  # type: ignore[assignment]
    elif v.bool("smtpd_enforce_tls"):  # the obsolete pair, used only when the level is empty
        level = "encrypt"
    elif v.bool("smtpd_use_tls"):
        level = "may"
    else:
        level = "none"
    if wrapper and level == "none":
        v.note("smtpd_tls_wrappermode", "wrapper mode without a TLS level: TLS is required")
        level = "encrypt"
    return level


def _versions(v: _Service, name: str) -> tuple[ssl.TLSVersion, ssl.TLSVersion | None]:
    allowed = protocols(name, v.raw(name), v.where(name))
    modern = [p for p in allowed if p in ("TLSv1.2", "TLSv1.3")]
    if len(modern) < len(allowed):
        v.note(name, "TLS below 1.2 allowed: the sandbox never offers it (RFC 8996)")
    if not modern:
        raise ConfigError(*v.where(name), f"{name} allows only TLS below 1.2: never offered here")
    low, high = PROTOCOLS[modern[0]], PROTOCOLS[modern[-1]]
    assert low is not None and high is not None
    return low, (None if high == ssl.TLSVersion.TLSv1_3 else high)


def _auth_required(v: _Service) -> bool:
    # The submission pattern: permit_sasl_authenticated then reject, for the client or the
    # recipient: mail only after AUTH. Other restriction lists are not simulated (a note).
    for name in ("smtpd_client_restrictions", "smtpd_recipient_restrictions"):
        items = words(v.raw(name))
        if items[:2] == ["permit_sasl_authenticated", "reject"]:
            return True
        if items and name == "smtpd_client_restrictions":
            v.note(name, f"{name} = {v.raw(name)} is not simulated by the sandbox")
    return False


def _relay_restrictions(v: _Service) -> tuple[RelayRestriction, ...]:
    name = "smtpd_relay_restrictions"
    items = words(v.raw(name))
    if not items:  # Postfix before 2.10: the relay rules sit in smtpd_recipient_restrictions
        name = "smtpd_recipient_restrictions"
        items = words(v.raw(name))
    kept: list[RelayRestriction] = []
    for item in items:
        if item in RELAY_RESTRICTIONS:
            kept.append(item)
        elif item != "reject" or name != "smtpd_recipient_restrictions":
            v.note(name, f"{item} is not simulated by the sandbox")
    if not any(i.endswith("_unauth_destination") for i in kept) and "reject" not in items:
        raise ConfigError(
            *v.where(name),
            "in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at "
            "least one working instance of: reject_unauth_destination, defer_unauth_destination, "
            "reject, defer, defer_all or defer_if_permit",
        )
    return tuple(kept)


def _mynetworks(v: _Service) -> tuple[str, ...]:
    import ipaddress

    networks: list[str] = []
    for item in words(v.raw("mynetworks")):
        text = item.replace("[", "").replace("]", "")
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            v.note("mynetworks", f"{item} is not an address or network: not simulated")
    return tuple(networks)


def _chain(v: _Service, lab: Path) -> ChainFiles | None:
    """The chain files the service names, resolved inside the lab folder, or None."""
    files = words(v.raw("smtpd_tls_chain_files"))
    if files:
        paths = [_lab_path(v, "smtpd_tls_chain_files", f, lab) for f in files]
        named = tuple(files)
        if len(paths) == 1:
            return ChainFiles(paths[0], paths[0], named)
        if len(paths) == 2:
            return ChainFiles(paths[1], paths[0], named)
        return ChainFiles(_joined(paths[1:], lab, v.service), paths[0], named)
    cert = v.raw("smtpd_tls_cert_file")
    if not cert:
        return None
    key = v.raw("smtpd_tls_key_file") or cert
    return ChainFiles(
        _lab_path(v, "smtpd_tls_cert_file", cert, lab),
        _lab_path(v, "smtpd_tls_key_file", key, lab),
        (key, cert),
        chain_files=False,
    )


def _lab_path(v: _Service, name: str, value: str, lab: Path) -> Path:
    try:
        return resolve(lab, value)
    except OutsideLabFolder as error:
        raise ConfigError(
            *v.where(name), f"{name}: {error}; the sandbox reads keys only from there"
        ) from None


def _joined(paths: list[Path], lab: Path, service: Service) -> Path:
    """Several certificate files as one, in their order (Postfix reads them as one chain);
    a file that cannot be read is left out, so loading fails as Postfix's does."""
    data = []
    for path in paths:
        try:
            data.append(read_user_file(path, PEM_MAX))
        except (OSError, ValueError):
            continue
    out = lab / f".chain-{service.name.replace(':', '_')}.pem"
    atomic_write(out, b"".join(data), mode=0o600)
    return out
