"""`smtp-tutor demo ATTACK --client-policy P` and `smtp-tutor demo --matrix`, run for real."""

from __future__ import annotations

import argparse
import json
from typing import get_args

import pytest
from test_threat_kit import data_dir, shared_data_dir

from sandbox.client.policy import TlsPolicy
from sandbox.lab.catalog import attacks
from sandbox.lab.matrix import POLICIES, WORLD_COLUMNS
from sandbox.smtpd.policy import MIN_TLS_VERSIONS, TLS_LEVELS, TlsLevel
from tutor.cli.demo import add_arguments
from tutor.cli.main import main

__all__ = ["data_dir", "shared_data_dir"]


def test_demo_strip_may_prints_conversation_eavesdropper_and_outcome(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "strip", "--client-policy", "may", "--color", "never"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("*** ATTACK ON")  # announced before anything else (I7)
    assert "-> MAIL FROM:<learner@sandbox.test>" in out  # the conversation
    assert "    wire | C>S MAIL FROM:<learner@sandbox.test>" in out  # the eavesdropper
    assert any(line.startswith("    wire | C>S This message is the secret") for line in out)
    assert "*** The attacker deleted '250-STARTTLS' from the server's EHLO reply." in out
    assert out[-4:] == [
        "=== Outcome: the message went in PLAINTEXT to the real server; the attacker read: "
        "envelope, message.",
        "=== Why: STARTTLS was missing from the EHLO reply; a 'may' client carries on in "
        "plaintext, so the attacker read the envelope and the message.",
        "=== Client policy 'may': Postfix smtp_tls_security_level = may",
        "===   Exchange send connector: -RequireTLS $false (the default: opportunistic)",
    ]


def test_demo_impersonate_verify_stops_early_and_says_why(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["demo", "impersonate", "--client-policy", "verify", "--color", "never"]
    assert main(argv) == 1  # the script stopped early: the client refused
    out = capsys.readouterr().out
    assert "=== Outcome: the message was not sent; the attacker read: nothing." in out
    assert "not issued by a CA the client trusts" in out
    assert "-TlsAuthLevel DomainValidation" in out


def test_demo_server_variant_is_shown_in_postfix_and_exchange_terms(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["demo", "strip", "--client-policy", "may", "--server-policy", "encrypt"]
    assert main([*argv, "--color", "never"]) == 0
    out = capsys.readouterr().out
    assert "<- 530 5.7.0 Must issue a STARTTLS command first" in out
    assert "=== Server: Postfix: smtpd_tls_security_level = encrypt" in out
    assert "=== Server: Exchange receive connector: -RequireTLS $true" in out


def test_demo_of_a_lab_without_attack_prints_no_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "starttls", "--color", "never"]) == 0
    assert "Outcome:" not in capsys.readouterr().out


def test_demo_matrix_prints_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--matrix", "--color", "never"]) == 0
    out = capsys.readouterr().out.splitlines()
    header = next(i for i, line in enumerate(out) if line.startswith("attack "))
    assert out[header].split() == ["attack", *POLICIES]
    names = attacks()
    rows = {line.split()[0]: line for line in out[header + 1 : header + 1 + len(names)]}
    assert list(rows) == list(names)
    assert rows["strip"].split("  ", 1)[1].split() == [
        "plain", "READ", "plain", "READ", "not", "sent", "not", "sent", "not", "sent"
    ]  # fmt: skip
    assert all(len(line) <= 80 for line in out[header : header + 1 + len(names)])
    assert any("Exchange: -RequireTLS $true -TlsAuthLevel EncryptionOnly" in line for line in out)


def test_demo_matrix_json_gives_one_object_per_cell(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--matrix", "--json"]) == 0
    cells = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(cells) == len(attacks()) * len(POLICIES + WORLD_COLUMNS)  # and the lab world's
    cell = next(c for c in cells if (c["attack"], c["client_policy"]) == ("impersonate", "may"))
    assert cell["cell"] == "MITM READ" and cell["to"] == "the attacker"
    assert cell["read"] == ["envelope", "message"] and cell["encrypted"] is True


@pytest.mark.parametrize(
    "argv",
    [
        ["demo", "strip", "--matrix"],
        ["demo", "--matrix", "--server", "127.0.0.1:25"],
    ],
)
def test_demo_matrix_refuses_a_scenario(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert "--matrix" in capsys.readouterr().err


def test_demo_options_take_their_choices_from_the_one_definition_of_each_name() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    choices = {a.dest: tuple(a.choices) for a in parser._actions if a.choices is not None}
    assert choices["client_policy"] == tuple(p.value for p in TlsPolicy)
    # The matrix's own columns: dane and mta-sts need a lab world (WORLD_COLUMNS, P9).
    assert tuple(p.value for p in TlsPolicy if not p.reads_dns) == POLICIES
    assert choices["server_policy"] == TLS_LEVELS == get_args(TlsLevel)
    assert choices["server_min_tls"] == tuple(MIN_TLS_VERSIONS)


def test_demo_unknown_scenario_lists_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "strip-999"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'strip-999'; choose one of: plaintext, starttls" in err
    assert all(name in err for name in attacks())
