"""`smtp-tutor dane check HOST:PORT --tlsa ...` against a live sandbox server on loopback: the
record the server's certificate matches, one it does not, and the "current + next" rollover."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from sandbox.dane.tlsa import tlsa_for
from sandbox.pki.certs import CertBundle, load_ca, load_cert, make_leaf, write_cert
from sandbox.smtpd.policy import ServerPolicy
from sandbox.smtpd.server import SandboxServer
from tutor.cli import dane

Start = Callable[..., Awaitable[SandboxServer]]


def main(argv: list[str]) -> int:
    """`smtp-tutor dane ...` as tutor/cli/main.py runs a subcommand."""
    parser = argparse.ArgumentParser(prog="smtp-tutor dane")
    dane.add_arguments(parser)
    return dane.run(parser.parse_args(argv[1:]))


async def _check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    import asyncio

    # main() runs its own event loop: off this test's loop, in a thread.
    code = await asyncio.to_thread(main, ["dane", "check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


async def test_p15_the_live_certificate_matches_its_record(
    start_server: Start, certs: CertBundle, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await start_server()
    record = str(tlsa_for(load_cert(certs.server_cert)))
    code, out, err = await _check(capsys, f"127.0.0.1:{server.port}", "--tlsa", record)
    assert (code, err) == (0, "")
    assert f"matches:        {record}" in out
    assert "A usable record matches" in out


async def test_p15_a_record_for_another_key_does_not(
    start_server: Start, certs: CertBundle, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await start_server()
    _, other = make_leaf(*load_ca(certs))
    wrong = str(tlsa_for(other))
    pkix = str(tlsa_for(load_cert(certs.server_cert), usage=1))
    code, out, _ = await _check(
        capsys, f"127.0.0.1:{server.port}", "--tlsa", wrong, "--tlsa", pkix, "--lang", "en"
    )
    assert code == 1
    assert f"does not match: {wrong}" in out
    assert f"unusable:       {pkix}" in out
    assert "No usable record matches" in out


async def test_p15_current_plus_next_rollover(
    start_server: Start, certs: CertBundle, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    server = await start_server()
    _, nxt = make_leaf(*load_ca(certs))
    next_pem = tmp_path / "next.pem"
    write_cert(next_pem, nxt)
    current = str(tlsa_for(load_cert(certs.server_cert)))
    where = f"127.0.0.1:{server.port}"
    code, out, _ = await _check(capsys, where, "--tlsa", current, "--next", str(next_pem))
    assert code == 0 and "The next certificate is NOT published" in out
    both = ["--tlsa", current, "--tlsa", str(tlsa_for(nxt))]
    code, out, _ = await _check(capsys, where, *both, "--next", str(next_pem))
    assert code == 0 and "The next certificate is published too" in out
    code, out, _ = await _check(capsys, where, *both, "--next", str(next_pem), "--lang", "ja")
    assert "次の証明書も公開済みです" in out


async def test_p15_bad_input_is_one_line(
    start_server: Start, capsys: pytest.CaptureFixture[str]
) -> None:
    server = await start_server()
    code, _, err = await _check(capsys, f"127.0.0.1:{server.port}", "--tlsa", "3 1 1 zz")
    assert code == 1 and "not hexadecimal" in err and err.count("\n") == 1
    code, _, err = await _check(capsys, "127.0.0.1", "--tlsa", "3 1 1 " + "ab" * 32)
    assert code == 2 and "expected HOST:PORT" in err


async def test_p15_a_server_without_starttls_is_said_plainly(
    start_server: Start, quick: Callable[..., ServerPolicy], capsys: pytest.CaptureFixture[str]
) -> None:
    server = await start_server(quick(tls_level="none"))
    code, out, err = await _check(
        capsys, f"127.0.0.1:{server.port}", "--tlsa", "3 1 1 " + "ab" * 32
    )
    assert code == 1 and err == ""
    assert "the server offered no TLS; a DANE client would not deliver" in out
