"""The tutor: the pure lesson/progress model and, apart from it, the Textual UI."""

__version__ = "0.1.0"
