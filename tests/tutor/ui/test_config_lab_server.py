"""A lab block's own server (properties.md L57): Postfix-named settings over its scenario's
server, or a config lab's files (the learner's saved edit first), run on real sockets."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from tutor_ui_fakes import make_app, play_to_end, wait_for

from sandbox.events import ConversationLine, Side
from tutor.model.config_edits import save_edit
from tutor.model.lesson import Lab, Lesson
from tutor.model.lessons import parse_text
from tutor.ui.config_link import lab_factory
from tutor.ui.screens.lab import LabScreen, LabTask

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: starttls\n---\n\n## Step\n\n"
CONFIG = """\
```config-lab
name: t-mx
system: postfix
do: D
hint: H
probes:
  - mx-plaintext
=== main.cf
myhostname = mail.sandbox.test
mydestination = $myhostname, sandbox.test, localhost
smtpd_tls_chain_files = server.key, chain.pem
smtpd_tls_security_level = may
```
"""


def lesson_with(lab_fields: str) -> tuple[Lesson, Lab]:
    text = FRONT + CONFIG + "\n## Lab\n\n```lab\nmode: play\ndo: D\ngoal: session-complete\n"
    text += f"hint: H\nclient-policy: none\n{lab_fields}```\n"
    parsed = parse_text(text, "t.md")
    assert parsed.errors == () and parsed.lesson is not None
    (lab,) = parsed.lesson.steps[1].blocks
    assert isinstance(lab, Lab)
    return parsed.lesson, lab


def mail_reply(lesson: Lesson, lab: Lab, data: Path) -> int:
    factory = lab_factory(lab, [lesson], data)
    assert factory is not None
    events = play_to_end(factory, lab.scenario, "none")
    said = [e for e in events if isinstance(e, ConversationLine)]
    mail = next(i for i, e in enumerate(said) if e.sender is Side.CLIENT and e.verb == "MAIL")
    reply = next(e for e in said[mail:] if e.sender is Side.SERVER and e.final)
    assert reply.code is not None
    return reply.code


def test_l57_server_policy_encrypt_refuses_a_plaintext_mail(tmp_path: Path) -> None:
    lesson, lab = lesson_with("server-policy: encrypt\n")
    assert mail_reply(lesson, lab, tmp_path) == 530
    lesson, plain = lesson_with("")
    assert lab_factory(plain, [lesson], tmp_path) is None  # the scenario's own server


def test_l57_config_runs_the_learner_s_saved_edit_else_the_lesson_s_files(
    tmp_path: Path,
) -> None:
    lesson, lab = lesson_with("config: t-mx\n")
    assert mail_reply(lesson, lab, tmp_path) == 250  # the lesson's files: may on port 25
    edit = CONFIG.split("=== main.cf\n")[1].split("```")[0].replace("= may", "= encrypt")
    save_edit("t-mx", "main.cf", edit, tmp_path)
    assert mail_reply(lesson, lab, tmp_path) == 530  # the learner's edit: encrypt on port 25


async def test_l57_the_lab_says_the_block_s_own_server_policy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The policies line names the server the learner talks to (server-policy: may), not the
    scenario's own (starttls: encrypt): it once said "encrypt" of a server that took plaintext."""
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    lesson, lab = lesson_with("server-policy: may\n")
    task = LabTask(
        do="D",
        goal_label="G",
        check=lambda facts: False,
        session=lab_factory(lab, [lesson], tmp_path),
    )
    app = make_app(tmp_path)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = LabScreen(lab.scenario, task=task, client_policy="none")
        app.push_screen(screen)
        await wait_for(pilot, lambda: screen.session is not None)
        line = str(screen.query_one("#policies", Static).render())
        assert "smtpd_tls_security_level = may" in line, line
