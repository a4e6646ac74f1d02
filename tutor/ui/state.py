"""What the course and lesson screens read: the course in the current language and the learner's
progress, in one small object the app hands them when it builds them.

The app replaces `course` when the language changes (before the screens re-render) and saves
`progress` when a screen says it changed (`LessonScreen.ProgressChanged`); screens read, mark and
post messages, and never reach into the app.
"""

from __future__ import annotations

from dataclasses import dataclass

from tutor.model.course import Course
from tutor.model.progress import Progress


@dataclass(slots=True)
class CourseState:
    course: Course
    progress: Progress

    def __post_init__(self) -> None:
        # progress is kept per pack: the screens read and mark this course's lessons only
        self.progress.use_pack(self.course.pack_id)
