"""Probes of a Postfix configuration on real sockets (properties.md L51): each one a real client
against the service it names, so a fault fails the probes it should and nothing else, however
the configuration is written."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.probes import PROBES, probe_postfix

MAIN = """\
myhostname = mail.sandbox.test
mydestination = $myhostname, sandbox.test, localhost
smtpd_tls_chain_files = server.key, chain.pem
smtpd_tls_security_level = may
smtpd_tls_auth_only = yes
"""
MASTER = """\
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
smtps     inet  n       -       y       -       -       smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
"""
ENCRYPT = "  -o smtpd_tls_security_level=encrypt\n"
WRAPPER = "  -o smtpd_tls_wrappermode=yes\n"


def failing(main: str, master: str, folder: Path) -> set[str]:
    results = asyncio.run(probe_postfix(main, master, folder, tuple(PROBES)))
    assert [r.name for r in results] == list(PROBES)
    assert all(r.said for r in results)  # every verdict says the replies that decided it
    return {r.name for r in results if not r.ok}


CASES = {
    "all right": (MAIN, MASTER, set()),
    "the same, written otherwise": (
        MAIN.replace("smtpd_tls_chain_files = server.key, chain.pem",
                     "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_key_file = $keyfile\n"
                     "keyfile = server.key"),
        MASTER, set()),
    "encrypt on port 25": (
        MAIN.replace("level = may", "level = encrypt"), MASTER, {"mx-plaintext"}),
    "submission without encrypt, auth_only off": (
        MAIN.replace("auth_only = yes", "auth_only = no"), MASTER.replace(ENCRYPT, ""),
        {"submission-requires-tls", "submission-no-auth-in-clear"}),
    "chain files in the wrong order": (
        MAIN.replace("server.key, chain.pem", "chain.pem, server.key"), MASTER,
        {"mx-verified-tls", "submission-auth-in-tls", "smtps-implicit-tls"}),
    "leaf only": (
        MAIN.replace("chain.pem", "server.pem"), MASTER,
        {"mx-verified-tls", "submission-auth-in-tls", "smtps-implicit-tls"}),
    "wrappermode on submission, not on smtps": (
        MAIN, MASTER.replace(WRAPPER, "").replace(ENCRYPT, WRAPPER),
        {"submission-requires-tls", "submission-no-auth-in-clear", "smtps-implicit-tls"}),
    "no submission service": (
        MAIN, MASTER.split("submission")[0] + "smtps" + MASTER.split("smtps", 1)[1],
        {"submission-requires-tls", "submission-no-auth-in-clear", "submission-auth-in-tls"}),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_l51_each_fault_fails_its_probes_and_only_those(case: str, tmp_path: Path) -> None:
    main, master, expected = CASES[case]
    assert failing(main, master, tmp_path) == expected


def test_l51_a_probe_says_the_reply_that_decided_it(tmp_path: Path) -> None:
    main = MAIN.replace("level = may", "level = encrypt")
    (mx,) = asyncio.run(probe_postfix(main, MASTER, tmp_path, ("mx-plaintext",)))
    assert not mx.ok and "MAIL FROM -> 530 5.7.0 Must issue a STARTTLS command first" in mx.said


@pytest.mark.parametrize(
    ("main", "where"),
    [
        (MAIN + "smtpd_tls_key_file = ../../etc/passwd\n"
         "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_chain_files =\n", "main.cf:6: "),
        ("a = $a\n", "main.cf:1: "),
        ("x" * 1_000_001, "main.cf:1: "),
    ],
)  # fmt: skip
def test_l51_a_config_that_cannot_run_is_one_file_line_error(
    main: str, where: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as caught:
        asyncio.run(probe_postfix(main, MASTER, tmp_path, ("mx-plaintext",)))
    assert str(caught.value).startswith(where) and "\n" not in str(caught.value)


def test_l51_an_unknown_probe_is_named(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown probe 'mx-plain'"):
        asyncio.run(probe_postfix(MAIN, MASTER, tmp_path, ("mx-plain",)))
