"""`smtp-tutor exchange check SCRIPT` and `smtp-tutor exchange show SCRIPT`: Exchange connectors.

`check` runs the script as the Exchange Management Shell would (an error it refuses is one
`FILE:LINE: error: ...` line) and then the linter: each finding as `FILE:LINE: level: what`, then
why and the fix, in the chosen language. Exit 1 when there is an error, else 0.
`show` prints the connectors as `Get-ReceiveConnector | Format-List` and `Get-SendConnector` do,
with what the sandbox makes of each.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tutor.model.langs import LANGS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="check|show", required=True)
    check = actions.add_parser(
        "check",
        help="read a connector script and print every finding as FILE:LINE: level: what",
        description="Run a script of New-/Set-ReceiveConnector and New-/Set-SendConnector as the "
        "Exchange Management Shell would, then check the connectors. Exits 1 on an error.",
    )
    check.add_argument("script", type=Path, metavar="SCRIPT", help="a .ps1 connector script")
    check.add_argument("--lang", choices=LANGS, default="en", help="language of the findings")
    show = actions.add_parser(
        "show",
        help="print the connectors as Get-ReceiveConnector | Format-List shows them",
        description="Print every connector the script leaves, as Exchange prints it, and what "
        "the sandbox makes of it.",
    )
    show.add_argument("script", type=Path, metavar="SCRIPT", help="a .ps1 connector script")
    show.add_argument("name", nargs="?", metavar="NAME", help="only this connector")


def run(args: argparse.Namespace) -> int:
    from sandbox.config.exchange.reader import read_script
    from sandbox.config.findings import ConfigError

    try:
        config = read_script(args.script)
    except ConfigError as exc:
        print(f"{exc.path}:{exc.line}: error: {exc.what}", file=sys.stderr)
        return 1
    if args.action == "show":
        return _show(config, args.name)
    from sandbox.config.exchange.lint import lint
    from sandbox.config.findings import Level

    findings = lint(config)
    for finding in findings:
        print(finding.render(args.lang))
    errors = sum(f.level is Level.ERROR for f in findings)
    others = len(findings) - errors
    if args.lang == "ja":
        print(f"{config.path}: エラー {errors} 件、警告・注意 {others} 件")
    else:
        print(f"{config.path}: {errors} error(s), {others} warning(s) or note(s)")
    return 1 if errors else 0


def _show(config: object, name: str | None) -> int:
    from sandbox.config.exchange.enact import (
        certificate_name,
        connector_policy,
        differences,
        receive_policy,
    )
    from sandbox.config.exchange.model import ExchangeConfig
    from sandbox.config.exchange.show import (
        format_list,
        receive_properties,
        receive_table,
        send_properties,
        send_table,
    )
    from sandbox.pki.certs import ensure_certs
    from sandbox.smtpd.describe import describe_server

    assert isinstance(config, ExchangeConfig)
    receive = [c for c in config.receive if name is None or name in (c.name, c.identity)]
    send = [c for c in config.send if name is None or c.name == name]
    if not receive and not send:
        print(f"smtp-tutor exchange: no connector named {name!r} in {config.path}", file=sys.stderr)
        return 1
    certificate = certificate_name(ensure_certs())
    if name is None:
        print("PS> Get-ReceiveConnector\n")
        print("\n".join(receive_table(receive)))
        if send:
            print("\nPS> Get-SendConnector\n")
            print("\n".join(send_table(send)))
    for r in receive:
        print(f"\nPS> Get-ReceiveConnector '{r.identity}' | Format-List\n")
        print("\n".join(format_list(receive_properties(r))))
        for line in describe_server(receive_policy(r, certificate)):
            print(f"  sandbox: {line}")
        for line in differences(r, certificate):
            print(f"  differs: {line}")
    for s in send:
        print(f"\nPS> Get-SendConnector '{s.name}' | Format-List\n")
        print("\n".join(format_list(send_properties(s))))
        print(f"  sandbox: the client's policy is {connector_policy(s).value}")
    print(f"\nThe sandbox's certificate, as -TlsCertificateName names it: {certificate}")
    return 0
