"""Connector scripts run as the Exchange Management Shell runs them: defaults, binding, refusals."""

from __future__ import annotations

import codecs
import ipaddress
from pathlib import Path

import pytest

from sandbox.config.exchange.model import SERVER, Binding
from sandbox.config.exchange.reader import read_script, read_text
from sandbox.config.findings import ConfigError


def test_l42_setup_leaves_five_receive_connectors_and_no_send_connector() -> None:
    config = read_text("", "empty.ps1")
    table = {
        c.name: (c.role, sorted({b.port for b in c.bindings}), c.permission_groups)
        for c in config.receive
    }
    assert table == {
        f"Default {SERVER}": (
            "HubTransport",
            [2525],
            ("ExchangeUsers", "ExchangeServers", "ExchangeLegacyServers"),
        ),
        f"Client Proxy {SERVER}": ("HubTransport", [465], ("ExchangeUsers", "ExchangeServers")),
        f"Default Frontend {SERVER}": (
            "FrontendTransport",
            [25],
            ("AnonymousUsers", "ExchangeServers", "ExchangeLegacyServers"),
        ),
        f"Outbound Proxy Frontend {SERVER}": (
            "FrontendTransport",
            [717],
            ("AnonymousUsers", "ExchangeServers", "ExchangeLegacyServers"),
        ),
        f"Client Frontend {SERVER}": ("FrontendTransport", [587], ("ExchangeUsers",)),
    }
    assert config.send == ()
    frontend = config.receive_connector(f"{SERVER}\\Default Frontend {SERVER}")
    assert frontend is not None and not frontend.require_tls
    assert "BasicAuthRequireTLS" in frontend.auth_mechanism
    assert set(frontend.bindings) == {Binding.parse("0.0.0.0:25"), Binding.parse("[::]:25")}


@pytest.mark.parametrize(
    ("usage", "groups", "auth"),
    [
        ("Client", ("ExchangeUsers",), ("Tls", "Integrated", "BasicAuth", "BasicAuthRequireTLS")),
        ("Internal", ("ExchangeServers", "ExchangeLegacyServers"), ("Tls", "ExchangeServer")),
        ("Internet", ("AnonymousUsers",), ("Tls",)),
        ("Partner", ("Partners",), ("Tls",)),
        ("Custom", (), ("Tls",)),
    ],
)
def test_l42_usage_sets_permission_groups_and_auth(
    usage: str, groups: tuple[str, ...], auth: tuple[str, ...]
) -> None:
    script = (
        f"New-ReceiveConnector -Name N -Usage {usage} -Bindings 0.0.0.0:2526 "
        "-RemoteIPRanges 10.0.0.1"
    )
    c = read_text(script).receive_connector("N")
    assert c is not None and (c.permission_groups, c.auth_mechanism) == (groups, auth)
    switch = read_text(script.replace(f"-Usage {usage}", f"-{usage}")).receive_connector("N")
    assert switch is not None and switch.permission_groups == groups


def test_l40_parameters_bind_as_powershell_binds_them() -> None:
    config = read_text(
        "new-receiveconnector 'Relay' -transportrole frontendtransport -Custom `\n"
        "  -Bind 0.0.0.0:25 -RemoteIP 127.0.0.2,'192.0.2.0/24' -Perm:AnonymousUsers\n"
        "Set-ReceiveConnector Relay -RequireTLS:$true -AuthMechanism 'Tls, BasicAuth'\n"
        "Get-ReceiveConnector Relay | Set-ReceiveConnector -Fqdn relay.sandbox.test\n"
        "Get-ReceiveConnector 'EX01\\Relay' | Add-ADPermission -User 'NT AUTHORITY\\ANONYMOUS "
        "LOGON' -ExtendedRights Ms-Exch-SMTP-Accept-Any-Recipient\n"
        "New-SendConnector -Name Out -AddressSpaces 'SMTP:*;5',partner.test -RequireTLS 1 "
        "-TlsAuthLevel domainvalidation -TlsDomain mx.partner.test\n"
        "Get-SendConnector | Format-List\n"
    )
    relay = config.receive_connector("relay")
    assert relay is not None
    assert relay.role == "FrontendTransport" and relay.require_tls and relay.anonymous_relay
    assert relay.auth_mechanism == ("Tls", "BasicAuth")
    assert relay.fqdn == "relay.sandbox.test"
    assert [r.text for r in relay.remote_ranges] == ["127.0.0.2", "192.0.2.0/24"]
    assert ipaddress.ip_address("192.0.2.200") in relay.remote_ranges[1]
    assert relay.line_of("RequireTLS") == 3 and relay.line_of("anonymous_relay") == 5
    out = config.send_connector("out")
    assert out is not None and out.tls_auth_level == "DomainValidation"
    assert [str(a) for a in out.address_spaces] == ["SMTP:*;5", "SMTP:partner.test;1"]


