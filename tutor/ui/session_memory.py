"""What the learner's last lab session did, kept on the app for the `session-quiz` blocks.

The lab's Eavesdropper pane hands it every batch of events it sees (`remember`); a quiz asks it
(`recall`) when the learner answers. In memory only: a quiz about "your session" asks about a
session of this run of the tutor (a new session, after a restart, starts afresh).
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.dom import DOMNode

from sandbox.events import SandboxEvent
from tutor.model.session_quiz import SessionAnswers

_ATTR = "_tlsui_session_answers"


def remember(node: DOMNode, events: Iterable[SandboxEvent]) -> None:
    try:
        app = node.app
    except Exception:  # not in an app (a unit test of a widget alone): nothing to keep
        return
    answers: SessionAnswers = getattr(app, _ATTR, SessionAnswers())
    setattr(app, _ATTR, answers.apply_all(events))


def recall(node: DOMNode) -> SessionAnswers:
    try:
        app = node.app
    except Exception:
        return SessionAnswers()
    answers = getattr(app, _ATTR, None)
    return answers if isinstance(answers, SessionAnswers) else SessionAnswers()
