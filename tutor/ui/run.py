"""`smtp-tutor [--lang en|ja] [--lessons DIR] [LESSON_ID]`: start the TUI.

`SMTP_TUTOR_EXIT_WHEN_READY=1` makes the app quit as soon as the course screen is interactive;
the startup benchmark (bench/startup.py) times whole processes that way.
"""

from __future__ import annotations

import argparse
import os


def run(args: argparse.Namespace) -> int:
    from tutor.ui.app import TutorApp

    app = TutorApp(
        lang=getattr(args, "lang", None),
        lessons_dir=getattr(args, "lessons", None),
        start_lesson=getattr(args, "lesson_id", None),
        exit_when_ready=os.environ.get("SMTP_TUTOR_EXIT_WHEN_READY") == "1",
        freeze_gc=True,
    )
    app.run()
    return app.return_code or 0
