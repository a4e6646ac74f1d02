"""The three lab panes, fed sandbox events directly: what each shows, and that it stays bounded."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from tutor_ui_fakes import CERT, starttls_script, wait_for

from sandbox.events import (
    ConversationLine,
    Level,
    MessageDelivered,
    Notice,
    SessionStarted,
    Side,
    TlsEstablished,
    TlsFailed,
    WireChunk,
    WireLine,
    WireRecord,
    WireSwitch,
)
from tutor.ui.lang import LangApp
from tutor.ui.widgets.lab_panes import ConnectionPane, ConversationPane, EavesdropperPane

C, S = Side.CLIENT, Side.SERVER


class PanesApp(LangApp):
    """The panes alone, in an app that has a language (as the tutor has)."""

    def __init__(self, lang: str = "en", cap: int = 2000, per_batch: int = 300) -> None:
        super().__init__()
        self.set_reactive(LangApp.lang, lang)
        self.cap = cap
        self.per_batch = per_batch

    def compose(self) -> ComposeResult:
        yield ConversationPane(cap=self.cap, per_batch=self.per_batch)
        yield EavesdropperPane()
        yield ConnectionPane()


def all_events() -> list:  # type: ignore[type-arg]
    return [e for step in starttls_script() for e in step.events]


async def test_conversation_uses_swaks_markers_plain_and_inside_tls() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        pane.add_events(all_events())
        await pilot.pause()
        lines = pane.plain_lines
        assert lines[0] == "-> EHLO client.test"
        assert "<- 220 2.0.0 Ready to start TLS" in lines
        assert "~> EHLO client.test" in lines  # the same command, now inside TLS
        assert "<~ 221 2.0.0 Bye" in lines
        assert not any(line.startswith("━") for line in lines)  # wire detail stays out


async def test_notices_are_marked_and_attack_is_labelled_in_words() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        pane.add_events(
            [
                Notice(level=Level.INFO, text="connected"),
                Notice(level=Level.ERROR, text="handshake failed"),
                Notice(level=Level.ATTACK, text="stripping STARTTLS"),
                Notice(level=Level.WARNING, text="AUTH in the clear, on purpose"),
            ]
        )
        await pilot.pause()
        assert pane.plain_lines == [
            "=== connected",
            "*** handshake failed",
            "*** stripping STARTTLS",
            "=== ⚠ AUTH in the clear, on purpose",
        ]


async def test_i5_network_text_never_becomes_markup() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        nasty = "[bold red]250[/] [link=http://x]click[/link] \\x1b[31m"
        pane.add_events([ConversationLine(sender=S, text=nasty, tls=False)])
        eaves = app.query_one(EavesdropperPane)
        eaves.add_events([WireLine(sender=S, offset=0, text=nasty)])
        await pilot.pause()
        assert pane.plain_lines == [f"<- {nasty}"]
        assert eaves.plain_lines[0].endswith(nasty)
        # and nothing in the rendered line carries a link or colour from the data
        assert all(span.style != "bold red" for span in pane.kept[0].spans)


async def test_eavesdropper_marks_the_switch_and_shows_records_with_hex() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.add_events(all_events())
        await pilot.pause()
        lines = pane.plain_lines
        assert "C→S @18     STARTTLS" in lines
        switch = lines.index("━━ plaintext ends at byte 32 (C→S): TLS from here ━━")
        assert lines[switch + 1] == "C→S @32     handshake 512 B"
        assert lines[switch + 2] == "    ClientHello SNI=sandbox.test"
        assert "      versions: TLS 1.3, TLS 1.2" in lines
        assert "    01 00 01 fc 03 03 5a 1b" in lines
        assert "C→S @600    application_data 38 B (encrypted)" in lines
        # after the switch, no SMTP command is readable any more
        after = lines[switch:]
        assert not any("MAIL FROM" in line for line in after)


async def test_i6_injected_plaintext_is_flagged_in_words() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.add_events(
            [
                WireLine(sender=C, offset=10, text="STARTTLS"),
                WireLine(sender=C, offset=20, text="MAIL FROM:<evil@x.test>", injected=True),
                WireSwitch(sender=C, offset=45),
            ]
        )
        await pilot.pause()
        assert "INJECTED plaintext after STARTTLS" in pane.plain_lines[1]
        assert "MAIL FROM:<evil@x.test>" in pane.plain_lines[1]
        assert "INJECTED" not in pane.plain_lines[0]


async def test_eavesdropper_counts_bytes_each_way_under_its_title() -> None:
    """The counts sit under the pane, so its title is never cut to `S→C 1,60…` (issue 10, 14)."""
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(EavesdropperPane)
        pane.titled("Eavesdropper")  # the lab screen names each pane (LAB_PANES)
        pane.add_events(
            [
                WireChunk(sender=C, offset=0, data=b"x" * 1500),
                WireChunk(sender=S, offset=0, data=b"y" * 24),
            ]
        )
        await pilot.pause()
        assert pane.border_title == "Eavesdropper"
        assert pane.border_subtitle == "C→S 1,500 B · S→C 24 B"
        pane.titled("盗聴者の視点")  # a new name keeps the counts
        assert pane.border_title == "盗聴者の視点"
        assert pane.border_subtitle == "C→S 1,500 B · S→C 24 B"
        pane.reset()
        assert pane.border_title == "盗聴者の視点"
        assert pane.border_subtitle == "C→S 0 B · S→C 0 B"


async def test_connection_shows_plaintext_then_tls_certificate_and_verification() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(ConnectionPane)
        assert "No connection yet." in pane.text
        pane.add_events(
            [SessionStarted(scenario="starttls", server="127.0.0.1:2525", via_tap=None)]
        )
        await pilot.pause()
        assert "PLAINTEXT: anyone on the path can read it" in pane.text
        pane.add_events(
            [
                TlsEstablished(
                    version="TLSv1.3",
                    cipher="TLS_AES_128_GCM_SHA256",
                    peer_cert=CERT,
                    verified=True,
                    server_hostname="sandbox.test",
                ),
                MessageDelivered(
                    mail_from="a@sandbox.test",
                    rcpt_tos=("b@sandbox.test",),
                    size=1234,
                    tls=True,
                    authenticated_as=None,
                ),
            ]
        )
        await pilot.pause()
        text = pane.text
        assert "TLS: encrypted" in text
        assert "TLSv1.3" in text
        assert "TLS_AES_128_GCM_SHA256" in text
        assert "CN=sandbox.test" in text
        assert "CN=smtp-tutor sandbox CA" in text
        assert "2026-01-01 00:00:00 UTC → 2026-01-31 00:00:00 UTC" in text  # wraps between words
        assert "sandbox.test, localhost, 127.0.0.1" in text
        assert "✔ yes: chain and name checked" in text
        assert "1 message(s), last 1234 B over TLS" in text


async def test_connection_says_unverified_and_failed_plainly() -> None:
    app = PanesApp(lang="ja")
    async with app.run_test() as pilot:
        pane = app.query_one(ConnectionPane)
        pane.add_events(
            [
                SessionStarted(scenario="impersonate", server="127.0.0.1:1", via_tap="127.0.0.1:2"),
                TlsEstablished(
                    version="TLSv1.2",
                    cipher="ECDHE-ECDSA-AES128-GCM-SHA256",
                    peer_cert=None,
                    verified=False,
                    server_hostname=None,
                ),
                TlsFailed(reason="certificate verify failed"),
            ]
        )
        await pilot.pause()
        assert "✘ していません" in pane.text
        assert "TLS 失敗: certificate verify failed" in pane.text
        assert "クライアントとサーバーの間の中継(127.0.0.1:2)" in pane.text  # W9: at the relay


async def test_a_huge_batch_keeps_the_newest_lines_and_says_how_many_it_skipped() -> None:
    app = PanesApp(cap=500, per_batch=100)
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        body = [ConversationLine(sender=C, text=f"line {i}", tls=True) for i in range(10_000)]
        pane.add_events(body)
        await pilot.pause()
        lines = pane.plain_lines
        assert lines[0] == "… 9,900 lines not shown (too many to keep; the session went on) …"
        assert lines[-1] == "~> line 9999"
        assert len(lines) == 101
        assert pane.elided == 9900
        assert pane.total_lines == 10_000


async def test_a_long_session_is_capped_and_the_pane_says_so() -> None:
    app = PanesApp(cap=500, per_batch=100)
    async with app.run_test() as pilot:
        pane = app.query_one(ConversationPane)
        for batch in range(12):
            pane.add_events(
                [ConversationLine(sender=C, text=f"{batch}/{i}", tls=False) for i in range(100)]
            )
        await pilot.pause()
        assert len(pane.kept) == 500
        assert len(pane.lines) <= 500
        assert pane.plain_lines[-1] == "-> 11/99"
        assert pane.border_subtitle == "showing the last 500 lines"
        pane.reset()
        assert pane.plain_lines == []
        assert pane.border_subtitle == ""


async def test_cjk_lines_wrap_within_the_pane_and_rewrap_on_resize() -> None:
    app = PanesApp(lang="ja")
    async with app.run_test(size=(40, 20)) as pilot:
        pane = app.query_one(ConversationPane)
        text = "日本語のメッセージ本文" * 6  # 66 cells wide
        pane.add_events([ConversationLine(sender=C, text=text, tls=False)])
        await pilot.pause()
        narrow = len(pane.lines)
        assert narrow >= 2
        assert all(
            strip.cell_length <= pane.scrollable_content_region.width for strip in pane.lines
        )
        await pilot.resize_terminal(120, 20)
        await wait_for(pilot, lambda: len(pane.lines) < narrow)  # rewrapped after the resize


async def test_a_pane_at_its_end_stays_at_its_end_when_the_terminal_shrinks() -> None:
    """The walk's resize (160x45 to 80x24): a pane that showed its last line showed the same
    top lines after it, the newest cut off, because "at the end" was judged after the resize."""
    app = PanesApp()
    async with app.run_test(size=(120, 90)) as pilot:
        pane = app.query_one(ConversationPane)
        pane.add_events([ConversationLine(sender=C, text=f"n{i}", tls=False) for i in range(25)])
        await pilot.pause()
        assert pane.max_scroll_y == 0  # all of it in sight: at the end
        await pilot.resize_terminal(120, 30)  # shorter only: no rewrap
        await wait_for(pilot, lambda: 0 < pane.max_scroll_y == pane.scroll_y)
        await pilot.resize_terminal(60, 24)  # narrower too: rewrapped, still at the end
        await wait_for(pilot, lambda: pane.scrollable_content_region.width == pane._wrap_width)
        await wait_for(pilot, lambda: 0 < pane.max_scroll_y == pane.scroll_y)
        pane.scroll_home(animate=False, immediate=True)  # the learner scrolls up: it stays
        await pilot.pause()
        await pilot.resize_terminal(70, 22)
        await wait_for(pilot, lambda: pane.scrollable_content_region.width == pane._wrap_width)
        await pilot.pause()
        assert pane.scroll_y == 0


async def test_a_records_hex_preview_is_cut_not_wrapped_in_a_narrow_pane() -> None:
    """The watch's three columns at 160 are about 50 wide: the 16-byte preview wrapped its last
    byte onto a line of its own, which read as one more value."""
    app = PanesApp()
    async with app.run_test(size=(50, 30)) as pilot:
        pane = app.query_one(EavesdropperPane)
        hex16 = " ".join(f"{b:02x}" for b in range(0xA0, 0xB0))
        record = WireRecord(
            sender=C,
            offset=0,
            content_type=23,
            content_type_name="application_data",
            version="TLS 1.2",
            length=54,
            preview_hex=hex16,
            encrypted=True,
        )
        pane.add_events([record])
        await pilot.pause()
        assert pane.plain_lines[-1] == f"    {hex16}"  # kept whole
        shown = [strip.text.rstrip() for strip in pane.lines]
        assert len(shown) == 2, shown  # the record's line and its preview, on one line
        assert re.fullmatch(r"    a0( [0-9a-f]{2})+ …", shown[1]), shown  # whole bytes, then …
        assert len(shown[1]) <= pane.scrollable_content_region.width


async def test_a_huge_wire_batch_never_elides_the_switch() -> None:
    app = PanesApp()
    async with app.run_test() as pilot:
        pane = app.query_one(EavesdropperPane)
        before = [WireLine(sender=C, offset=i, text=f"line {i}") for i in range(3000)]
        after = [WireLine(sender=C, offset=i, text=f"late {i}") for i in range(3000)]
        pane.add_events([*before, WireSwitch(sender=C, offset=3000), *after])
        await pilot.pause()
        lines = pane.plain_lines
        assert lines[0].startswith("… 5,900 lines not shown")
        assert lines[1] == "━━ plaintext ends at byte 3000 (C→S): TLS from here ━━"
        assert lines[-1].endswith("late 2999")
        assert len(lines) == 2 + pane.per_batch
