"""`smtp-tutor [--lang en|ja] [--lessons DIR] [LESSON_ID]`: start the TUI.

`--learner NAME` (or $SMTP_TUTOR_LEARNER) keeps progress in that learner's own folder, and
`--ask-learner` asks for the name first (`smtp-tutor serve` starts tutors so; properties.md R1).
`SMTP_TUTOR_EXIT_WHEN_READY=1` makes the app quit as soon as the course screen is interactive;
the startup benchmark (bench/startup.py) times whole processes that way.
"""

from __future__ import annotations

import argparse
import os
import sys


def chosen_learner(args: argparse.Namespace) -> str | None:
    """`--learner NAME`, else $SMTP_TUTOR_LEARNER, else None (the user's own progress; R1)."""
    from tutor.model.learners import LEARNER_ENV

    return getattr(args, "learner", None) or os.environ.get(LEARNER_ENV) or None


def run(args: argparse.Namespace) -> int:
    from tutor.model.learners import LearnerNameError, learner_key

    learner = chosen_learner(args)
    if learner is not None:
        try:
            learner_key(learner)
        except LearnerNameError as exc:  # one clear line, never a traceback (R1)
            print(f"smtp-tutor: --learner {learner!r}: {exc}", file=sys.stderr)
            return 1
    from tutor.ui.app import TutorApp

    app = TutorApp(
        learner=learner,
        ask_learner=bool(getattr(args, "ask_learner", False)),
        lang=getattr(args, "lang", None),
        lessons_dir=getattr(args, "lessons", None),
        start_lesson=getattr(args, "lesson_id", None),
        exit_when_ready=os.environ.get("SMTP_TUTOR_EXIT_WHEN_READY") == "1",
        freeze_gc=True,
    )
    app.run()
    return app.return_code or 0
