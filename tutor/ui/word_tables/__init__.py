"""The tutor's words on screen, one module an area, each with an `EN` and a `JA` table of the
same keys side by side (a test checks); look them up with tutor.ui.words.tr, never here."""
