"""The commands nobody had walked, walked as a newcomer following only --help (properties.md W8):
`progress export` with no progress yet did not say how to get some; `dane tlsa --help` left
--usage, --selector and --mtype unexplained and neither dane command had an example. The example
`--help` gives is run here as written, against a real sandbox server."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from tutor.cli.main import main


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    monkeypatch.setenv("SMTP_TUTOR_DATA_DIR", str(path))
    monkeypatch.delenv("SMTP_TUTOR_LEARNER", raising=False)
    return path


def test_w8_export_with_no_progress_says_how_to_get_some(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["progress", "export"]) == 1
    err = capsys.readouterr().err
    assert "no progress to export yet" in err and "(smtp-tutor)" in err
    assert len(err.splitlines()) == 1


def test_w8_dane_help_explains_each_number_and_gives_an_example(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["dane", "tlsa", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "3 DANE-EE" in text and "1 the public key only" in text and "1 SHA-256" in text
    assert "example: smtp-tutor dane tlsa --sandbox" in text  # whole: not "smtp- tutor"
    with pytest.raises(SystemExit):
        main(["dane", "check", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "example: smtp-tutor dane check 127.0.0.1:2525" in text


async def test_w8_the_help_example_works_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    """`dane tlsa --sandbox`, its zone line given whole to `dane check` against the sandbox."""
    assert await asyncio.to_thread(main, ["dane", "tlsa", "--sandbox"]) == 0
    zone_line = capsys.readouterr().out.splitlines()[1]
    assert " IN TLSA 3 1 1 " in zone_line
    server = SandboxServer(ServerPolicy(), accounts={"u": "p-Pa55word"})
    await server.start()
    try:
        argv = ["dane", "check", f"127.0.0.1:{server.port}", "--tlsa", zone_line]
        assert await asyncio.to_thread(main, argv) == 0
    finally:
        await server.stop()
    assert "A usable record matches" in capsys.readouterr().out
