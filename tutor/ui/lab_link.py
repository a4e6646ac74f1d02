"""How the UI drives a sandbox lab: the interface it needs, and the factory for the real one.

The Lab screen only needs an object shaped like `sandbox.lab.session.LabSession` (the
`LabSessionLike` protocol below); tests and the benchmark can hand it any object with this
interface. Pure: no Textual import, and `sandbox.lab.session` is imported only when a real lab
opens.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from sandbox.events import SandboxEvent

Emit = Callable[[SandboxEvent], None]


class ScriptStepLike(Protocol):
    @property
    def label(self) -> str: ...


class LabSessionLike(Protocol):
    """The part of `sandbox.lab.session.LabSession` the Lab screen uses."""

    @property
    def script(self) -> Sequence[ScriptStepLike]: ...

    @property
    def position(self) -> int: ...

    @property
    def finished(self) -> bool: ...

    @property
    def demo_account(self) -> tuple[str, str]: ...

    async def start(self) -> None: ...

    async def step(self) -> bool: ...

    async def play(self, delay: float = 0.0) -> None: ...

    async def send(self, line: str) -> object: ...

    async def restart(self) -> None: ...

    async def server_answer(self, line: str) -> str | None:
        """What the server answers `line` on a connection of its own, outside the policy."""
        ...

    async def stop(self) -> None: ...


SessionFactory = Callable[[str, Emit, str | None], LabSessionLike]
"""(scenario, emit, client_policy) -> a session not yet started."""


def real_session(scenario: str, emit: Emit, client_policy: str | None) -> LabSessionLike:
    """A real sandbox session on loopback (sandbox.lab.session.LabSession)."""
    from sandbox.lab.session import LabSession  # imported here: it loads aiosmtpd and ssl

    # keep_secrets: the lab decrypts its own session and saves it for Wireshark (issue 12)
    return LabSession(scenario, emit=emit, client_policy=client_policy, keep_secrets=True)


def is_start_error(exc: BaseException) -> bool:
    """Whether `exc` is the plain-worded `LabStartError` (its message is for the learner as is)."""
    from sandbox.lab.session import LabStartError

    return isinstance(exc, LabStartError)
