"""The named labs: which server policy, client policy and wire-tap mode, and the scripted session.

A `Scenario` is data plus a script of `ScriptStep`s, each one SMTP command a learner can step
through. `sandbox.lab.session.LabSession` runs them. The names and summaries come from
`sandbox.lab.catalog`, so the lesson validator and this module never disagree.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Protocol

from sandbox.client.policy import TlsPolicy
from sandbox.client.smtp import SmtpClient
from sandbox.events import Level, Notice, SandboxEvent
from sandbox.lab.catalog import SCENARIOS as CATALOG
from sandbox.smtpd.policy import ServerPolicy
from sandbox.wire.tap import Tamper

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
class Scenario:
    name: str
    server_policy: ServerPolicy
    client_policy: TlsPolicy
    script: Callable[[Scenario], tuple[ScriptStep, ...]]
    implicit_tls: bool = False
    allow_cleartext_auth: bool = False
    authenticate: bool = True  # submission (AUTH) or server-to-server relay (no AUTH)
    tamper: Callable[[], Tamper | None] | None = None
    attack_notice: str | None = None  # said on screen before anything else (properties.md I7)

    @property
    def summary(self) -> str:
        return CATALOG[self.name].summary

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
        ctx.emit(
            Notice(level=Level.INFO, text="No TLS, so there is nothing to forget: no new EHLO.")
        )
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


# --- the catalogue --------------------------------------------------------------------------

_BUILT_IN: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            name="plaintext",
            server_policy=ServerPolicy(tls_level="none", auth_only_after_tls=False),
            client_policy=TlsPolicy.NONE,
            allow_cleartext_auth=True,
            script=submission_script,
        ),
        Scenario(
            name="starttls",
            server_policy=ServerPolicy(tls_level="encrypt"),
            client_policy=TlsPolicy.VERIFY,
            script=submission_script,
        ),
        Scenario(
            name="implicit-tls",
            server_policy=ServerPolicy(tls_level="encrypt", implicit_tls=True),
            client_policy=TlsPolicy.VERIFY,
            implicit_tls=True,
            script=submission_script,
        ),
    )
}

_registry: dict[str, Scenario] = dict(_BUILT_IN)


def register(scenario: Scenario) -> None:
    """Add a scenario (the threat lab registers its attacks); the name must be in the catalog."""
    if scenario.name not in CATALOG:
        raise ValueError(f"{scenario.name!r} is not in sandbox.lab.catalog.SCENARIOS")
    _registry[scenario.name] = scenario


def available() -> tuple[str, ...]:
    """Names that can run now, in catalogue order."""
    _load_extensions()
    return tuple(name for name in CATALOG if name in _registry)


def get(name: str) -> Scenario:
    _load_extensions()
    try:
        return _registry[name]
    except KeyError:
        known = ", ".join(available())
        raise KeyError(f"unknown scenario {name!r}; choose one of: {known}") from None


def _load_extensions() -> None:
    """Register the threat lab's scenarios. It imports this module, so it is imported late."""
    import sandbox.lab.threatlab  # noqa: F401
