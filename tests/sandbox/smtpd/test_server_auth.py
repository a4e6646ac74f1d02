"""Authentication on the sandbox server (properties.md C1, C3, C4, C5), on real sockets."""

from __future__ import annotations

import base64
import logging

import pytest

from sandbox.events import Level, Notice
from sandbox.smtpd.accounts import ACCOUNT_FILE, DEMO_USER, demo_account


def b64(data: str) -> str:
    return base64.b64encode(data.encode()).decode()


def plain(user: str, password: str) -> str:
    return b64(f"\0{user}\0{password}")


async def test_c1_auth_not_advertised_nor_accepted_before_tls(start_server, connect, demo) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append)
    wire = await connect(server)
    assert "AUTH" not in await wire.cmd("EHLO client.test")
    reply = await wire.cmd(f"AUTH PLAIN {plain(*demo)}")
    assert reply.startswith("538 5.7.11")
    assert (await wire.cmd("NOOP")).startswith("250")
    assert any(isinstance(e, Notice) and "AUTH before TLS" in e.text for e in events)


async def test_c1_auth_before_tls_gets_530_when_tls_required(
    start_server, connect, quick, demo
) -> None:
    server = await start_server(quick(tls_level="encrypt"))
    wire = await connect(server)
    assert "AUTH" not in await wire.cmd("EHLO client.test")
    assert (await wire.cmd(f"AUTH PLAIN {plain(*demo)}")).startswith("530 5.7.0")


async def test_c1_auth_inside_tls_plain_and_login(start_server, connect, client_ctx, demo) -> None:
    server = await start_server()
    user, password = demo
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd(f"AUTH PLAIN {plain(user, password)}")).startswith("235")
    # The same through the challenge forms, in fresh sessions.
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert await wire.cmd("AUTH PLAIN") == "334 "
    assert (await wire.cmd(plain(user, password))).startswith("235")
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd("AUTH LOGIN")).startswith("334 ")
    assert (await wire.cmd(b64(user))).startswith("334 ")
    assert (await wire.cmd(b64(password))).startswith("235")
    assert (await wire.cmd("MAIL FROM:<learner@sandbox.test>")).startswith("250")
    assert (await wire.cmd("RCPT TO:<friend@sandbox.test>")).startswith("250")
    assert (await wire.cmd("DATA")).startswith("354")
    assert (await wire.cmd("Subject: hi\r\n\r\nhello\r\n.")).startswith("250")
    assert server.mailbox[-1].authenticated_as == user


async def test_c1_lab_can_allow_plaintext_auth_with_a_warning(
    start_server, connect, quick, demo
) -> None:
    events: list[object] = []
    server = await start_server(
        quick(tls_level="none", auth_only_after_tls=False), emit=events.append
    )
    warnings = [e for e in events if isinstance(e, Notice) and e.level is Level.WARNING]
    assert any("AUTH run before TLS" in e.text for e in warnings)  # said at start
    wire = await connect(server)
    assert "250-AUTH LOGIN PLAIN" in (await wire.cmd("EHLO client.test")).splitlines()
    assert (await wire.cmd(f"AUTH PLAIN {plain(*demo)}")).startswith("235")
    assert any(
        isinstance(e, Notice) and e.level is Level.WARNING and "plaintext" in e.text for e in events
    )


async def test_c1_auth_required_refuses_mail_until_authenticated(
    start_server, connect, client_ctx, quick, demo
) -> None:
    server = await start_server(quick(tls_level="encrypt", auth_required=True))
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd("MAIL FROM:<learner@sandbox.test>")).startswith("530 5.7.0")
    assert (await wire.cmd(f"AUTH PLAIN {plain(*demo)}")).startswith("235")
    assert (await wire.cmd("MAIL FROM:<learner@sandbox.test>")).startswith("250")


async def test_c3_three_failed_auth_then_421_and_close(
    start_server, connect, client_ctx, demo
) -> None:
    server = await start_server()
    user, _ = demo
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd(f"AUTH PLAIN {plain(user, 'guess1')}")).startswith("535 5.7.8")
    assert (await wire.cmd(f"AUTH PLAIN {plain(user, 'guess2')}")).startswith("535 5.7.8")
    assert (await wire.cmd(f"AUTH PLAIN {plain(user, 'guess3')}")).startswith("421 4.7.0")
    assert await wire.read_until_closed() == b""


