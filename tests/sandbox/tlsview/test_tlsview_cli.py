"""`smtp-tutor demo SCENARIO --decrypt --handshake`, text and JSON (M9, M10)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from tlsview_helpers import assert_said


def demo(*args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "tutor.cli.main", "demo", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


@pytest.mark.parametrize("scenario", ["starttls", "implicit-tls"])
def test_m9_json_decrypted_records_say_what_the_conversation_said(
    scenario: str, data_dir: Path
) -> None:
    objects: list[dict[str, Any]] = [
        json.loads(line) for line in demo(scenario, "--json", "--decrypt").stdout.splitlines()
    ]
    sealed = [o for o in objects if o["type"] == "WireRecord" and o["encrypted"]]
    opened = [o for o in objects if o["type"] == "EndpointRecord"]
    assert sorted((o["sender"], o["offset"]) for o in opened) == sorted(
        (o["sender"], o["offset"]) for o in sealed
    )
    assert all(o["opened"] and o["failure"] is None for o in opened)
    for side in ("client", "server"):
        inside = b"".join(
            bytes.fromhex(o["plaintext"])
            for o in opened
            if o["sender"] == side and o["content_type"] == 23
        )
        said = [
            (o["text"], o.get("more", 0), o.get("last", ""))
            for o in objects
            if o["type"] == "ConversationLine" and o["sender"] == side and o["tls"]
        ]
        assert_said(inside, said)  # byte for byte, line by line
    keys = {o["key"] for o in opened}
    assert "client application traffic secret" in keys or "client write key" in str(keys)
    assert not any(o["type"] == "Handshake" for o in objects)  # only when asked
    assert not list((data_dir / "sessions").iterdir())  # the secrets left with the lab


def test_m10_text_shows_each_record_opened_under_its_wire_line_and_the_handshake() -> None:
    out = demo("starttls", "--decrypt", "--handshake", "--color", "never").stdout
    lines = out.splitlines()
    first = lines.index("    open | ~> EHLO client.test   [client application traffic secret]")
    assert lines[first - 1].startswith("    wire | C>S TLS record")
    assert "    open | <~ Certificate   [server handshake traffic secret]" in lines
    handshake = lines[lines.index("Handshake: TLS 1.3, TLS_AES_256_GCM_SHA384") :]
    assert handshake[1].startswith("ClientHello  client -> server, byte 33,")
    assert handshake[1].endswith("a listener can read this")
    assert any(
        line.startswith("    extension server_name") and line.endswith("sandbox.test")
        for line in handshake
    )
    cert = next(line for line in handshake if line.startswith("Certificate "))
    assert cert.endswith(
        "a listener cannot see this, decrypted with the server handshake traffic secret"
    )


def test_m10_json_handshake_and_nothing_without_the_options() -> None:
    objects = [
        json.loads(line) for line in demo("starttls", "--json", "--handshake").stdout.splitlines()
    ]
    assert not any(o["type"] == "EndpointRecord" for o in objects)  # --decrypt was not asked
    (hs,) = [o for o in objects if o["type"] == "Handshake"]
    assert objects[-1] is hs  # after the session
    hello = hs["messages"][0]
    assert hello["name"] == "ClientHello" and hello["listener_reads"]
    sni = next(f for f in hello["fields"] if f["name"] == "extension server_name")
    assert sni["value"] == "sandbox.test" and sni["offset"] > 28
    plain = demo("starttls", "--color", "never").stdout
    assert "    open |" not in plain and "Handshake:" not in plain
