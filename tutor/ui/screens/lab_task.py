"""What a lesson asks of a lab: the task text and the check that says it is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sandbox.facts import SessionFacts
from tutor.ui.lab_link import SessionFactory

GoalCheck = Callable[[SessionFacts], bool]


@dataclass(frozen=True)
class LabTask:
    """What a lesson asks of this lab: the text, and how to know it is done."""

    do: str
    goal_label: str
    check: GoalCheck
    hint: str = ""
    mode: str = "step"
    lesson_id: str = ""
    step: int = 0
    block: int = 0  # index of the lab block in its step
    # the block's own server (server-policy..., config): its sessions, used instead of the
    # app's real ones (a test's scripted sessions stay as they are)
    session: SessionFactory | None = None
