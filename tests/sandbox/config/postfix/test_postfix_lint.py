"""`smtp-tutor postfix check`: every finding, at its line, in both languages (properties.md
L22-L24)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.config.postfix.lint import lint, real_parameters
from sandbox.config.postfix.lint_words import TEXTS
from sandbox.config.postfix.reader import read_postfix
from sandbox.pki.labkeys import ensure_lab_keys

GOOD_MAIN = """\
myhostname = mail.sandbox.test
smtpd_tls_security_level = may
smtpd_tls_chain_files = server.key, chain.pem
smtpd_tls_auth_only = yes
smtpd_tls_mandatory_protocols = >=TLSv1.2
"""
GOOD_MASTER = """\
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_sasl_auth_enable=yes
submissions inet n      -       y       -       -       smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_sasl_auth_enable=yes
"""
MX = "smtp      inet  n       -       y       -       -       smtpd\n"
CHAIN = "myhostname = mail.sandbox.test\nsmtpd_tls_security_level = may\n"

# (main.cf, master.cf, the finding's key, its file ("main" or "master") and line)
CASES = [
    ("smtpd_use_tls = yes\n", MX, "obsolete", "main", 1),
    ("smtpd_enforce_tls = yes\n", MX, "obsolete", "main", 1),
    ("smtp_use_tls = yes\n", MX, "obsolete", "main", 1),
    ("smtpd_tls_security_level = none\nsmtpd_use_tls = yes\n", MX, "obsolete_ignored", "main", 2),
    ("", MX + "  -o smtpd_tls_security_level=encrypt\n", "encrypt_on_mx", "master", 2),
    ("smtpd_tls_security_level = encrypt\n", MX, "encrypt_on_mx", "main", 1),
    (
        "smtpd_tls_security_level = may\nsmtpd_sasl_auth_enable = yes\nsmtpd_tls_auth_only = no\n",
        MX,
        "auth_before_tls",
        "main",
        3,
    ),
    ("smtpd_tls_security_level = may\nsmtpd_sasl_auth_enable = yes\n", MX, "auth_before_tls",
     "main", 2),
    ("smtpd_tls_wrappermode = yes\n", MX, "wrappermode_in_main", "main", 1),
    ("smtpd_tls_mandatory_protocols = !SSLv2, !SSLv3\n", MX, "old_tls", "main", 1),
    ("smtpd_tls_mandatory_protocols = >=TLSv1\n", MX, "old_tls", "main", 1),
    (CHAIN + "smtpd_tls_chain_files = server.key, wrong-order.pem\n", MX, "chain_order", "main",
     3),
    (CHAIN + "smtpd_tls_chain_files = chain.pem, server.key\n", MX, "chain_order", "main", 3),
    (CHAIN + "smtpd_tls_chain_files = other.key, chain.pem\n", MX, "key_mismatch", "main", 3),
    (CHAIN + "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_key_file = other.key\n", MX,
     "key_mismatch", "main", 4),
    (CHAIN + "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_key_file = missing.key\n", MX,
     "cert_unreadable", "main", 4),
    (CHAIN + "smtpd_tls_chain_files = ../../etc/passwd\n", MX, "cert_unreadable", "main", 3),
    (CHAIN + "smtpd_tls_chain_files = expired.key, expired.pem\n", MX, "cert_expired", "main",
     3),
    (CHAIN + "smtpd_tls_chain_files = othername.key, othername.pem\n", MX, "cert_name", "main",
     3),
    (CHAIN + "smtpd_tls_chain_files = server.key, server.pem\n", MX, "leaf_only", "main", 3),
    (CHAIN + "smtpd_tls_cert_file = server.pem\nsmtpd_tls_key_file = server.key\n", MX,
     "leaf_only", "main", 4),
    ("message_size_limt = 100\n", MX, "unknown_param", "main", 1),
    ("", MX + "  -o smtpd_tls_securty_level=may\n", "unknown_param", "master", 2),
    ("header_checks = regexp:/etc/postfix/header_checks\n", MX, "not_simulated", "main", 1),
    ("smtpd_banner = $myhostnam ESMTP\n", MX, "undefined_ref", "main", 1),
    ("smtpd_banner = ${mydomian} ESMTP\n", MX, "undefined_ref", "main", 1),
    ("", MX + "submission inet n - y - - smtpd\n  -o smtpd_tls_security_level=encrypt\n",
     "submission_no_sasl", "master", 2),
    ("", MX + "submission inet n - y - - smtpd\n  -o smtpd_sasl_auth_enable=yes\n",
     "submission_no_tls", "master", 2),
    ("mynetworks = 0.0.0.0/0\n", MX, "open_relay", "main", 1),
    ("smtpd_relay_restrictions = permit\n", MX, "open_relay", "main", 1),
    ("myhostname = a.test\nmyhostname = b.test\n", MX, "reader_note", "main", 2),
]  # fmt: skip


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_lab_keys(tmp_path_factory.mktemp("lab")).folder


def _lint(lab: Path, main: str, master: str) -> list:
    (lab / "main.cf").write_text(main)
    (lab / "master.cf").write_text(master)
    config = read_postfix(str(lab / "main.cf"), str(lab / "master.cf"))
    return lint(config, lab)


@pytest.mark.parametrize(("main", "master", "key", "file", "line"), CASES)
def test_l22_each_finding_at_its_line(lab, main, master, key, file, line) -> None:
    findings = _lint(lab, main, master)
    where = [(f.key, Path(f.path).name, f.line) for f in findings]
    assert (key, f"{file}.cf", line) in where, [f.render() for f in findings]


def test_l22_every_finding_kind_is_shown_by_a_case() -> None:
    assert set(TEXTS) == {key for _, _, key, _, _ in CASES}


def test_l22_a_good_configuration_has_no_finding(lab) -> None:
    assert [f.render() for f in _lint(lab, GOOD_MAIN, GOOD_MASTER)] == []


def test_l22_did_you_mean_names_the_real_parameter(lab) -> None:
    (finding,) = _lint(lab, "smtpd_tls_securiy_level = may\n", MX)
    assert "did you mean smtpd_tls_security_level?" in finding.text("en").what


def test_l22_a_name_other_values_use_is_the_admins_own_variable(lab) -> None:
    findings = _lint(lab, "my_relay_host = mail.example.test\nrelayhost = $my_relay_host\n", MX)
    assert [f.key for f in findings] == ["not_simulated"]  # relayhost, not my_relay_host


def test_l22_conditional_expansion_of_an_undefined_name_is_not_a_finding(lab) -> None:
    assert _lint(lab, "smtpd_banner = ${nothing_here?a:b}\n", MX) == []


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_l24_every_finding_says_what_why_and_fix_in_english_and_japanese(key: str) -> None:
    _, texts = TEXTS[key]
    assert set(texts) == {"en", "ja"}
    for lang, triple in texts.items():
        assert len(triple) == 3 and all(t.strip() for t in triple), (key, lang)
    assert texts["en"] != texts["ja"]


def test_l23_params_txt_holds_every_real_parameter_of_postfix_3_7() -> None:
    names = real_parameters()
    assert len(names) > 1000
    assert {"smtpd_tls_security_level", "smtpd_tls_chain_files", "smtpd_use_tls"} <= names
    assert "message_size_limt" not in names


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tutor", "postfix", "check", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_l24_cli_exit_1_on_an_error_with_file_line_level(lab) -> None:
    (lab / "main.cf").write_text(CHAIN + "smtpd_tls_chain_files = server.key, wrong-order.pem\n")
    done = _cli(str(lab / "main.cf"))
    assert done.returncode == 1
    assert f"{lab / 'main.cf'}:3: error: smtpd_tls_chain_files" in done.stdout
    assert "1 error(s)" in done.stdout


def test_l24_cli_exit_0_for_warnings_only_and_speaks_japanese(lab) -> None:
    (lab / "main.cf").write_text("smtpd_use_tls = yes\n")
    done = _cli(str(lab / "main.cf"), "--lang", "ja")
    assert done.returncode == 0, done.stderr
    assert "main.cf:1: warning: smtpd_use_tls は廃止されたパラメータです" in done.stdout


def test_l24_cli_a_file_postfix_refuses_is_one_file_line_error(lab) -> None:
    (lab / "main.cf").write_text("myhostname mail.sandbox.test\n")
    done = _cli(str(lab / "main.cf"))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"{lab / 'main.cf'}:1: error: ")
    assert len(done.stderr.splitlines()) == 1
