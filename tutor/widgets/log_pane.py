"""A bounded, reflowing log for the lab panes.

A 1 MiB message is tens of thousands of lines; a pane keeps only the last `cap` of them and, when a
single batch brings more than `per_batch`, writes the newest and one line saying how many it
skipped, so no frame has to lay out thousands of lines. On a width change it rewraps what it kept
(RichLog wraps at write time only), which keeps CJK and long lines tidy after a resize.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.timer import Timer
from textual.widgets import RichLog

from tutor.ui_text import tr


class LogPane(RichLog):
    """A RichLog that keeps at most `cap` lines and says when it elided some."""

    def __init__(
        self,
        *,
        lang: str = "en",
        cap: int = 2000,
        per_batch: int = 100,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(
            wrap=True, markup=False, highlight=False, max_lines=cap, min_width=1, id=id
        )
        if classes:
            self.add_class(*classes.split())
        self.lang = lang
        self.cap = cap
        self.per_batch = per_batch
        self._kept: deque[Text] = deque(maxlen=cap)
        self.total_lines = 0  # every line ever added, shown or not
        self.elided = 0  # lines skipped because a batch was too big
        self._width = 0
        self._reflow_timer: Timer | None = None
        self._dirty = False  # lines kept but not written, or written at a stale width

    @property
    def kept(self) -> Sequence[Text]:
        """The lines the pane still holds (oldest first)."""
        return tuple(self._kept)

    @property
    def plain_lines(self) -> list[str]:
        return [line.plain for line in self._kept]

    def add_lines(self, lines: Sequence[Text]) -> None:
        """Append a batch; if it is too big, keep its newest lines and mark the gap."""
        if not lines:
            return
        self.total_lines += len(lines)
        skipped = len(lines) - self.per_batch
        if skipped > 0:
            self.elided += skipped
            marker = Text(tr(self.lang, "lab.elided", n=f"{skipped:,}"), style="dim italic")
            lines = [marker, *lines[skipped:]]
        self._kept.extend(lines)
        if self._can_render():
            for line in lines:
                self.write(line)
        else:  # hidden (a tab not shown) or not laid out yet: wrap when it is shown
            self._dirty = True
        self._update_subtitle()

    def _can_render(self) -> bool:
        return bool(self.display) and self.scrollable_content_region.width > 0

    def reset(self) -> None:
        self._kept.clear()
        self.total_lines = 0
        self.elided = 0
        self.clear()
        self._update_subtitle()

    def _update_subtitle(self) -> None:
        dropped = self.total_lines - len(self._kept)
        self.border_subtitle = tr(self.lang, "lab.kept", n=f"{self.cap:,}") if dropped > 0 else ""

    def on_resize(self, event: events.Resize) -> None:
        width = event.size.width
        if width and (self._dirty or (self._width and width != self._width)) and self._kept:
            self._schedule_reflow()
        self._width = width

    def on_show(self) -> None:
        if self._dirty:
            self._schedule_reflow()

    def _schedule_reflow(self) -> None:
        if self._reflow_timer is not None:
            self._reflow_timer.stop()
        self._reflow_timer = self.set_timer(0.05, self._reflow)

    def _reflow(self) -> None:
        self._reflow_timer = None
        if not self._can_render():
            self._dirty = True
            return
        self._dirty = False
        self.clear()
        for line in self._kept:
            self.write(line)
