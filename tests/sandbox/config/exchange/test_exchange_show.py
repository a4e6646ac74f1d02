"""Connectors printed as Get-ReceiveConnector | Format-List and Get-SendConnector print them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.config.exchange.reader import read_text
from sandbox.config.exchange.show import (
    format_list,
    receive_properties,
    receive_table,
    send_properties,
    send_table,
)
from tutor.cli.main import main


def test_l46_format_list_of_the_default_frontend_connector() -> None:
    config = read_text("Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS $true")
    frontend = config.receive_connector("Default Frontend EX01")
    assert frontend is not None
    assert format_list(receive_properties(frontend)) == [
        "AuthMechanism      : Tls, Integrated, BasicAuth, BasicAuthRequireTLS, ExchangeServer",
        "Bindings           : {0.0.0.0:25, [::]:25}",
        "Enabled            : True",
        "Fqdn               : ex01.sandbox.test",
        "PermissionGroups   : AnonymousUsers, ExchangeServers, ExchangeLegacyServers",
        "RemoteIPRanges     : {0.0.0.0-255.255.255.255, "
        "::-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff}",
        "RequireTLS         : True",
        "TlsCertificateName :",
        "TransportRole      : FrontendTransport",
        "Identity           : EX01\\Default Frontend EX01",
        "Name               : Default Frontend EX01",
    ]


def test_l46_tables_of_receive_and_send_connectors() -> None:
    config = read_text(
        "New-SendConnector -Name 'To partner' -AddressSpaces partner.test,'SMTP:*.partner.test;2' "
        "-RequireTLS $true -TlsAuthLevel DomainValidation -TlsDomain mx.partner.test"
    )
    assert receive_table(config.receive[2:3]) == [
        "Identity                   Bindings              Enabled",
        "--------                   --------              -------",
        "EX01\\Default Frontend EX01 {0.0.0.0:25, [::]:25} True",
    ]
    assert send_table(config.send) == [
        "Identity   AddressSpaces                                Enabled",
        "--------   -------------                                -------",
        "To partner {SMTP:partner.test;1, SMTP:*.partner.test;2} True",
    ]
    props = dict(send_properties(config.send[0]))
    assert (props["RequireTLS"], props["TlsAuthLevel"], props["TlsDomain"]) == (
        "True",
        "DomainValidation",
        "mx.partner.test",
    )


def test_l46_exchange_show_prints_what_the_sandbox_does_and_where_it_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "c.ps1"
    script.write_text("Set-ReceiveConnector 'Default Frontend EX01' -RequireTLS $true\n")
    assert main(["exchange", "show", str(script), "Default Frontend EX01"]) == 0
    out = capsys.readouterr().out
    assert "PS> Get-ReceiveConnector 'EX01\\Default Frontend EX01' | Format-List" in out
    assert "RequireTLS         : True" in out
    assert "smtpd_tls_security_level = encrypt" in out
    assert "451 5.7.3 STARTTLS is required to send mail" in out
    assert main(["exchange", "show", str(script), "Nope"]) == 1
