"""Results come from typed facts, never from wording (sandbox.facts).

Every cell of the threat matrix and every shipped lab is run once for real; then the free text of
every event (each `Notice`'s text, key and params, `TlsFailed.reason`, `SessionClosed.reason`, and
what the attacker reports) is rewritten to nonsense, and every outcome and every goal must come
out the same as on the original events, and be the expected ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from test_matrix import EXPECTED
from test_threat_kit import data_dir, run_lab, shared_data_dir

from sandbox.events import (
    AttackerInTls,
    AttackerRead,
    Exposure,
    Notice,
    SandboxEvent,
    SessionClosed,
    TlsFailed,
)
from sandbox.lab.catalog import SCENARIOS
from sandbox.lab.matrix import POLICIES, Matrix, run_matrix
from sandbox.threats.outcome import Outcome, Peer, outcome
from tutor.model.goals import GOALS, goal_met
from tutor.model.lessons import read_lesson

__all__ = ["data_dir", "shared_data_dir"]

LESSONS = Path(__file__).resolve().parents[3] / "lessons"
Rewrite = Callable[[str], str]
REWRITES: dict[str, Rewrite] = {
    "reversed": lambda text: text[::-1],
    "lorem": lambda text: "lorem ipsum dolor sit amet",
}


def rewritten(events: Sequence[SandboxEvent], say: Rewrite) -> list[SandboxEvent]:
    """`events` with every free-text field said differently."""
    out: list[SandboxEvent] = []
    for e in events:
        match e:
            case Notice():  # its words, and the key and params they are said from (J7)
                params = {say(k): say(v) for k, v in e.params.items()}
                e = replace(e, text=say(e.text), key=say(e.key), params=params)
            case TlsFailed():
                e = replace(e, reason=say(e.reason))
            case SessionClosed():
                e = replace(e, reason=say(e.reason))
            case AttackerRead():
                e = replace(e, detail=say(e.detail))
            case AttackerInTls():
                e = replace(e, detail=say(e.detail))
        out.append(e)
    return out


def facts_of(result: Outcome) -> tuple[object, ...]:
    return (result.cell, result.read, result.sent, result.encrypted, result.to, result.why)


def goals_met(events: Sequence[SandboxEvent]) -> set[str]:
    return {name for name in GOALS if goal_met(name, events)}


# --- the threat matrix -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix(shared_data_dir: Path) -> Matrix:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMTP_TUTOR_DATA_DIR", str(shared_data_dir))
        return asyncio.run(run_matrix())


@pytest.mark.parametrize("rewrite", REWRITES)
def test_every_matrix_outcome_survives_rewording(matrix: Matrix, rewrite: str) -> None:
    say = REWRITES[rewrite]
    changed = 0
    for run in matrix.runs:
        events = rewritten(run.events, say)
        changed += sum(a != b for a, b in zip(run.events, events, strict=True))
        again = outcome(events, client_policy=run.policy)
        assert facts_of(again) == facts_of(run.outcome), (run.attack, run.policy)
        # ... and the original is the table the threat lab teaches, not a trivial one.
        assert run.outcome.cell == EXPECTED[run.attack][POLICIES.index(run.policy)]
    assert changed > 100  # the rewording reached the notices, reasons and reports


def test_the_matrix_outcomes_are_varied_and_read_from_typed_facts(matrix: Matrix) -> None:
    cells = {run.outcome.cell for run in matrix.runs}
    assert cells == {"plain READ", "MITM READ", "TLS, safe", "not sent"}
    mitm = matrix.cell("impersonate", "may")
    assert mitm.outcome.to is Peer.ATTACKER
    assert mitm.outcome.read == {Exposure.ENVELOPE, Exposure.MESSAGE}
    # The reasons the sentences give come from the typed cause and the typed refusal.
    assert matrix.cell("impersonate-wrong-name", "verify").outcome.why.startswith(
        "The certificate came from a trusted CA but names another host"
    )
    assert matrix.cell("impersonate", "verify").outcome.why.startswith(
        "The certificate was not issued by a CA the client trusts"
    )
    assert matrix.cell("strip-454", "encrypt").outcome.why.startswith(
        "STARTTLS was answered with 454; an 'encrypt' client requires TLS"
    )
    assert matrix.cell("inject-command", "verify").outcome.why.startswith(
        "The server discarded the plaintext the attacker slipped in after STARTTLS"
    )


# --- every shipped lab -------------------------------------------------------------------------


EDITED: set[str] = set()  # goals of labs whose world the learner writes (not played here)


def shipped_labs() -> dict[tuple[str, str | None], set[str]]:
    """Every lab a learner can open: each catalog scenario as it is, and each lesson's lab block
    with its client policy (or its lab world: `world` in place of the policy); the goals the
    lessons set for it."""
    labs: dict[tuple[str, str | None], set[str]] = {(name, None): set() for name in SCENARIOS}
    for path in sorted(LESSONS.glob("*/*.md")):
        lesson = read_lesson(path).lesson
        assert lesson is not None, path
        for lab in lesson.labs:
            if lab.edit is not None:  # the learner's own text decides it (test_app_lab_policy)
                EDITED.add(lab.goal)
                continue
            labs.setdefault((lab.scenario, lab.world or lab.client_policy), set()).add(lab.goal)
    return labs


LABS = shipped_labs()

# What each shipped lab's scripted session meets, played to its end.
DELIVERED = {"message-delivered", "session-complete"}
IN_TLS = {"tls-established", "ehlo-after-tls"}
VERIFIED_SUBMISSION = {
    *DELIVERED,
    *IN_TLS,
    "certificate-verified",
    "message-delivered-over-tls",
    "auth-inside-tls",
}
EXPECTED_GOALS: dict[tuple[str, str | None], set[str]] = {
    ("plaintext", None): {*DELIVERED, "auth-seen-in-clear"},
    ("starttls", None): VERIFIED_SUBMISSION,
    ("implicit-tls", None): VERIFIED_SUBMISSION,
    ("strip", None): DELIVERED,
    ("strip", "may"): DELIVERED,
    ("strip", "encrypt"): {"mail-withheld", "session-complete"},
    ("strip-454", None): DELIVERED,
    ("strip-502", None): DELIVERED,
    ("impersonate", None): {*DELIVERED, *IN_TLS},
    ("impersonate", "encrypt"): {*DELIVERED, *IN_TLS},
    ("impersonate", "verify"): {"certificate-rejected", "mail-withheld"},
    ("impersonate-wrong-name", None): {*DELIVERED, *IN_TLS},
    ("inject-command", None): {
        *DELIVERED,
        *IN_TLS,
        "message-delivered-over-tls",
        "injection-discarded",
    },
    ("inject-response", None): {"injection-discarded", "mail-withheld"},
    # the Postfix break/fix labs, each with its configuration's fault (L28)
    ("postfix-key-mismatch", None): {"mail-withheld", "session-complete"},
    ("postfix-key-unreadable", None): {"mail-withheld", "session-complete"},
    ("postfix-expired-cert", None): {"certificate-rejected", "mail-withheld"},
    ("postfix-leaf-only", None): {"certificate-rejected", "mail-withheld"},
    ("postfix-wrong-name", None): {"certificate-rejected", "mail-withheld"},
    ("postfix-encrypt-on-mx", None): {"session-complete"},
    ("postfix-auth-before-tls", None): {*DELIVERED, "auth-seen-in-clear"},
    # lesson 8's lab worlds (sandbox.lab.world_session): the client reads example.test's records
    ("strip", "mta-sts-testing"): {*DELIVERED, "sent-and-reported"},
    ("impersonate", "mta-sts-testing"): {*DELIVERED, *IN_TLS, "sent-and-reported"},
    ("impersonate", "dane-signed"): {
        "certificate-rejected",
        "mail-withheld",
        "withheld-and-reported",
    },
    ("impersonate", "dane-unsigned"): {*DELIVERED, *IN_TLS, "policy-ignored"},
}


@pytest.fixture(scope="module")
def lab_events(shared_data_dir: Path) -> dict[tuple[str, str | None], list[SandboxEvent]]:
    async def run_all() -> dict[tuple[str, str | None], list[SandboxEvent]]:
        return {lab: await run_lab(*lab) for lab in LABS}

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SMTP_TUTOR_DATA_DIR", str(shared_data_dir))
        return asyncio.run(run_all())


def test_the_shipped_labs_cover_every_scenario_and_every_goal() -> None:
    assert {scenario for scenario, _ in LABS} == set(SCENARIOS)
    assert set().union(*LABS.values(), EDITED) == set(GOALS)
    assert set(EXPECTED_GOALS) == set(LABS)


@pytest.mark.parametrize("rewrite", REWRITES)
def test_every_goal_of_every_shipped_lab_survives_rewording(
    lab_events: dict[tuple[str, str | None], list[SandboxEvent]], rewrite: str
) -> None:
    for lab, events in lab_events.items():
        met = goals_met(events)
        assert goals_met(rewritten(events, REWRITES[rewrite])) == met, lab
        assert LABS[lab] <= met, (lab, LABS[lab] - met)  # the lessons' goals are reached
        assert met == EXPECTED_GOALS[lab], lab
        if lab[1] is not None:
            again = outcome(rewritten(events, REWRITES[rewrite]), client_policy=lab[1])
            assert facts_of(again) == facts_of(outcome(events, client_policy=lab[1])), lab
