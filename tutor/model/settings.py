"""Choosing the course language: command line, then the learner's last choice, then the locale."""

from __future__ import annotations

import locale
import os
from collections.abc import Mapping

from tutor.model.langs import DEFAULT_LANG, LANGS


def locale_language(environ: Mapping[str, str] | None = None) -> str:
    """The locale's language when it is one of LANGS (`ja_JP.UTF-8`: `ja`), else the default.

    Follows the POSIX order (LC_ALL, LC_MESSAGES, LANG; LANGUAGE first, as gettext does), and falls
    back to what Python's locale module reports.
    """
    env = os.environ if environ is None else environ
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var, "")
        if value:
            # LANGUAGE may be a list (ja:en); C/POSIX mean "no preference"
            first = value.split(":")[0]
            if first in ("C", "POSIX") or first.startswith("C."):
                continue
            return _language_of(first)
    if environ is None:
        with_locale = locale.getlocale()[0] or ""
        return _language_of(with_locale)
    return DEFAULT_LANG


def _language_of(tag: str) -> str:
    code = tag.replace("-", "_").split("_")[0].split(".")[0].lower()
    return code if code in LANGS else DEFAULT_LANG


def choose_language(
    cli: str | None, saved: str | None, environ: Mapping[str, str] | None = None
) -> str:
    """`--lang` wins, then the language the learner last switched to, then the locale."""
    for choice in (cli, saved):
        if choice is not None and choice in LANGS:
            return choice
    return locale_language(environ)
