"""What a named lab is: server policy, client policy, wire-tap mode, and the scripted session.

A `Scenario` is data plus a script of `ScriptStep`s, each one SMTP command a learner can step
through. `sandbox.lab.session.LabSession` runs them; `sandbox.lab.catalog` names them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

from sandbox.client.policy import TlsPolicy
from sandbox.events import Level, SandboxEvent
from sandbox.notices import notice
from sandbox.smtpd.policy import ServerPolicy

if TYPE_CHECKING:  # the client and the tap are only needed to run a lab, not to list it
    from pathlib import Path

    from sandbox.client.smtp import SmtpClient
    from sandbox.smtpd.server import ChainFiles
    from sandbox.wire.tamper import Tamper

SENDER = "learner@sandbox.test"
RECIPIENT = "friend@sandbox.test"
MESSAGE = (
    "From: Learner <learner@sandbox.test>\r\n"
    "To: Friend <friend@sandbox.test>\r\n"
    "Subject: Hello from the sandbox\r\n"
    "\r\n"
    "This message is the secret the eavesdropper wants to read.\r\n"
    "If it crossed the wire in plaintext, the Eavesdropper pane shows every word.\r\n"
)


class StepContext(Protocol):
    """What a script step may use: the client, the demo account, and a way to speak."""

    @property
    def client(self) -> SmtpClient: ...

    @property
    def demo_account(self) -> tuple[str, str]: ...

    def emit(self, event: SandboxEvent) -> None: ...


StepFn = Callable[[StepContext], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class ScriptStep:
    label: str  # what the learner sees on the step button: "EHLO client.test"
    run: StepFn


@dataclass(frozen=True, slots=True)
class ConfiguredServer:
    """The server a lab's configuration makes as the lab starts (a Postfix break/fix lab): its
    policy, its chain from the lab's folder, the CA the client trusts and the name it checks."""

    policy: ServerPolicy
    chain: ChainFiles | None
    ca_file: Path
    server_hostname: str


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    summary: str  # one plain sentence for the learner, in the list of labs
    server_policy: ServerPolicy
    client_policy: TlsPolicy
    script: Callable[[Scenario], tuple[ScriptStep, ...]]
    implicit_tls: bool = False
    allow_cleartext_auth: bool = False
    authenticate: bool = True  # submission (AUTH) or server-to-server relay (no AUTH)
    tamper: Callable[[], Tamper | None] | None = None
    attack_notice: str | None = None  # said on screen before anything else (properties.md I7)
    configure: Callable[[], ConfiguredServer] | None = None  # the server from a configuration

    def __post_init__(self) -> None:
        if (self.tamper is None) != (self.attack_notice is None):
            # I7: an attack is on only in a lab that says so, and a lab says so only if it is.
            raise ValueError(f"lab {self.name!r}: a tamper and an attack notice go together")

    @property
    def attack(self) -> bool:
        """An attack mode of the wire tap is on (properties.md I7)."""
        return self.tamper is not None

    def with_client_policy(self, policy: TlsPolicy) -> Scenario:
        return replace(self, client_policy=policy)


# --- the steps -------------------------------------------------------------------------------


async def _connect(ctx: StepContext) -> object:
    return await ctx.client.connect()


async def _ehlo(ctx: StepContext) -> object:
    return await ctx.client.ehlo()


async def _starttls(ctx: StepContext) -> object:
    """STARTTLS as the client's policy decides (F2): a `may` client carries on if it is missing."""
    client = ctx.client
    if "STARTTLS" in client.capabilities:
        return await client.starttls()
    return await client.negotiate_tls()  # not offered: warns (may) or quits (encrypt and up)


async def _ehlo_again(ctx: StepContext) -> object:
    if not ctx.client.tls_active:
        ctx.emit(notice(Level.INFO, "lab.no_new_ehlo"))
        return None
    return await ctx.client.ehlo()


async def _auth(ctx: StepContext) -> object:
    user, password = ctx.demo_account
    return await ctx.client.auth_plain(user, password)


async def _mail(ctx: StepContext) -> object:
    return await ctx.client.mail(SENDER)


async def _rcpt(ctx: StepContext) -> object:
    return await ctx.client.rcpt(RECIPIENT)


async def _data(ctx: StepContext) -> object:
    return await ctx.client.data(MESSAGE)


async def _quit(ctx: StepContext) -> object:
    return await ctx.client.quit()


CONNECT = ScriptStep("connect", _connect)
EHLO = ScriptStep("EHLO client.test", _ehlo)
STARTTLS = ScriptStep("STARTTLS", _starttls)
EHLO_AGAIN = ScriptStep("EHLO client.test (again, inside TLS)", _ehlo_again)
AUTH = ScriptStep("AUTH PLAIN (demo account)", _auth)
MAIL = ScriptStep(f"MAIL FROM:<{SENDER}>", _mail)
RCPT = ScriptStep(f"RCPT TO:<{RECIPIENT}>", _rcpt)
DATA = ScriptStep("DATA (the message, then .)", _data)
QUIT = ScriptStep("QUIT", _quit)


def submission_script(scenario: Scenario) -> tuple[ScriptStep, ...]:
    """The whole session for this scenario's kind: STARTTLS only where the client would use it."""
    steps = [CONNECT, EHLO]
    if not scenario.implicit_tls and scenario.client_policy.starts_tls:
        steps += [STARTTLS, EHLO_AGAIN]
    if scenario.authenticate:
        steps.append(AUTH)
    steps += [MAIL, RCPT, DATA, QUIT]
    return tuple(steps)
