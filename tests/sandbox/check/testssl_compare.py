"""`check` and testssl.sh on the same loopback server: protocols and certificate findings side
by side (properties.md N11; scripts/check-vs-testssl prints the table for every server).

testssl runs with `--fast -p -S` (protocols and the server's certificate only), `--nodns none`
(loopback: no DNS at all), `--add-ca` with the lab's root so both trust the same roots, and its
JSON output is read by finding id (`TLS1`, `cert_chain_of_trust`...). Both are asked about the
name they were pointed at (127.0.0.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sandbox.check.report import Report, check
from sandbox.check.run import Role
from sandbox.config.postfix.enact import enact
from sandbox.config.postfix.reader import read_postfix
from sandbox.config.postfix.scenarios import BreakFix
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.server import SandboxServer

TESTSSL_DEADLINE = 600.0  # one run takes about 25 s here; a loaded machine is slower
PROTOCOLS = {"TLS1": "1.0", "TLS1_1": "1.1", "TLS1_2": "1.2", "TLS1_3": "1.3"}


def run_testssl(exe: str, port: int, ca_file: Path) -> dict[str, str]:
    """testssl's findings for 127.0.0.1:port (STARTTLS), by id."""
    with tempfile.TemporaryDirectory(prefix="testssl.") as tmp:
        out = Path(tmp) / "out.json"
        subprocess.run(
            [exe, "--starttls", "smtp", "--fast", "-p", "-S", "--quiet", "--warnings", "off",
             "--color", "0", "--nodns", "none", "--add-ca", str(ca_file), "--jsonfile", str(out),
             f"127.0.0.1:{port}"],
            capture_output=True, timeout=TESTSSL_DEADLINE, check=False,
        )  # fmt: skip
        data = json.loads(out.read_text()) if out.exists() else []
    return {str(d.get("id")): str(d.get("finding", "")) for d in data}


@dataclass(frozen=True, slots=True)
class Row:
    server: str
    item: str
    ours: str
    theirs: str

    @property
    def agree(self) -> bool:
        return self.ours == self.theirs


def _tls(report: Report) -> bool:
    return report.obs.tls_version is not None


def compare(server: str, report: Report, testssl: dict[str, str]) -> list[Row]:
    """The rows for one server: what `check` says and what testssl says, in the same words."""
    rows = []
    states = report.states()
    tls_theirs = any(testssl.get(i, "").startswith("offered") for i in PROTOCOLS)
    rows.append(Row(server, "TLS session", _yes(_tls(report)), _yes(tls_theirs)))
    if not (_tls(report) or tls_theirs):
        return rows
    for tid, version in PROTOCOLS.items():
        ours = states.get(f"tls{version}", "")
        said = {"accepted": "offered", "untestable": "untestable"}.get(ours, "not offered")
        theirs = "offered" if testssl.get(tid, "").startswith("offered") else "not offered"
        rows.append(Row(server, f"TLS {version}", said, theirs))
    chain = report.chain
    if chain is None:
        return rows
    kind = "EC" if chain.key_type.startswith("EC") else chain.key_type
    items = [
        (
            "chain incomplete",
            _yes(states.get("chain_complete") == "missing"),
            _yes("chain incomplete" in testssl.get("cert_chain_of_trust", "")),
        ),
        ("certificates sent", str(chain.count), testssl.get("certs_countServer", "?")),
        (
            "chain out of order",
            _yes(states.get("chain_order") == "wrong"),
            _yes(testssl.get("certs_list_ordering_problem", "no") != "no"),
        ),
        (
            "expired",
            _yes(states.get("expiry") == "expired"),
            _yes("expired" in testssl.get("cert_expirationStatus", "")),
        ),
        (
            "name covers 127.0.0.1",
            _yes(states.get("name") == "ok"),
            _yes(testssl.get("cert_trust", "").lower().startswith("ok")),
        ),
        ("key", f"{kind} {chain.key_bits}", _key(testssl.get("cert_keySize", ""))),
        (
            "signature hash",
            _hash(chain.signature),
            _hash(testssl.get("cert_signatureAlgorithm", "")),
        ),
    ]
    rows += [Row(server, item, ours, theirs) for item, ours, theirs in items]
    return rows


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _key(text: str) -> str:
    m = re.match(r"(\w+) (\d+) bits", text)
    return f"{m.group(1)} {m.group(2)}" if m else text


def _hash(text: str) -> str:
    m = re.search(r"(SHA|MD)-?(\d+)", text, re.I)
    return f"{m.group(1).upper()}{m.group(2)}" if m else text


def table(rows: list[Row]) -> str:
    """Markdown: server, item, check, testssl, agree or differ."""
    out = ["| server | item | check | testssl.sh | |", "|---|---|---|---|---|"]
    for r in rows:
        verdict = "agree" if r.agree else "DIFFER"
        out.append(f"| {r.server} | {r.item} | {r.ours} | {r.theirs} | {verdict} |")
    return "\n".join(out)


@contextlib.asynccontextmanager
async def lab_server(
    lab: BreakFix, folder: Path, *, fixed: bool
) -> AsyncIterator[tuple[int, Path]]:
    """The break/fix lab's server as its files configure it: (port, the lab's root)."""
    keys = ensure_lab_keys(folder).folder
    main, master = lab.write(keys, fixed=fixed)
    plan = enact(read_postfix(str(main), str(master)), keys)
    listener = next(x for x in plan.listeners if x.service.name == lab.service)
    server = SandboxServer(listener.policy, chain=listener.chain, accounts={"u": "p-Pa55word"})
    await server.start()
    try:
        yield server.port, keys / "root.pem"
    finally:
        await server.stop()


async def both_on_lab(exe: str, lab: BreakFix, folder: Path, *, fixed: bool) -> list[Row]:
    """`check` then testssl on the lab's server: the rows."""
    async with lab_server(lab, folder, fixed=fixed) as (port, root):
        role: Role = "submission" if lab.service == "submission" else "mx"
        report = await asyncio.to_thread(check, "127.0.0.1", port, ca_file=root, role=role)
        theirs = await asyncio.to_thread(run_testssl, exe, port, root)
    label = f"sandbox {lab.name}" + (" (fixed)" if fixed else "")
    return compare(label, report, theirs)
