"""aiosmtpd's private parts the sandbox relies on (sandbox/smtpd/aiosmtpd_private.py) still exist.

A future aiosmtpd that renames one of them fails here, by name, instead of deep inside a session.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from typing import Any

import pytest
from aiosmtpd.smtp import MISSING, SMTP

from sandbox.smtpd import aiosmtpd_private as private
from sandbox.smtpd import protocol
from sandbox.smtpd.protocol import SandboxSMTP


def _plain_smtp(loop: asyncio.AbstractEventLoop) -> SMTP:
    return SMTP(object(), hostname="sandbox.test", loop=loop)


@pytest.mark.parametrize("name", sorted(private.OVERRIDDEN))
def test_overridden_private_methods_exist_with_the_expected_signature(name: str) -> None:
    ours, theirs = getattr(SandboxSMTP, name), getattr(SMTP, name)
    assert ours is not theirs, f"SandboxSMTP no longer overrides {name}: update OVERRIDDEN"
    params = tuple(inspect.signature(theirs).parameters)
    assert params == private.OVERRIDDEN[name], f"aiosmtpd's SMTP.{name}{params} changed"
    assert inspect.iscoroutinefunction(theirs) == inspect.iscoroutinefunction(ours), name


@pytest.mark.parametrize("name", sorted(private.CALLED))
def test_called_private_methods_exist_with_the_expected_signature(name: str) -> None:
    params = tuple(inspect.signature(getattr(SMTP, name)).parameters)
    assert params == private.CALLED[name], f"aiosmtpd's SMTP.{name}{params} changed"


async def test_private_attributes_exist_on_a_connected_session() -> None:
    loop = asyncio.get_running_loop()
    sessions: list[SMTP] = []

    def factory() -> SMTP:
        sessions.append(_plain_smtp(loop))
        return sessions[-1]

    server = await loop.create_server(factory, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        async with asyncio.timeout(5):
            assert (await reader.readline()).startswith(b"220 sandbox.test")
        proto = sessions[0]
        missing = [name for name in private.ATTRIBUTES if not hasattr(proto, name)]
        assert missing == [], f"aiosmtpd's SMTP lost {missing}"
        assert isinstance(private.handler_task(proto), asyncio.Task)
        assert isinstance(private.reader(proto), asyncio.StreamReader)
        assert private.upgrading(proto) is False
        assert private.tls_started(proto) is False
        assert private.raw_transport(proto) is None
        assert "EHLO" in private.commands(proto)
        assert private.auth_require_tls(proto) is True  # aiosmtpd's default
        private.set_auth_required(proto, True)
        writer.write(b"EHLO client.test\r\nMAIL FROM:<a@example.test>\r\n")
        async with asyncio.timeout(5):
            while not (await reader.readline()).startswith(b"250 "):
                pass
            assert (await reader.readline()).startswith(b"530")  # auth_required took effect
    finally:
        writer.close()
        server.close()
        await server.wait_closed()


async def test_call_handler_hook_answers_missing_when_the_handler_has_no_hook() -> None:
    proto = _plain_smtp(asyncio.get_running_loop())
    assert await private.call_handler_hook(proto, "DATA") is MISSING


async def test_set_post_data_state_gives_a_fresh_envelope() -> None:
    proto = _plain_smtp(asyncio.get_running_loop())
    proto._set_post_data_state()  # type: ignore[no-untyped-call]
    first = proto.envelope
    first.mail_from = "a@example.test"
    private.set_post_data_state(proto)
    assert proto.envelope is not first
    assert proto.envelope.mail_from is None


async def test_no_private_name_of_the_subclass_shadows_one_of_aiosmtpd() -> None:
    # SandboxSMTP keeps its own state in `_name` attributes and methods; one that aiosmtpd (or
    # asyncio's StreamReaderProtocol under it) starts to use too would silently break both.
    written = set(re.findall(r"self\.(_[a-z]\w*)", inspect.getsource(protocol)))
    defined = {name for name in vars(SandboxSMTP) if re.fullmatch(r"_[a-z]\w*", name)}
    own = (written | defined) - set(private.OVERRIDDEN)
    assert {"_hooks", "_lost", "_handshake"} <= own  # the scan sees them
    theirs = set(dir(SMTP)) | set(vars(_plain_smtp(asyncio.get_running_loop())))
    assert sorted(own & theirs) == [], "SandboxSMTP's own names are also aiosmtpd's"


def test_a_registered_handlers_hook_signature_is_worked_out_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SMTP.__init__ reads `inspect.signature(handler.handle_EHLO)` for every connection; for the
    sandbox's classes it is worked out once per method, and equals inspect's own."""

    class Hooks:
        async def handle_EHLO(
            self, server: object, session: object, envelope: object, host: str, said: list[str]
        ) -> list[str]:
            return said

    private.cache_auth_members(Hooks)
    real = inspect.signature
    calls: list[object] = []

    def counted(obj: Any) -> inspect.Signature:
        calls.append(obj)
        return real(obj)

    monkeypatch.setattr(inspect, "signature", counted)
    first, second = Hooks(), Hooks()
    said = private.AUTH_MEMBERS.signature(first.handle_EHLO)
    assert said == real(first.handle_EHLO) and len(said.parameters) == 5
    assert private.AUTH_MEMBERS.signature(second.handle_EHLO) is said
    assert len(calls) == 1
    plain = private.AUTH_MEMBERS.signature(len)  # anything else: inspect's own, every time
    assert plain == real(len) and len(calls) == 2