async def test_c3_malformed_attempts_count_too(start_server, connect, client_ctx, demo) -> None:
    server = await start_server()
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd("AUTH PLAIN !!!notbase64")).startswith("501")
    assert await wire.cmd("AUTH LOGIN") == "334 VXNlciBOYW1lAA=="
    assert (await wire.cmd("*")).startswith("501")  # aborted
    assert (await wire.cmd("AUTH PLAIN ???")).startswith("501")
    assert (await wire.reply()).startswith("421 4.7.0")
    assert await wire.read_until_closed() == b""


async def test_c3_two_failures_do_not_lock_out(start_server, connect, client_ctx, demo) -> None:
    """Control for the lock-out: the limit is three, not fewer."""
    server = await start_server()
    user, password = demo
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    for guess in ("guess1", "guess2"):
        assert (await wire.cmd(f"AUTH PLAIN {plain(user, guess)}")).startswith("535")
    assert (await wire.cmd(f"AUTH PLAIN {plain(user, password)}")).startswith("235")


async def test_c4_credentials_never_logged(
    start_server, connect, client_ctx, demo, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[object] = []
    server = await start_server(emit=events.append)
    user, password = demo
    secrets = {password, b64(password), plain(user, password), "cleartext-typed-password"}
    caplog.set_level(logging.DEBUG)
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd("AUTH LOGIN")).startswith("334")
    assert (await wire.cmd(b64(user))).startswith("334")
    # A learner typing the password itself, not its base64, at the prompt:
    assert (await wire.cmd("cleartext-typed-password")).startswith("501")
    assert (await wire.cmd(f"AUTH PLAIN {plain(user, password)}")).startswith("235")
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert await wire.cmd("AUTH PLAIN") == "334 "
    assert (await wire.cmd(plain(user, password))).startswith("235")
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd(f"auth login {b64(user)}")).startswith("334")
    assert (await wire.cmd(b64(password))).startswith("235")
    await wire.cmd("QUIT")
    # The loggers really were listening at DEBUG (otherwise this test could not fail):
    assert any(r.name == "mail.log" and r.levelno == logging.DEBUG for r in caplog.records)
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)
    logged += "\n".join(repr(e) for e in events)
    for secret in secrets:
        assert secret not in logged


def test_c5_demo_account_is_generated_private_and_kept(data_dir) -> None:
    account = demo_account()
    assert account.username == DEMO_USER
    assert len(account.password) >= 12
    assert account.password not in repr(account)
    path = data_dir / ACCOUNT_FILE
    assert path.stat().st_mode & 0o777 == 0o600
    assert demo_account() == account  # the same next time


def test_c5_demo_account_with_loose_permissions_is_replaced(data_dir) -> None:
    account = demo_account()
    (data_dir / ACCOUNT_FILE).chmod(0o644)
    fresh = demo_account()
    assert fresh.password != account.password
    assert (data_dir / ACCOUNT_FILE).stat().st_mode & 0o777 == 0o600
    (data_dir / ACCOUNT_FILE).write_text("{not json")
    third = demo_account()
    assert third.password not in (account.password, fresh.password)
    # nested deeper than json's recursion: was a RecursionError traceback at start (X3)
    (data_dir / ACCOUNT_FILE).write_text("[" * 3_000)
    assert demo_account().password not in (account.password, fresh.password, third.password)


async def test_c5_server_knows_only_the_demo_account(start_server, connect, client_ctx) -> None:
    account = demo_account()
    server = await start_server(accounts=None)  # the default: the generated demo account
    wire = await connect(server)
    await wire.upgrade(client_ctx)
    assert (await wire.cmd(f"AUTH PLAIN {plain('root', account.password)}")).startswith("535")
    assert (await wire.cmd(f"AUTH PLAIN {plain(DEMO_USER, account.password)}")).startswith("235")
