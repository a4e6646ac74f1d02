"""A newcomer's first `smtp-tutor check` is against `smtp-tutor sandbox`, without --ca-file:
the sandbox's own CA is no trusted root there, and the report called that only 'an
intermediate certificate is missing' (send fullchain.pem); it now names the private CA and
--ca-file as well, in English and Japanese."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from tutor.cli.main import main


@pytest.mark.parametrize(("lang", "words"), [("en", "private CA"), ("ja", "プライベートCA")])
async def test_check_against_the_sandbox_without_its_ca_names_ca_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    lang: str,
    words: str,
) -> None:
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(tmp_path))
    server = SandboxServer(ServerPolicy(), accounts={"u": "p-Pa55word"})
    await server.start()
    try:
        argv = ["check", f"127.0.0.1:{server.port}", "--lang", lang]
        await asyncio.to_thread(main, argv)
    finally:
        await server.stop()
    out = capsys.readouterr().out
    complete = [line for line in out.splitlines() if words in line]
    assert complete, out
    assert "--ca-file" in out, out
