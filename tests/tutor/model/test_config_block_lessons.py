"""The shipped config labs (lessons 9 and 11; properties.md L55): every config lab has the same
files and probes in English and Japanese; in lessons 9 and 11 each starting configuration fails
a probe and the fix the lesson asks for passes them all; the lesson 11 challenge has at least
five faults, each one needed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sandbox.config.postfix.probes import probe_postfix
from tutor.model.config_lab import ConfigLab
from tutor.model.course import load_course

LESSONS = Path(__file__).resolve().parents[3] / "lessons"

# (file, line as shipped, line as fixed): what each lab's task asks for
FIXES: dict[str, list[tuple[str, str, str]]] = {
    "l9-encrypt-submission": [
        ("master.cf", "  -o syslog_name=postfix/submission\n",
         "  -o syslog_name=postfix/submission\n  -o smtpd_tls_security_level=encrypt\n"),
    ],
    "l9-auth-only": [
        ("main.cf", "smtpd_tls_auth_only = no", "smtpd_tls_auth_only = yes"),
        ("master.cf", "  -o smtpd_sasl_auth_enable=yes\n",
         "  -o smtpd_sasl_auth_enable=yes\n  -o smtpd_tls_security_level=encrypt\n"),
    ],
    "l9-wrappermode": [
        ("master.cf", "  -o smtpd_tls_wrappermode=yes\n  -o smtpd_sasl_auth_enable=yes\n",
         "  -o smtpd_tls_security_level=encrypt\n  -o smtpd_sasl_auth_enable=yes\n"),
        ("master.cf", "smtps        inet  n       -       y      -      -       smtpd\n",
         "smtps        inet  n       -       y      -      -       smtpd\n"
         "  -o smtpd_tls_wrappermode=yes\n"),
    ],
    "l9-chain-order": [("main.cf", "chain.pem, server.key", "server.key, chain.pem")],
    "l11-challenge": [
        ("main.cf", "smtpd_tls_security_level = encrypt", "smtpd_tls_security_level = may"),
        ("main.cf", "chain.pem, server.key", "server.key, chain.pem"),
        ("master.cf", "  -o smtpd_tls_security_level=may\n",
         "  -o smtpd_tls_security_level=encrypt\n"),
        ("master.cf", "  -o smtpd_sasl_auth_enable=no\n", "  -o smtpd_sasl_auth_enable=yes\n"),
        ("master.cf", "  -o syslog_name=postfix/smtps\n",
         "  -o syslog_name=postfix/smtps\n  -o smtpd_tls_wrappermode=yes\n"),
        ("master.cf", "  -o syslog_name=postfix/smtps\n",
         "  -o syslog_name=postfix/smtps\n  -o smtpd_sasl_auth_enable=yes\n"),
    ],
}  # fmt: skip


def shipped(lang: str) -> dict[str, ConfigLab]:
    course = load_course(LESSONS, lang)
    return {
        block.name: block
        for lesson in course.lessons
        for step in lesson.steps
        for block in step.blocks
        if isinstance(block, ConfigLab)
    }


def fixed(lab: ConfigLab, fixes: list[tuple[str, str, str]]) -> tuple[str, str]:
    files = {"main.cf": lab.file("main.cf"), "master.cf": lab.master_cf}
    for name, old, new in fixes:
        assert old in files[name], (lab.name, old)
        files[name] = files[name].replace(old, new, 1)
    return files["main.cf"], files["master.cf"]


def failing(lab: ConfigLab, main: str, master: str, folder: Path) -> set[str]:
    results = asyncio.run(probe_postfix(main, master, folder, lab.probes))
    return {r.name for r in results if not r.ok}


def test_l55_the_config_labs_are_shipped_and_the_same_in_each_language() -> None:
    en, ja = shipped("en"), shipped("ja")
    assert set(FIXES) <= set(en) and set(en) == set(ja)
    for name, lab in en.items():
        other = ja[name]
        assert (lab.files, lab.probes, lab.service, lab.scenario, lab.client_policy) == (
            other.files, other.probes, other.service, other.scenario, other.client_policy
        )  # fmt: skip
        assert (lab.system, lab.domain) == (other.system, other.domain)


@pytest.mark.parametrize("name", sorted(FIXES))
def test_l55_the_start_fails_a_probe_and_the_fix_passes_them_all(name: str, tmp_path: Path) -> None:
    lab = shipped("en")[name]
    assert failing(lab, lab.file("main.cf"), lab.master_cf, tmp_path)
    assert failing(lab, *fixed(lab, FIXES[name]), tmp_path) == set()


def test_l55_the_challenge_has_at_least_five_faults_each_one_needed(tmp_path: Path) -> None:
    lab = shipped("en")["l11-challenge"]
    fixes = FIXES["l11-challenge"]
    assert len(fixes) >= 5 and len(lab.probes) == 6
    for left in range(len(fixes)):
        rest = fixes[:left] + fixes[left + 1 :]
        assert failing(lab, *fixed(lab, rest), tmp_path), fixes[left]
