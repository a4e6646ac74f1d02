"""The light half of the probes (`probes.py`): their names and words, and the editor's text read
as Postfix reads it. No sockets, no cryptography: the lesson validator imports this."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.config.findings import ConfigError
from sandbox.config.postfix.reader import PostfixConfig, read_main_cf, read_master_cf

MAX_TEXT = 1_000_000  # characters: a config lab's file is a few dozen lines


@dataclass(frozen=True, slots=True)
class ProbeWords:
    """What a probe checks, said for the learner (what must hold, in plain words)."""

    en: str
    ja: str


PROBE_WORDS: dict[str, ProbeWords] = {
    "mx-plaintext": ProbeWords(
        "port 25 accepts mail from a sender without TLS",
        "ポート 25 が TLS を使えない送信元からのメールを受け取る"),
    "mx-verified-tls": ProbeWords(
        "port 25 offers STARTTLS with a chain a verifying sender accepts",
        "ポート 25 が STARTTLS を提供し、検証する送信元が証明書チェーンを受け入れる"),
    "submission-requires-tls": ProbeWords(
        "port 587 answers 530 to MAIL before STARTTLS",
        "ポート 587 が STARTTLS 前の MAIL に 530 を返す"),
    "submission-no-auth-in-clear": ProbeWords(
        "port 587 offers no AUTH before TLS",
        "ポート 587 が TLS 前に AUTH を提示しない"),
    "submission-auth-in-tls": ProbeWords(
        "port 587: AUTH after STARTTLS, then a message is accepted",
        "ポート 587 で STARTTLS 後に AUTH でき、メールが受け付けられる"),
    "smtps-implicit-tls": ProbeWords(
        "port 465 speaks TLS from the first byte, then AUTH works",
        "ポート 465 が最初のバイトから TLS で話し、AUTH が通る"),
}  # fmt: skip
"""Probe name -> what it checks: the names a config lab block lists under `probes:`."""


def read_postfix_text(main: str, master: str) -> PostfixConfig:
    """Both files from the editor's text (ConfigError with FILE:LINE for anything wrong)."""
    for text, path in ((main, "main.cf"), (master, "master.cf")):
        if len(text) > MAX_TEXT:
            raise ConfigError(path, 1, f"{len(text):,} characters: too long for a configuration")
    config = PostfixConfig(read_main_cf(main), tuple(read_master_cf(master)), "master.cf")
    for service in config.services:  # a loop through an override is an error now, not later
        for o in service.overrides:
            config.value(o.name, service)
    return config