@pytest.mark.parametrize(
    ("script", "line", "words"),
    [
        (
            "\nSet-ReceiveConnector 'Default Frontend EX01' -RequireTSL $true",
            2,
            "A parameter cannot be found that matches parameter name 'RequireTSL'.",
        ),
        (
            "Set-ReceiveConnector 'Nope' -RequireTLS $true",
            1,
            "The operation couldn't be performed because object 'Nope' couldn't be found.",
        ),
        (
            "Set-ReceiveConnector 'EX02\\Default Frontend EX01' -RequireTLS $true",
            1,
            "couldn't be found",
        ),
        (
            "Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS",
            1,
            "Missing an argument for parameter 'RequireTLS'. Specify a parameter of type "
            "'System.Boolean' and try again.",
        ),
        (
            "Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS yes",
            1,
            "Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 "
            "or 0.",
        ),
        (
            "Set-ReceiveConnector 'Default Frontend EX01' `\n -AuthMechanism BasicAuthRequireTLS",
            1,
            "BasicAuthRequireTLS authentication mechanism requires the BasicAuth and Tls",
        ),
        (
            "Set-ReceiveConnector 'Default Frontend EX01' -AuthMechanism Tls,Kerberos",
            1,
            "Unable to match the identifier name Kerberos to a valid enumerator name.",
        ),
        ("Set-ReceiveConnector 'Default Frontend EX01' -Re x", 1, "is ambiguous"),
        ("Set-ReceiveConnector 'Default Frontend EX01' extra words", 1, "positional parameter"),
        (
            "New-ReceiveConnector -Name X -Usage Internet",
            1,
            "missing mandatory parameters: Bindings",
        ),
        (
            "New-ReceiveConnector X -Internet -Bindings 0.0.0.0:25 -RemoteIPRanges "
            "0.0.0.0-255.255.255.255 -Bindings 0.0.0.0:25",
            1,
            "specified more than once",
        ),
        (
            "New-ReceiveConnector X -Internet -Bindings 0.0.0.0:25,[::]:25 -RemoteIPRanges "
            "0.0.0.0-255.255.255.255,'::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'",
            1,
            'conflict with the settings on Receive connector "EX01\\Default Frontend EX01"',
        ),
        (
            "New-ReceiveConnector X -Custom -Bindings 0.0.0.0:99999 -RemoteIPRanges 1.2.3.4",
            1,
            "IPBinding",
        ),
        (
            "New-ReceiveConnector X -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 9.9.9.9-1.1.1.1",
            1,
            "IPRange",
        ),
        (
            "New-ReceiveConnector X -Internet -Client -Bindings 0.0.0.0:25",
            1,
            "Parameter set cannot be resolved",
        ),
        ("New-SendConnector -Name O -AddressSpaces x400:foo", 1, "SMTP address spaces only"),
        (
            "New-SendConnector -Name O -AddressSpaces * -RequireTLS $true -IgnoreSTARTTLS $true",
            1,
            "can't both be $true",
        ),
        (
            "New-SendConnector -Name O -AddressSpaces * -SmartHosts relay.test",
            1,
            "DNSRoutingEnabled",
        ),
        ("New-SendConnector -Name O -AddressSpaces * -DNSRoutingEnabled $false", 1, "SmartHosts"),
        (
            "New-SendConnector -Name Out -AddressSpaces *\n"
            "Set-SendConnector 'EX01\\Out' -RequireTLS $true",
            2,
            "object 'EX01\\Out' couldn't be found",
        ),
        ("Format-Disk C:", 1, "The term 'Format-Disk' is not recognized"),
        ("Get-ReceiveConnector | Remove-Item x", 1, "Remove-Item"),
    ],
)
def test_l42_what_exchange_refuses_is_an_error_at_its_line(
    script: str, line: int, words: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        read_text(script, "c.ps1")
    assert (caught.value.path, caught.value.line) == ("c.ps1", line)
    assert words in caught.value.what


def test_l40_whatif_changes_nothing_and_remove_removes() -> None:
    config = read_text(
        "Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS $true -WhatIf\n"
        "Remove-ReceiveConnector 'Client Proxy EX01' -Confirm:$false\n"
    )
    frontend = config.receive_connector("Default Frontend EX01")
    assert frontend is not None and not frontend.require_tls
    assert config.receive_connector("Client Proxy EX01") is None


@pytest.mark.parametrize(
    ("data", "line", "words"),
    [
        (b"# ok\nSet-ReceiveConnector x\0y", 2, "NUL byte"),
        (b"# ok\n\n# caf\xe9\n", 3, "is not UTF-8"),
        (b"X 'never closed\n" + b"a\n" * 10, 1, "missing the terminator"),
        (b"X " + b"`" * 1_100_000, 1, "1 MiB"),
        (b"#" * (10 * 1024 * 1024), 1, "1 MiB"),
    ],
    ids=["nul", "latin-1", "unterminated", "backticks-over-1MiB", "10MB"],
)
def test_l41_hostile_scripts_are_one_clear_error(
    tmp_path: Path, data: bytes, line: int, words: str
) -> None:
    path = tmp_path / "hostile.ps1"
    path.write_bytes(data)
    with pytest.raises(ConfigError) as caught:
        read_script(path)
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert words in caught.value.what


def test_l41_utf16_with_bom_as_windows_powershell_saves_it(tmp_path: Path) -> None:
    path = tmp_path / "utf16.ps1"
    script = "Set-ReceiveConnector 'Default Frontend EX01' -Fqdn mx.sandbox.test\r\n"
    path.write_bytes(codecs.BOM_UTF16_LE + script.encode("utf-16-le"))
    frontend = read_script(path).receive_connector("Default Frontend EX01")
    assert frontend is not None and frontend.fqdn == "mx.sandbox.test"


def test_l41_a_fifo_or_a_missing_file_is_an_error_not_a_hang(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "fifo.ps1"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        read_script(fifo)
    with pytest.raises(ConfigError, match="cannot read"):
        read_script(tmp_path / "missing.ps1")
