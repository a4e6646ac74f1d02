"""The NSS key log (M1) and the lab's own client keeping its secrets (M2)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.events import SandboxEvent, Side, WireChunk, WireSwitch
from sandbox.lab.session import LabSession
from sandbox.tlsview import keylog as kl
from sandbox.tlsview.keylog import KeyLog

RANDOM = bytes(range(32))
SECRET = bytes(range(100, 148))


def test_m1_parses_tls12_and_tls13_lines_and_writes_them_back() -> None:
    other = b"\xaa" * 32
    text = (
        "# a comment, then an empty line\n\n"
        f"CLIENT_RANDOM {RANDOM.hex()} {SECRET.hex()}\n"
        f"CLIENT_HANDSHAKE_TRAFFIC_SECRET {other.hex()} {'11' * 32}\r\n"
        f"SERVER_HANDSHAKE_TRAFFIC_SECRET {other.hex().upper()} {'22' * 32}\n"
        f"CLIENT_TRAFFIC_SECRET_0 {other.hex()} {'33' * 48}\n"
        f"SERVER_TRAFFIC_SECRET_0 {other.hex()} {'44' * 48}\n"
        f"EXPORTER_SECRET {other.hex()} {'55' * 32}\n"
    )
    log = KeyLog.parse(text)
    assert len(log) == 2 and log.skipped == 0
    assert log.secret(RANDOM, kl.CLIENT_RANDOM) == SECRET
    assert log.secret(other, kl.SERVER_HANDSHAKE_TRAFFIC_SECRET) == b"\x22" * 32
    assert log.secret(other, kl.CLIENT_TRAFFIC_SECRET_0) == b"\x33" * 48
    assert log.secret(other, kl.CLIENT_RANDOM) is None
    assert log.secret(b"\x00" * 32, kl.CLIENT_RANDOM) is None
    assert set(log.session(other)) == {
        kl.CLIENT_HANDSHAKE_TRAFFIC_SECRET,
        kl.SERVER_HANDSHAKE_TRAFFIC_SECRET,
        kl.CLIENT_TRAFFIC_SECRET_0,
        kl.SERVER_TRAFFIC_SECRET_0,
        kl.EXPORTER_SECRET,
    }
    written = log.to_bytes()
    assert written.splitlines()[0] == f"CLIENT_RANDOM {RANDOM.hex()} {SECRET.hex()}".encode()
    assert KeyLog.parse(written) == log


@pytest.mark.parametrize(
    "line",
    [
        f"CLIENT_RANDOM {RANDOM.hex()[:-2]} {SECRET.hex()}",  # 31-byte random
        f"CLIENT_RANDOM {RANDOM.hex()} {SECRET.hex()[:-1]}",  # odd hex
        f"CLIENT_RANDOM {RANDOM.hex()} zz{SECRET.hex()}",  # not hex
        f"CLIENT_RANDOM {RANDOM.hex()}",  # no secret
        f"CLIENT_RANDOM {RANDOM.hex()} {SECRET.hex()} extra",
        f"MADE_UP_LABEL {RANDOM.hex()} {SECRET.hex()}",
        f"CLIENT_RANDOM {RANDOM.hex()} {'ab' * (kl.MAX_SECRET + 1)}",  # too long a secret
        f"RSA {'ab' * 8} {SECRET.hex()}",  # the old RSA form: nothing we can use
    ],
)
def test_m1_a_line_that_is_not_a_secret_is_counted_and_left_out(line: str) -> None:
    log = KeyLog.parse(line + "\n" + f"EXPORTER_SECRET {RANDOM.hex()} {'01' * 32}\n")
    assert log.skipped == 1
    assert dict(log.session(RANDOM)) == {kl.EXPORTER_SECRET: b"\x01" * 32}


def test_m1_sessions_are_bounded() -> None:
    lines = [
        f"CLIENT_RANDOM {n.to_bytes(32, 'big').hex()} {SECRET.hex()}"
        for n in range(kl.MAX_SESSIONS + 5)
    ]
    log = KeyLog.parse("\n".join(lines))
    assert len(log) == kl.MAX_SESSIONS and log.skipped == 5
    known = (0).to_bytes(32, "big")
    assert log.add(kl.EXPORTER_SECRET, known, SECRET)  # an existing session still takes more
    assert not log.add(kl.CLIENT_RANDOM, (kl.MAX_SESSIONS + 9).to_bytes(32, "big"), SECRET)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=300),
            st.sampled_from(kl.LABELS).map(lambda label: f"{label} ".encode()),
            st.just(f"CLIENT_RANDOM {RANDOM.hex()} {SECRET.hex()}".encode()),
            st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")),
        ),
        max_size=20,
    )
)
def test_m1_junk_never_raises_and_what_is_kept_writes_back_the_same(parts: list[bytes]) -> None:
    data = b"\n".join(parts)
    log = KeyLog.parse(data)
    assert KeyLog.parse(log.to_bytes()) == log
    assert KeyLog.parse(data.decode("latin-1")) == log  # str in: the same secrets
    for client_random in log:
        assert len(client_random) == 32
        assert all(0 < len(s) <= kl.MAX_SECRET for s in log.session(client_random).values())


def test_m1_read_refuses_a_link_and_a_file_others_can_read(tmp_path: Path) -> None:
    from sandbox.safety.errors import NotPrivateError, UnsafeFileError

    real = tmp_path / "keys"
    real.write_text(f"CLIENT_RANDOM {RANDOM.hex()} {SECRET.hex()}\n")
    real.chmod(0o644)
    assert KeyLog.read(real).secret(RANDOM, kl.CLIENT_RANDOM) == SECRET
    with pytest.raises(NotPrivateError):
        KeyLog.read(real, private=True)
    (tmp_path / "link").symlink_to(real)
    with pytest.raises(UnsafeFileError):
        KeyLog.read(tmp_path / "link")
    assert len(KeyLog.read(tmp_path / "missing")) == 0
    out = tmp_path / "written"
    KeyLog.read(real).write(out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_bytes() == real.read_bytes()


# --- M2: the lab's client keeps its secrets -------------------------------------------------


def client_randoms(events: list[SandboxEvent]) -> list[bytes]:
    """The random of each ClientHello the client sent, read straight off the wire: the record
    header (5 bytes), the handshake header (4) and legacy_version (2) come before it."""
    found: list[bytes] = []
    chunks = [e for e in events if isinstance(e, WireChunk) and e.sender is Side.CLIENT]
    stream = b"".join(e.data for e in chunks)
    starts = [e.offset for e in events if isinstance(e, WireSwitch) and e.sender is Side.CLIENT]
    for start in starts or [0]:
        if stream[start : start + 1] == b"\x16" and stream[start + 5 : start + 6] == b"\x01":
            found.append(stream[start + 11 : start + 43])
    return found


@pytest.mark.parametrize(
    ("scenario", "labels"),
    [
        (
            "starttls",
            {
                kl.CLIENT_HANDSHAKE_TRAFFIC_SECRET,
                kl.SERVER_HANDSHAKE_TRAFFIC_SECRET,
                kl.CLIENT_TRAFFIC_SECRET_0,
                kl.SERVER_TRAFFIC_SECRET_0,
                kl.EXPORTER_SECRET,
            },
        ),
        ("implicit-tls", {kl.CLIENT_TRAFFIC_SECRET_0, kl.SERVER_TRAFFIC_SECRET_0}),
    ],
)
async def test_m2_a_lab_that_keeps_secrets_has_those_of_its_own_handshake(
    scenario: str, labels: set[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSLKEYLOGFILE", str(data_dir.parent / "env.keys"))  # stays ignored (G5)
    events: list[SandboxEvent] = []
    session = LabSession(scenario, emit=events.append, timeout=10, keep_secrets=True)
    await session.start()
    try:
        folders = list((data_dir / "sessions").iterdir())
        assert len(folders) == 1
        assert stat.S_IMODE(folders[0].stat().st_mode) == 0o700
        keyfile = folders[0] / "tls.keylog"
        assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
        await session.play()
        (hello_random,) = client_randoms(events)
        assert labels <= set(session.keylog.session(hello_random))  # read from the file, live
        assert keyfile.stat().st_size > 0
    finally:
        await session.stop()
    assert not (data_dir / "sessions" / folders[0].name).exists()  # removed as the lab stops
    assert labels <= set(session.keylog.session(hello_random))  # but kept in memory
    assert list(session.keylog) == [hello_random]
    assert not (data_dir.parent / "env.keys").exists()


async def test_m2_secrets_are_kept_only_when_asked(data_dir: Path) -> None:
    events: list[SandboxEvent] = []
    session = LabSession("starttls", emit=events.append, timeout=10)
    await session.start()
    try:
        await session.play()
    finally:
        await session.stop()
    assert client_randoms(events)
    assert len(session.keylog) == 0
    assert not (data_dir / "sessions").exists()


async def test_m2_a_restarted_lab_keeps_the_secrets_of_both_runs() -> None:
    events: list[SandboxEvent] = []
    session = LabSession("implicit-tls", emit=events.append, timeout=10, keep_secrets=True)
    await session.start()
    try:
        await session.play()
        await session.restart()
        await session.play()
    finally:
        await session.stop()
    randoms = [
        e.data[11:43]
        for e in events
        if isinstance(e, WireChunk) and e.sender is Side.CLIENT and e.offset == 0
    ]
    assert len(randoms) == 2 and randoms[0] != randoms[1]
    assert set(session.keylog) == set(randoms)
