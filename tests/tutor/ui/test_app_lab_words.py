"""The lab says everything in the learner's language and says it once (issue 10, items 16, 18
and 27; properties.md J7, J8): sandbox notices rendered from their key and params, the attack
banner without a word twice, the policies in force, an attack lab's outcome as the demo prints
it, and what the server would answer a command the client's policy held back."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from tutor_ui_fakes import factory, make_app, wait_for

from sandbox import notices
from sandbox.events import Notice, SandboxEvent
from sandbox.lab.catalog import SCENARIOS
from sandbox.lab.session import LabSession
from sandbox.notices import NOTICES, fields
from sandbox.threats.outcome import NO_TLS, WHY
from tutor.ui import lab_words
from tutor.ui.lab_link import real_session
from tutor.ui.notice_words import TABLES, notice_text
from tutor.ui.screens.lab import LabScreen
from tutor.ui.widgets.lab_panes import ConversationPane

EXTRA_PARAMS = {"attack.on": {"attack"}}  # names a UI says in its own words (PARAM_WORDS)


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    return tmp_path


def conversation(lab: LabScreen) -> list[str]:
    return lab.query_one(ConversationPane).plain_lines


# --- every key, every language (J7) ------------------------------------------------------------


@pytest.mark.parametrize("lang", sorted(TABLES))
def test_j7_every_notice_the_sandbox_says_has_its_words_in_every_language(lang: str) -> None:
    table = TABLES[lang]
    assert set(table) == notices.BUILT_IN
    for key in notices.BUILT_IN:
        given = fields(NOTICES[key]) | EXTRA_PARAMS.get(key, set())
        assert fields(table[key]) <= given, key
        assert fields(table[key]) >= fields(NOTICES[key]) - {"what"}, key


def test_j7_every_reason_of_an_outcome_has_its_words_in_japanese() -> None:
    assert set(lab_words.WHY_JA) == set(WHY)
    for key, template in WHY.items():
        assert fields(lab_words.WHY_JA[key]) == fields(template) - {"Who"} | (
            {"who"} if "Who" in fields(template) else set()
        ), key
    assert set(lab_words.NO_TLS_JA) == set(NO_TLS)
    for cause, template in NO_TLS.items():
        assert fields(lab_words.NO_TLS_JA[cause]) == fields(template)


async def said_by(name: str, policy: str) -> list[Notice]:
    events: list[SandboxEvent] = []
    session = LabSession(name, emit=events.append, client_policy=policy, timeout=5)
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    return [e for e in events if isinstance(e, Notice)]


async def test_j7_every_notice_of_every_lab_is_said_from_its_key(data: Path) -> None:
    """Walk the labs for real: each notice names a key of the table, its text is that key's
    English with its params, and the Japanese UI says it in Japanese."""
    seen: set[str] = set()
    for name in SCENARIOS:
        for policy in ("may", "verify"):
            for event in await said_by(name, policy):
                assert event.key in notices.BUILT_IN, (name, event)
                assert event.text == NOTICES[event.key].format(**event.params)
                ja = notice_text(event, "ja")
                assert ja != event.text and not ja.isascii(), (event.key, ja)
                seen.add(event.key)
    assert {"attack.on", "client.starttls_refused", "lab.no_new_ehlo"} <= seen


# --- the lab screen ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "banner", "policies"),
    [
        (
            "en",
            "⚠ ATTACK MODE (a lab on purpose): A man in the middle deletes STARTTLS from the "
            "server's EHLO reply.",
            "Client policy: may (TLS if offered, any certificate; else plaintext) · server: "
            "smtpd_tls_security_level = may",
        ),
        (
            "ja",
            "⚠ 攻撃モード（わざと見せるラボ）: 中間者がサーバーの EHLO 応答から STARTTLS を"
            "消します。",
            "クライアントのポリシー: may（提示されれば TLS、証明書は問わない。なければ平文）・"
            "サーバー: smtpd_tls_security_level = may",
        ),
    ],
)
async def test_j8_the_attack_banner_says_it_once_with_the_policies_in_force(
    data: Path, lang: str, banner: str, policies: str
) -> None:
    app = make_app(data, session_factory=factory(attack="ignored by the banner"), lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_lab("strip")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        said = str(lab.query_one("#attack", Static).render())
        assert said == banner
        assert said.upper().count("ATTACK") <= 1 and said.count("攻撃") <= 1
        title = str(lab.query_one("#lab-title", Static).render())
        assert title.endswith("· strip")  # the banner says what the attack is, not the title too
        assert str(lab.query_one("#policies", Static).render()) == policies


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "Outcome: the message went in PLAINTEXT to the real server; the attacker read: "
            "envelope, message.\nWhy: STARTTLS was missing from the EHLO reply; a 'may' client "
            "carries on in plaintext, so the attacker read the envelope and the message.",
        ),
        (
            "ja",
            "結果: メッセージは平文で本物のサーバーに送られました。攻撃者が読んだもの: "
            "エンベロープ、メッセージ本文。\n理由: EHLO の応答に STARTTLS がありませんでした。"
            "'may' クライアントは平文のまま続けるので、攻撃者はエンベロープとメッセージを読み"
            "ました。",
        ),
    ],
)
async def test_j8_an_attack_lab_ends_with_the_outcome_the_demo_prints(
    data: Path, lang: str, expected: str
) -> None:
    app = make_app(data, session_factory=real_session, lang=lang)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("strip")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        box = lab.query_one("#outcome", Static)
        assert not box.display  # nothing to say before the session ends
        await pilot.press("p")
        await wait_for(pilot, lambda: box.display)
        assert str(box.render()) == expected
        assert not box.has_class("-safe")
        lines = conversation(lab)
        if lang == "ja":  # the sandbox's notices in the learner's language (item 27)
            said = [line for line in lines if line.startswith(("===", "***"))]
            assert said and all(not line[4:].isascii() for line in said), said


async def test_j8_the_notices_of_a_refused_starttls_are_in_japanese(data: Path) -> None:
    app = make_app(data, session_factory=real_session, lang="ja")
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("strip-454")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: lab.query_one("#outcome").display)
        lines = conversation(lab)
        assert "=== ⚠ STARTTLS が拒否されました（454）。平文のままです" in lines
        assert (
            "*** 攻撃者がサーバーの代わりに STARTTLS へ '454 4.7.0 TLS not available due to "
            "local problem' と答えます。" in lines
        )
        assert "=== TLS がないので、忘れるべきものもありません。EHLO は送り直しません。" in lines
        assert not any("The attacker" in line or "STARTTLS refused" in line for line in lines)


@pytest.mark.parametrize(
    ("lang", "hint"),
    [
        (
            "en",
            "=== Your client's policy (verify) keeps AUTH back until TLS is on. Asked on a "
            "separate connection, outside this session, the server answers: 530 5.7.0 Must "
            "issue a STARTTLS command first",
        ),
        (
            "ja",
            "=== クライアントのポリシー（verify）は、TLS が始まるまで AUTH を送りません。この"
            "セッションとは別の接続で試すと、サーバーの答えは: 530 5.7.0 Must issue a STARTTLS "
            "command first",
        ),
    ],
)
async def test_j8_a_command_the_policy_held_back_shows_what_the_server_would_answer(
    data: Path, lang: str, hint: str
) -> None:
    app = make_app(data, session_factory=real_session, lang=lang)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        assert "verify" in str(lab.query_one("#policies", Static).render())
        await pilot.press("i", *"ehlo me.test", "enter")
        await wait_for(pilot, lambda: any(t.startswith("<- 250 ") for t in conversation(lab)))
        await pilot.press(*"auth plain", "enter")
        await wait_for(pilot, lambda: hint in conversation(lab))
        assert not any(line.startswith("-> AUTH") for line in conversation(lab))


async def test_j9_typing_after_quit_starts_a_new_session(data: Path) -> None:
    """Issue 10, item 12: after the script's QUIT, a typed command connects again."""
    app = make_app(data, session_factory=real_session)
    async with app.run_test(size=(120, 35)) as pilot:
        app.open_lab("starttls")
        lab = app.screen
        assert isinstance(lab, LabScreen)
        await wait_for(pilot, lambda: lab.session is not None)
        await pilot.press("p")
        await wait_for(pilot, lambda: "<~ 221 Bye" in conversation(lab))
        await pilot.press("i", *"ehlo again.test", "enter")
        await wait_for(pilot, lambda: "-> ehlo again.test" in conversation(lab))
        await wait_for(pilot, lambda: conversation(lab)[-1].startswith("<- 250 "))
        lines = conversation(lab)
        assert "=== The connection was closed, so a new session starts." in lines
        assert sum(line.startswith("<- 220 sandbox.test ESMTP") for line in lines) == 2
        assert not any("restart the lab" in line for line in lines)
        status = lab.query_one("#status", Static)
        await wait_for(pilot, lambda: "Next scripted command: STARTTLS (3/" in str(status.render()))
