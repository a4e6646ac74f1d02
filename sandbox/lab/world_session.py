"""A lab session in a lab world: the `dane` or `mta-sts` client reads `example.test`'s records,
decides, plays the scenario (its attack included) as the decision says, and writes a TLS-RPT
report when the session had failures.

    session = WorldLabSession("strip", emit=emit, world="mta-sts-testing", report_dir=folder)
    await session.start()       # the world's DNS and HTTPS policy host, then the sandbox
    await session.play()        # ... a PolicyDecided event first, a TlsReported one at the end
    session.report              # the RFC 8460 report (a dict), or None when nothing failed
    await session.stop()

It is a `LabSession`, so the lab screen drives it like any other (step, play, typed commands,
restart: a restart builds the world again and decides afresh). The world is the matrix's
(`run_world_cell`): the same `decide`, the same checks, the same report.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from sandbox.dane.tlsa import TlsaRecord
from sandbox.events import Level, PolicyDecided, SandboxEvent, TlsReported
from sandbox.lab.session import Emit, LabSession, LabStartError
from sandbox.labdns.world import Decision, LabWorld, Setup, decide, lab_world, tls_report
from sandbox.notices import fill
from sandbox.smtpd.policy import ServerPolicy

WORLDS: dict[str, Setup] = {s.value.replace(" ", "-"): s for s in Setup}
"""A lab block's `world:` names (`mta-sts-testing`...) and the world each one builds."""


def world_setup(name: str) -> Setup:
    """The world a lab block names: `mta-sts-testing` or `mta-sts testing` alike."""
    return WORLDS.get(name) or Setup(name)


