"""A bounded, reflowing line log for the lab panes.

A 1 MiB message is tens of thousands of lines. A pane keeps only the last `cap` of them and, when a
single batch brings more than `per_batch`, shows the newest and one line saying how many it
skipped, so no frame has to lay out thousands of lines. Lines are Rich `Text` (never markup), cut
into `Strip`s at the pane's width; a line that fits is one strip, which is much cheaper than
RichLog's general renderable path (about 15x here). On a width change, or when a hidden tab is
shown, the kept lines are wrapped again, which keeps CJK and long lines tidy.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import TypeVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from tutor.ui.lang import on_lang_change, words
from tutor.ui.widgets.keys import localize_bindings

T = TypeVar("T")


SCROLL_KEYS: list[BindingType] = [
    Binding("g", "scroll_home", "Start", show=False),
    Binding("G", "scroll_end", "End", show=False),
]
"""A pane goes back to its start with Home or g, and on to its end with End or G (Home, End,
the arrows and PgUp/PgDn come with Textual's scrolling containers); the panes' help says so."""

PANE_KEYS: list[BindingType] = [
    Binding("escape", "screen.back", "key.back"),
    Binding("f1", "app.help", "key.help"),
    *SCROLL_KEYS,
]
"""Every pane's keys start with Esc and F1, the screen's own: the footer lists the focused
pane's keys before the screen's, so at 80 columns they would otherwise be cut off (W4). Each
pane's own keys come after these."""


class LogPane(ScrollView, can_focus=True):
    """Keeps at most `cap` lines, says when it elided some, follows the end while at the end."""

    BINDINGS = PANE_KEYS

    DEFAULT_CSS = """
    LogPane {
        background: $surface;
        color: $foreground;
        overflow-y: scroll;
        overflow-x: hidden;
    }
    """

    def __init__(
        self,
        *,
        cap: int = 2000,
        per_batch: int = 100,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.cap = cap
        self.per_batch = per_batch
        self._kept: deque[Text] = deque()
        self._heights: deque[int] = deque()  # strips per kept line
        # screen lines as segment tuples: a Strip carries seven caches, thousands of them
        # make the garbage collector's full passes slow
        self._rows: list[tuple[tuple[Segment, ...], int]] = []
        self._wrap_width = 0  # the width the strips were cut for
        self._stale = False  # lines kept while hidden, not cut into strips yet
        self.total_lines = 0  # every line ever added, shown or not
        self.elided = 0  # lines skipped because a batch was too big
        self._reflow_timer: Timer | None = None
        # at the end, where new lines show: judged as the learner scrolls, not after a resize
        # (a smaller pane's end is further down, which would read as "scrolled up")
        self._follow = True
        self.title = ""  # given by the lab screen (`titled`)

    # --- what the pane holds ----------------------------------------------------------------

    @property
    def kept(self) -> Sequence[Text]:
        """The lines the pane still holds (oldest first)."""
        return tuple(self._kept)

    @property
    def plain_lines(self) -> list[str]:
        return [line.plain for line in self._kept]

    @property
    def lines(self) -> list[Strip]:
        """The wrapped screen lines."""
        return [Strip(segments, length) for segments, length in self._rows]

    def newest(self, items: Sequence[T]) -> tuple[Sequence[T], int]:
        """The newest `per_batch` of `items` (the only ones worth formatting), and how many
        older ones that leaves out."""
        extra = len(items) - self.per_batch
        return (items[extra:], extra) if extra > 0 else (items, 0)

    def add_lines(self, lines: Sequence[Text], skipped: int = 0, *, trim: bool = True) -> None:
        """Append a batch; if it is too big, keep its newest lines and mark the gap.

        `skipped` counts lines the caller already left out (see `newest`), reported in the same
        gap marker; `trim=False` when the caller has already chosen what to show.
        """
        if not lines and not skipped:
            return
        self.total_lines += len(lines) + skipped
        if trim and len(lines) > self.per_batch:
            skipped += len(lines) - self.per_batch
            lines = lines[-self.per_batch :]
        if skipped > 0:
            self.elided += skipped
            marker = Text(words(self, "lab.elided", n=f"{skipped:,}"), style="dim italic")
            lines = [marker, *lines]
        follow = self._follow  # at the end: stay at the end
        width = self._width()
        for line in lines:
            self._kept.append(line)
            rows = self._cut(line, width) if width else []
            self._heights.append(len(rows))
            self._rows.extend(rows)
        dropped = 0
        while len(self._kept) > self.cap:
            self._kept.popleft()
            dropped += self._heights.popleft()
        if dropped:
            del self._rows[:dropped]
        if width:
            self._wrap_width = width
        else:
            self._stale = True
        self._update_size(follow)
        self._update_subtitle()

    def tab_note(self) -> str:
        return ""

    def titled(self, title: str) -> None:
        """Take `title` (the lab screen's name for this pane, in the current language)."""
        self.title = title
        self.border_title = title

    def reset(self) -> None:
        self._kept.clear()
        self._heights.clear()
        self._rows.clear()
        self.total_lines = 0
        self.elided = 0
        self._update_size(True)
        self._update_subtitle()

    def on_mount(self) -> None:
        localize_bindings(self)
        # lines already kept stay in the words they were said in; the chrome follows the switch
        on_lang_change(self, self._chrome_lang_changed)

    def _chrome_lang_changed(self) -> None:
        localize_bindings(self)
        self._update_subtitle()

    # --- drawing --------------------------------------------------------------------------------

    def _width(self) -> int:
        """The width to wrap at, or 0 while hidden or not laid out (wrap later)."""
        return self.scrollable_content_region.width if self.display else 0

    def _cut(self, line: Text, width: int) -> list[tuple[tuple[Segment, ...], int]]:
        console = self.app.console
        if line.cell_len <= width:
            return [(tuple(line.render(console)), line.cell_len)]
        if line.no_wrap and width > 2:  # a preview: its first words that fit, and an ellipsis
            first = line.wrap(console, width - 2, no_wrap=False)[0]
            first.rstrip()
            first.append(" …", style=line.style)
            return [(tuple(first.render(console)), first.cell_len)]
        return [(tuple(part.render(console)), part.cell_len) for part in line.wrap(console, width)]

    def _update_size(self, follow: bool) -> None:
        self.virtual_size = Size(self._wrap_width, len(self._rows))
        if follow:
            self.scroll_end(animate=False, immediate=False, x_axis=False)
        self.refresh()

    def _update_subtitle(self) -> None:
        dropped = self.total_lines - len(self._kept)
        subtitle = words(self, "lab.kept", n=f"{self.cap:,}") if dropped > 0 else ""
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        segments, length = self._rows[index]
        style = self.rich_style
        return Strip(segments, length).crop_extend(0, width, style).apply_style(style)

    # --- rewrapping ---------------------------------------------------------------------------

    def _needs_reflow(self) -> bool:
        width = self._width()
        return bool(width and self._kept and (self._stale or width != self._wrap_width))

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._follow = new_value >= self.max_scroll_y

    def on_resize(self, event: events.Resize) -> None:
        if self._needs_reflow():
            self._schedule_reflow()
        elif self._follow:  # the pane grew shorter (or taller): its end stays in sight
            self.scroll_end(animate=False, immediate=False, x_axis=False)

    def on_show(self) -> None:
        if self._needs_reflow():
            self._schedule_reflow()

    def _schedule_reflow(self) -> None:
        if self._reflow_timer is not None:
            self._reflow_timer.stop()
        self._reflow_timer = self.set_timer(0.05, self._reflow)

    def _reflow(self) -> None:
        self._reflow_timer = None
        width = self._width()
        if not width:
            return
        follow = self._follow
        self._heights.clear()
        self._rows = []
        for line in self._kept:
            rows = self._cut(line, width)
            self._heights.append(len(rows))
            self._rows.extend(rows)
        self._wrap_width = width
        self._stale = False
        self._update_size(follow)
