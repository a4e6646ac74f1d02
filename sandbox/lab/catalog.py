"""The named labs a lesson or `smtp-tutor demo` can ask for, with one plain sentence each.

This table is pure data so that the lesson validator can check scenario names without starting
anything; `sandbox.lab.scenarios` builds the running sessions.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScenarioInfo:
    name: str
    summary: str
    attack: bool = False  # an attack mode of the wire tap is on (properties.md I7)


SCENARIOS: dict[str, ScenarioInfo] = {
    s.name: s
    for s in (
        ScenarioInfo(
            "plaintext",
            "No TLS at all: every command, the message and even the AUTH password cross the wire "
            "readable (shown on purpose, in the sandbox only).",
        ),
        ScenarioInfo(
            "starttls",
            "The session starts in plaintext on the submission port and upgrades to TLS with "
            "STARTTLS; AUTH and the message travel inside TLS.",
        ),
        ScenarioInfo(
            "implicit-tls",
            "Port 465 style: TLS from the first byte, so nothing of SMTP is ever readable on the "
            "wire.",
        ),
        ScenarioInfo(
            "strip",
            "A man in the middle deletes STARTTLS from the server's EHLO reply.",
            attack=True,
        ),
        ScenarioInfo(
            "strip-454",
            "A man in the middle answers STARTTLS with 454 in the server's place.",
            attack=True,
        ),
        ScenarioInfo(
            "strip-502",
            "A man in the middle answers STARTTLS with 502 in the server's place.",
            attack=True,
        ),
        ScenarioInfo(
            "impersonate",
            "A man in the middle answers the TLS handshake itself with a certificate from another "
            "CA.",
            attack=True,
        ),
        ScenarioInfo(
            "impersonate-wrong-name",
            "A man in the middle presents a certificate from the right CA but for another name.",
            attack=True,
        ),
        ScenarioInfo(
            "inject-command",
            "Plaintext MAIL FROM is pipelined after STARTTLS in the same write; the server must "
            "discard it.",
            attack=True,
        ),
        ScenarioInfo(
            "inject-response",
            "Plaintext reply lines follow the server's 220; the client must refuse them.",
            attack=True,
        ),
    )
}


def scenario_names() -> tuple[str, ...]:
    return tuple(SCENARIOS)
