"""`smtp-tutor exchange check`: the linter's findings, in both languages, and its exit status."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox.config.exchange.lint import CHECKS, lint
from sandbox.config.exchange.reader import read_text
from sandbox.config.findings import Level
from tutor.cli.main import main

FRONTEND = "Set-ReceiveConnector 'Default Frontend EX01'"
OPEN = "-RemoteIPRanges 0.0.0.0-255.255.255.255"
FRONT = "-TransportRole FrontendTransport -Bindings 0.0.0.0:25"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("", []),
        (
            f"{FRONTEND} -TlsCertificateName 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'",
            [("certificate-thumbprint", Level.ERROR, 1)],
        ),
        (
            f"{FRONTEND} -TlsCertificateName 'CN=mail.sandbox.test'",
            [("certificate-name-form", Level.WARNING, 1)],
        ),
        (f"{FRONTEND} -TlsCertificateName '<I>CN=CA<S>CN=mail.sandbox.test'", []),
        ("\n" + f"{FRONTEND} -RequireTLS $true", [("require-tls-internet", Level.ERROR, 2)]),
        (
            "New-ReceiveConnector P -Custom -Bindings 0.0.0.0:2526 -RemoteIPRanges 192.0.2.7 "
            "-PermissionGroups AnonymousUsers -AuthMechanism None -RequireTLS $true",
            [("require-tls-without-tls", Level.ERROR, 1)],
        ),
        (
            "New-SendConnector -Name O -AddressSpaces * -RequireTLS $true "
            "-TlsAuthLevel DomainValidation",
            [("domain-validation-without-domain", Level.WARNING, 1)],
        ),
        (
            "New-SendConnector -Name O -AddressSpaces * -TlsAuthLevel EncryptionOnly",
            [("tls-auth-level-without-require-tls", Level.WARNING, 1)],
        ),
        (
            f"New-ReceiveConnector P -Partner {FRONT} -RemoteIPRanges 198.51.100.7",
            [("partner-needs-mutual-tls", Level.WARNING, 1)],
        ),
        (
            f"New-ReceiveConnector R -Custom {FRONT} {OPEN} "
            "-PermissionGroups AnonymousUsers\n"
            "Get-ReceiveConnector R | Add-ADPermission -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
            "-ExtendedRights Ms-Exch-SMTP-Accept-Any-Recipient",
            [("open-relay", Level.ERROR, 2)],
        ),
        (
            f"New-ReceiveConnector R -Custom -Bindings 0.0.0.0:2526 {OPEN},'::/0' "
            "-PermissionGroups ExchangeServers,AnonymousUsers -AuthMechanism "
            "Tls,ExternalAuthoritative",
            [("open-relay", Level.ERROR, 1)],
        ),
        (  # the same relay, limited to one device: fine
            f"New-ReceiveConnector R -Custom {FRONT} "
            "-RemoteIPRanges 192.0.2.10 "
            "-PermissionGroups AnonymousUsers\n"
            "Get-ReceiveConnector R | Add-ADPermission -User 'NT AUTHORITY\\ANONYMOUS LOGON' "
            "-ExtendedRights Ms-Exch-SMTP-Accept-Any-Recipient",
            [],
        ),
        (
            f"{FRONTEND} -AuthMechanism Tls, BasicAuth",
            [("basic-auth-before-tls", Level.WARNING, 1)],
        ),
        (
            "New-ReceiveConnector Scanner -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 192.0.2.9",
            [("hub-transport-on-port-25", Level.ERROR, 1)],
        ),
        (
            "New-ReceiveConnector Scanner -Custom -TransportRole FrontendTransport "
            "-Bindings 0.0.0.0:25 -RemoteIPRanges 192.0.2.9",
            [],
        ),
    ],
)
def test_l45_findings(script: str, expected: list[tuple[str, Level, int]]) -> None:
    found = lint(read_text(script, "c.ps1"))
    assert [(f.key, f.level, f.line) for f in found] == expected


def test_l45_every_finding_has_english_and_japanese_words() -> None:
    script = (
        f"{FRONTEND} -RequireTLS $true -TlsCertificateName 'AB' -AuthMechanism Tls,BasicAuth\n"
        f"{FRONTEND} -TlsCertificateName 'A1B2C3D4E5F60718293A4B5C6D7E8F9012345678'\n"
        "New-ReceiveConnector N -Custom -Bindings 0.0.0.0:2526 -RemoteIPRanges 1.2.3.4 "
        "-AuthMechanism None -RequireTLS $true\n"
        "New-SendConnector -Name O -AddressSpaces * -RequireTLS $true -TlsAuthLevel "
        "DomainValidation\n"
        "New-SendConnector -Name O2 -AddressSpaces x.test -TlsAuthLevel EncryptionOnly\n"
        f"New-ReceiveConnector P -Partner {FRONT} -RemoteIPRanges 198.51.100.7\n"
        f"New-ReceiveConnector R -Custom -Bindings 0.0.0.0:2527 {OPEN} -PermissionGroups "
        "ExchangeServers -AuthMechanism Tls,ExternalAuthoritative\n"
        "New-ReceiveConnector H -Custom -Bindings 0.0.0.0:25 -RemoteIPRanges 192.0.2.9\n"
    )
    found = lint(read_text(script, "all.ps1"))
    assert len({f.key for f in found}) >= len(CHECKS)
    for f in found:
        en, ja = f.text("en"), f.text("ja")
        assert en != ja and all((en.what, en.why, en.fix, ja.what, ja.why, ja.fix))
        assert any(ord(ch) > 0x3000 for ch in ja.what + ja.why)


def test_l45_exchange_check_exits_1_on_an_error_0_on_warnings_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.ps1"
    bad.write_text(f"# public MX\n{FRONTEND} -RequireTLS $true\n")
    assert main(["exchange", "check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{bad}:2: error: -RequireTLS $true on 'Default Frontend EX01'")
    assert main(["exchange", "check", str(bad), "--lang", "ja"]) == 1
    assert "インターネット" in capsys.readouterr().out
    warn = tmp_path / "warn.ps1"
    warn.write_text(f"{FRONTEND} -AuthMechanism Tls,BasicAuth\n")
    assert main(["exchange", "check", str(warn)]) == 0
    assert f"{warn}:1: warning:" in capsys.readouterr().out


def test_l45_a_script_exchange_refuses_is_one_file_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "typo.ps1"
    script.write_text("\n\nSet-ReceiveConnector 'Default Frontend EX01' -RequireTSL $true\n")
    assert main(["exchange", "check", str(script)]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"{script}:3: error: A parameter cannot be found that matches parameter name "
        "'RequireTSL'.\n"
    )
