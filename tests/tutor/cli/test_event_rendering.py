"""Every kind of event has a say in each view: demo lines (tutor.cli.eventformat), JSON
(sandbox.eventjson), the lab panes' lines (tutor.ui.widgets.lab_lines), in the learner's
language. The attacker's reports show as attack lines; facts that a notice already tells
(TlsMissing, InjectionDiscarded) add no second line."""

from __future__ import annotations

import json
import typing

import pytest

from sandbox import events as ev
from sandbox.eventjson import event_to_json
from tutor.cli.eventformat import conversation, is_attack, wire
from tutor.ui.widgets import lab_lines

C, S = ev.Side.CLIENT, ev.Side.SERVER
ONE_OF_EACH: tuple[ev.SandboxEvent, ...] = (
    ev.ConversationLine(sender=S, text="250 OK", tls=True, code=250, final=True),
    ev.Notice(level=ev.Level.INFO, text="Connected."),
    ev.WireChunk(sender=C, offset=0, data=b"EHLO x\r\n"),
    ev.WireLine(sender=C, offset=0, text="EHLO x"),
    ev.WireSwitch(sender=C, offset=8),
    ev.WireRecord(
        sender=C,
        offset=8,
        content_type=23,
        content_type_name="application_data",
        version="TLS 1.2",
        length=40,
        preview_hex="17 03 03",
        encrypted=True,
    ),
    ev.TlsEstablished(
        version="TLSv1.3", cipher="X", peer_cert=None, verified=False, server_hostname=None
    ),
    ev.TlsFailed(reason="certificate verify failed", cause=ev.TlsFailure.UNTRUSTED),
    ev.TlsMissing(why=ev.NoTls.STARTTLS_REFUSED, refused=True, code=454),
    ev.InjectionDiscarded(size=26),
    ev.AttackerInTls(detail="the client accepted his certificate"),
    ev.AttackerRead(what=ev.Exposure.ENVELOPE, detail="MAIL FROM:<a@x.test>"),
    ev.MessageDelivered(
        mail_from="a@x.test", rcpt_tos=("b@x.test",), size=1, tls=True, authenticated_as=None
    ),
    ev.SessionStarted(scenario="impersonate", server="127.0.0.1:1", via_tap=None),
    ev.SessionClosed(clean=True, reason="QUIT answered 221"),
)


def test_the_sample_has_one_event_of_every_kind() -> None:
    assert {type(e) for e in ONE_OF_EACH} == set(typing.get_args(ev.SandboxEvent))


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: type(e).__name__)
def test_json_names_every_kind_and_keeps_its_typed_fields(event: ev.SandboxEvent) -> None:
    data = json.loads(json.dumps(event_to_json(event)))
    assert data["type"] == type(event).__name__
    if isinstance(event, ev.TlsFailed):
        assert data["cause"] == "untrusted"
    if isinstance(event, ev.AttackerRead):
        assert data["what"] == "envelope"


def test_demo_lines_for_the_attackers_reports_are_the_ones_learners_know() -> None:
    shown = {type(e).__name__: conversation(e) for e in ONE_OF_EACH}
    read, in_tls = shown["AttackerRead"], shown["AttackerInTls"]
    assert read is not None and read.style == "attack"
    assert read.text == "*** Attacker decrypted the envelope: MAIL FROM:<a@x.test>"
    assert in_tls is not None and in_tls.text.startswith("*** The attacker holds the client's")
    assert shown["TlsMissing"] is None and shown["InjectionDiscarded"] is None  # notices say it
    assert {type(e).__name__ for e in ONE_OF_EACH if wire(e) is not None} == {
        "WireLine",
        "WireSwitch",
        "WireRecord",
    }
    assert [type(e).__name__ for e in ONE_OF_EACH if is_attack(e)] == [
        "AttackerInTls",
        "AttackerRead",
    ]


@pytest.mark.parametrize(
    ("lang", "read", "in_tls"),
    [
        ("en", "Attacker decrypted the envelope: MAIL FROM:<a@x.test>", "The attacker holds"),
        ("ja", "攻撃者がエンベロープを復号しました: MAIL FROM:<a@x.test>", "攻撃者がクライアント"),
    ],
)
def test_the_panes_show_the_attackers_reports_in_the_learners_language(
    lang: str, read: str, in_tls: str
) -> None:
    lines = {type(e).__name__: lab_lines.conversation(e, lang) for e in ONE_OF_EACH}
    shown = {name: line.plain for name, line in lines.items() if line is not None}
    assert set(shown) == {"ConversationLine", "Notice", "AttackerInTls", "AttackerRead"}
    assert shown["AttackerRead"] == f"*** {read}"
    assert shown["AttackerInTls"].startswith(f"*** {in_tls}")
    assert {type(e) for e in ONE_OF_EACH if type(e).__name__ in shown} == set(
        lab_lines.CONVERSATION_KINDS
    )
    seen = {type(e).__name__ for e in ONE_OF_EACH if lab_lines.wire(e, lang)}
    assert seen == {"WireLine", "WireSwitch", "WireRecord"}