class WorldLabSession(LabSession):
    """A `LabSession` whose client acts as the lab world's records say (see the module)."""

    def __init__(
        self,
        scenario: str,
        *,
        emit: Emit,
        world: str,
        report_dir: Path | None = None,
        server_policy: ServerPolicy | None = None,
        keep_secrets: bool = False,
        timeout: float = 30.0,
        policy_file: Path | None = None,
    ) -> None:
        self.setup = world_setup(world)
        # a world whose records the learner writes, published from this file (0600): an MTA-STS
        # world's policy, or a DANE world's TLSA records (one a line)
        self.policy_file = policy_file
        self.policy_kind = self.setup.level.value  # "mta-sts" or "dane"
        self._outer = emit
        self._events: list[SandboxEvent] = []
        super().__init__(
            scenario,
            emit=self._record,
            client_policy=self.setup.level,  # until the world decided (start)
            server_policy=server_policy,
            keep_secrets=keep_secrets,
            timeout=timeout,
        )
        self._report_dir = report_dir
        self._world: contextlib.AsyncExitStack | None = None
        self.decision: Decision | None = None
        self.report: dict[str, Any] | None = None
        self.report_path: Path | None = None
        self._reported = False

    def _record(self, event: SandboxEvent) -> None:
        self._events.append(event)
        self._outer(event)

    async def start(self) -> None:
        """The world (its DNS, its policy host on loopback), the client's decision, then the
        sandbox and the tap as `LabSession.start` makes them."""
        self._events.clear()
        self.report, self.report_path, self._reported = None, None, False
        stack = contextlib.AsyncExitStack()
        try:
            published = self.published_policy()
            if self.policy_kind == "dane" and self.policy_file is not None:
                world: LabWorld = await stack.enter_async_context(
                    lab_world(self.setup, tlsa=_records(published or "", self.policy_file))
                )
            else:
                world = await stack.enter_async_context(lab_world(self.setup, policy=published))
            decision = await decide(self.setup.level, world)
        except LabStartError:
            await stack.aclose()
            raise
        except OSError as exc:
            await stack.aclose()
            raise LabStartError(
                f"The lab world could not start: {exc.strerror or exc}. Check that nothing "
                "blocks 127.0.0.1; then restart the lab."
            ) from exc
        self._world = stack
        self.decision = decision
        self.scenario = self.scenario.with_client_policy(decision.policy)
        self._server_hostname = decision.server_hostname
        self._cert_check = decision.cert_check
        await super().start()
        # said after SessionStarted: a new session's facts start there (the lab screen's fold)
        key = f"decided.{decision.why_key}"
        text, params = fill(key)
        self.emit(PolicyDecided(Level.INFO, text, key, params, decided=decision.why_key))
        if decision.refuse_before_connecting:  # enforce, and the MX is not in the policy
            self.script = ()
            self._finish()

    # --- the learner's policy (an editable MTA-STS world) -----------------------------------------

    @property
    def policy_editable(self) -> bool:
        return self.policy_file is not None

    def published_policy(self) -> str | None:
        """The learner's saved policy, or None (the world's own); a file that cannot be read
        safely (a link, a FIFO, too big, not UTF-8) is a LabStartError in one line."""
        from sandbox.mtasts.policy import MAX_POLICY_BYTES
        from sandbox.safety.files import read_user_file

        if self.policy_file is None:
            return None
        try:
            data = read_user_file(self.policy_file, MAX_POLICY_BYTES)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise LabStartError(f"Your policy {self.policy_file} cannot be used: {exc}") from exc
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LabStartError(
                f"Your policy {self.policy_file} is not UTF-8 (byte {exc.start})"
            ) from None

    def policy_text(self) -> str:
        """What the editor starts from: the saved text, else the world's own policy (an
        MTA-STS world) or nothing (a DANE world: the learner computes the record)."""
        from sandbox.labdns.world import MX_HOST
        from sandbox.mtasts.policy import Mode, policy_text

        try:
            saved = self.published_policy()
        except LabStartError:
            saved = None
        if saved is not None:
            return saved
        if self.policy_kind == "dane":
            return ""
        mode = Mode.TESTING if self.setup is Setup.STS_TESTING else Mode.ENFORCE
        return policy_text(mode, [MX_HOST]).replace("\r\n", "\n")

    def save_policy(self, text: str) -> Path:
        """Publish `text`: saved atomically, 0600; the next start serves it."""
        from sandbox.safety.files import atomic_write

        if self.policy_file is None:
            raise ValueError("this lab world's policy is not the learner's")
        atomic_write(self.policy_file, text.encode("utf-8"))
        return self.policy_file

    def reset_policy(self) -> None:
        """Forget the learner's policy: the world's own is served again."""
        if self.policy_file is not None:
            self.policy_file.unlink(missing_ok=True)

    async def step(self) -> bool:
        more = await super().step()
        self._finish()
        return more

    async def send(self, line: str) -> Any:
        reply = await super().send(line)
        self._finish()
        return reply

    def _finish(self) -> None:
        """Once the session is over, the report of what failed (once per start)."""
        if self._reported or not self.finished or self.decision is None:
            return
        self._reported = True
        self.report = tls_report(self.decision, self._events)
        if self.report is None:
            return
        kinds = tuple(str(d["result-type"]) for d in self.report["policies"][0]["failure-details"])
        where = ""
        if self._report_dir is not None:
            from sandbox.tlsrpt.report import write_report

            try:
                self.report_path = write_report(self._report_dir, self.report)
                where = str(self.report_path)
            except OSError as exc:  # the report is still shown; only the file is missing
                where = f"(not saved: {exc.strerror or exc})"
        text, params = fill("tlsrpt.written", kinds=", ".join(kinds), path=where)
        self.emit(TlsReported(Level.WARNING, text, "tlsrpt.written", params, kinds, where))

    async def stop(self) -> None:
        try:
            await super().stop()
        finally:
            stack, self._world = self._world, None
            if stack is not None:
                await stack.aclose()


def _records(text: str, where: Path) -> list[TlsaRecord]:
    """The learner's TLSA records, one a line (`#` comments and blank lines skipped); a line
    that is no record is a LabStartError in one line, naming it."""
    from sandbox.dane.tlsa import TlsaError, parse_tlsa

    records: list[TlsaRecord] = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            records.append(parse_tlsa(line))
        except TlsaError as exc:
            raise LabStartError(
                f"Your TLSA records ({where}), line {number}: {exc}. Press e to correct them."
            ) from None
    return records
