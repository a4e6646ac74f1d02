"""The errors of unsafe user files, apart from `files` so that the command line can name them
without loading anything (its `--help` stays fast)."""

from __future__ import annotations


class UnsafeFileError(OSError):
    """A user file that is not read: a link, not a regular file, too big, or not private (J5)."""


class UnsafeDataDirError(PermissionError):
    """The data dir belongs to someone else or others may write in it: nothing is kept there."""


class NotAFolderError(UnsafeDataDirError, NotADirectoryError):
    """A data dir (or a folder in it) that is a file, a FIFO, a device or a link to one."""


class NotPrivateError(UnsafeFileError, PermissionError):
    """A file that must be private (a key, the demo password) that others may read or own."""
