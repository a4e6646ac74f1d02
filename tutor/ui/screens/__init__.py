"""The tutor's screens: course, lesson, lab and dialogs; they talk to the app by posting
messages."""
