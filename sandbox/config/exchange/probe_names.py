"""The light half of the Exchange probes (`probes.py`): their names and words. No sockets: the
lesson validator imports this."""

from __future__ import annotations

from sandbox.config.postfix.probe_names import ProbeWords

PARTNER_DOMAIN = "sandbox.test"  # a config lab's partner domain when the block names none

PROBE_WORDS: dict[str, ProbeWords] = {
    "partner-requires-tls": ProbeWords(
        "the partner's send connector sends nothing when an attacker strips STARTTLS",
        "パートナー宛ての送信コネクタが、攻撃者に STARTTLS を消されたら何も送らない"),
    "internet-accepts-plaintext": ProbeWords(
        "port 25 (Default Frontend) accepts mail from a sender without TLS",
        "ポート 25 (Default Frontend) が TLS を使えない送信元からのメールを受け取る"),
    "client-auth-in-tls": ProbeWords(
        "port 587 (Client Frontend) offers AUTH only inside TLS",
        "ポート 587 (Client Frontend) が AUTH を TLS の中でだけ提示する"),
}  # fmt: skip
"""Probe name -> what it checks: the names an Exchange config lab lists under `probes:`."""
