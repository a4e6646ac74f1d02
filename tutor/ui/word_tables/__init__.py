"""The tutor's words on screen, one module an area (see tutor.ui.words for the lookup)."""
