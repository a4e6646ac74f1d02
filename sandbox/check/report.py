"""One check, start to end: the probes, the chain judged, the findings; and the report as
JSON-ready data (`smtp-tutor check --json`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sandbox.check.chain import ChainFacts, judge_chain, load_store
from sandbox.check.findings import CheckFinding, CheckLevel, judge
from sandbox.check.probe import TIMEOUT
from sandbox.check.run import Mode, Observations, Role, observe

JSON_VERSION = 1


@dataclass(frozen=True, slots=True)
class Report:
    obs: Observations
    chain: ChainFacts | None
    findings: tuple[CheckFinding, ...]
    store: str  # where the trusted roots came from ("" when there were none)

    def worst(self) -> CheckLevel:
        order = list(CheckLevel)
        return max((f.level for f in self.findings), key=order.index, default=CheckLevel.OK)

    def find(self, key: str) -> CheckFinding | None:
        return next((f for f in self.findings if f.key == key), None)

    def states(self) -> dict[str, str]:
        """key -> state: what tests and scripts compare."""
        return {f.key: f.state for f in self.findings}

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        obs = self.obs
        return {
            "version": JSON_VERSION,
            "target": str(obs.target),
            "mode": obs.mode,
            "role": obs.role,
            "name": obs.name,
            "connections": obs.connections,
            "banner": obs.banner.text if obs.banner else None,
            "tls": {"version": obs.tls_version, "cipher": obs.cipher},
            "protocols": {v.version: v.outcome for v in obs.versions},
            "certificate": asdict(self.chain) if self.chain else None,
            "worst": self.worst().value,
            "findings": [
                {
                    "key": f.key,
                    "state": f.state,
                    "level": f.level.value,
                    "params": dict(f.params),
                    "what": f.text(lang).what,
                    "why": f.text(lang).why,
                    "fix": f.text(lang).fix,
                    "postfix": f.fix.postfix,
                    "exchange": f.fix.exchange,
                    "lesson": f.fix.lesson,
                }
                for f in self.findings
            ],
        }


def check(
    host: str,
    port: int,
    *,
    mode: Mode = "starttls",
    name: str | None = None,
    ca_file: Path | None = None,
    timeout: float = TIMEOUT,
    role: Role | None = None,
) -> Report:
    """Probe `host:port` and judge it. Raises `CheckError` (unreachable, not SMTP) and
    `ValueError` (an unreadable --ca-file) with one line each."""
    roots, store = load_store(ca_file)
    obs = observe(host, port, mode=mode, name=name, timeout=timeout, role=role)
    chain = judge_chain(obs.chain, obs.name, roots)
    return Report(obs, chain, tuple(judge(obs, chain)), store)
