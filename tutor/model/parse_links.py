"""A lesson's relative link and image targets, each with the file line it is written on (the
validator checks that they resolve). Inline parsing is most of markdown-it's time and only links
need it, so tutor.model.parse parses blocks alone and this runs inline parsing where a `](` is."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline import image as image_rule
from markdown_it.rules_inline import link as link_rule
from markdown_it.token import Token

# The block structure Textual's Markdown widget ("gfm-like") sees; linkify only changes inlines.
_MD = MarkdownIt("commonmark").enable(["table", "strikethrough"])

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _located(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """markdown-it's `link` or `image` rule, noting on the token it ends with (`link_close`,
    `image`) where in the inline source the link is written."""

    def located(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, silent):
            return False
        if not silent:
            state.tokens[-1].meta["source"] = (start, state.pos)
        return True

    return located


_MD.inline.ruler.at("link", _located(link_rule))
_MD.inline.ruler.at("image", _located(image_rule))


def relative_links(tokens: list[Token]) -> list[tuple[str, int]]:
    """Relative link and image targets, with the line each is written on.

    The line is where the target is written inside the link itself (the link's first line when
    markdown-it rewrote it, e.g. percent-encoded), found from the link's position: searching
    the paragraph's lines for each target was quadratic in the paragraph's size.
    """
    out: list[tuple[str, int]] = []
    first = 0  # the source line of the current block's first line
    for t in tokens:
        if t.map is not None:
            first = t.map[0]
        if t.type != "inline" or "](" not in t.content:
            continue
        src = t.content
        newlines = [m.start() for m in re.finditer("\n", src)]
        hrefs: list[object] = []  # of the links opened and not yet closed
        for child in _MD.parseInline(src)[0].children or ():
            if child.type == "link_open":
                hrefs.append(child.attrGet("href"))
                continue
            if child.type == "link_close":
                href = hrefs.pop() if hrefs else None
            elif child.type == "image":
                href = child.attrGet("src")
            else:
                continue
            if not isinstance(href, str) or not href or href.startswith("#") or _SCHEME.match(href):
                continue
            start, end = child.meta.get("source", (0, 0))
            at = src.find(href, start, end)
            out.append((href, first + bisect.bisect_left(newlines, start if at < 0 else at) + 1))
    return out
