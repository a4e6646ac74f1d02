"""Every lab step of the shipped course that runs an attack can be completed: played to its end
with the lesson's client policy, the session meets the step's goal (tutor.model.goals, pure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_threat_kit import data_dir, run_lab, shared_data_dir

from sandbox.lab.catalog import SCENARIOS
from tutor.model.goals import goal_met
from tutor.model.lessons import Lab, read_lesson

__all__ = ["data_dir", "shared_data_dir"]

LESSONS = Path(__file__).resolve().parents[3] / "lessons"


def attack_labs() -> list[tuple[str, Lab]]:
    found = []
    for path in sorted(LESSONS.glob("*/*.md")):
        lesson = read_lesson(path).lesson
        if lesson is None:
            continue  # the lesson validator's tests report broken lessons
        for lab in lesson.labs:
            # a lab whose world the learner writes (edit:) is met by their text: P22/P23 tests
            if SCENARIOS[lab.scenario].attack and lab.edit is None:
                found.append((f"{path.parent.name}/{path.name}:{lab.line}", lab))
    return found


LABS = attack_labs()


def test_the_course_has_attack_labs_in_every_language() -> None:
    assert {where.split("/")[0] for where, _ in LABS} >= {"en", "ja"}
    assert {lab.scenario for _, lab in LABS} >= {"strip", "impersonate", "inject-command"}


@pytest.mark.parametrize(("where", "lab"), LABS, ids=[w for w, _ in LABS])
async def test_attack_lab_reaches_its_goal(where: str, lab: Lab) -> None:
    policy = lab.world or lab.client_policy  # a lab world's name plays the lab in that world
    events = await run_lab(lab.scenario, policy)
    assert goal_met(lab.goal, events), (where, lab.scenario, policy, lab.goal)
