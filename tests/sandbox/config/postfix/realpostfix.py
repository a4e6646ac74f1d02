"""Real Postfix on loopback, for the differential and log tests (and `scripts/postfix-diff`).

`running_postfix(main_cf, master_cf)` starts the installed Postfix with its OWN config, queue and
data directories in a new temporary folder (`postfix -c DIR start`), and stops it at the end, also
on failure. What keeps it a sandbox:

- every smtpd service of the learner's master.cf is rewritten to listen on `127.0.0.1:<free
  port>` (the ports the case names, 25, 587, 465, are only labels); no other inet service is kept,
  so nothing ever listens on port 25, and `inet_interfaces = loopback-only`, IPv4 only;
- one smtpd process per connection (`max_use = 1`), so each logs its key warnings itself;
- every transport is `discard` and `relayhost` empty: nothing ever leaves the machine, and there
  are no DNS look-ups (`smtp_dns_support_level = disabled`, `smtpd_peername_lookup = no`);
- the log goes to `maillog` in that folder (`maillog_file`, Postfix >= 3.4): `log_lines()`;
- SASL is Postfix's `dovecot` type pointed at a small auth server of the test's own on a free
  loopback port (the Dovecot auth protocol, version 1.2), which knows one user and password.

Those settings come after the learner's main.cf, so the last definition (theirs) never wins over
them. A busy machine is slow: starting waits for each port to answer (never a sleep), with a
generous deadline. A port is free when picked but only taken when Postfix binds it: when another
test took it in between ("Address already in use"), the start is tried again on new ports, a few
times. Runs as root (Postfix's `postfix start` needs it), as it does in a container.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import socket
import socketserver
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

START_DEADLINE = 90.0  # seconds for `postfix start` and the ports: a busy 2-core machine
STOP_DEADLINE = 30.0
START_TRIES = 5  # each with new ports, when another process took one of ours first
USER, PASSWORD = "learner", "demo-Pa55-for-tests"

UNIX_SERVICES = """\
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
"""


def may_start_postfix(exe: str, what: str = "the test") -> str:
    """`exe`, when this process may start Postfix (it must be root); otherwise the test is
    skipped on a learner's machine and fails in CI, where it must run."""
    if os.geteuid() != 0:
        how = f"{what} starts Postfix, which needs root (as in CI's container)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(how, pytrace=False)
        pytest.skip(how)
    return exe


def postfix_available() -> bool:
    """Postfix installed and this process allowed to start it (root)."""
    return shutil.which("postfix") is not None and os.geteuid() == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RealPostfix:
    folder: Path
    ports: dict[str, int]  # master.cf service name (smtp, submission, 127.0.0.1:2525...) -> port
    mark: int = 0  # log lines before the test's own sessions (the start and the port probes)

    @property
    def log(self) -> Path:
        return self.folder / "maillog"

    def log_lines(self) -> list[str]:
        """The log so far, without the syslog prefix's date: `postfix/smtpd[PID]: text`."""
        if not self.log.exists():
            return []
        text = self.log.read_text("utf-8", "replace")
        return [re.sub(r"^\w{3} [ \d]\d [\d:]{8} \S+ ", "", line) for line in text.splitlines()]

    def smtpd_log(self, since: int | None = None) -> list[str]:
        """The smtpd lines' texts (after `postfix/smtpd[PID]: `) from line `since` on (default:
        the test's own sessions, after `mark`)."""
        out = []
        for line in self.log_lines()[self.mark if since is None else since :]:
            m = re.match(r"postfix(?:/[\w-]+)?/smtpd\[\d+\]: (.*)", line)
            if m:
                out.append(m.group(1))
        return out


def _rewrite_master(
    master_cf: str, pick_port: Callable[[], int] = free_port
) -> tuple[str, dict[str, int]]:
    """The learner's master.cf with each smtpd inet service on a loopback port from `pick_port`
    (a free one), every other inet service dropped, and Postfix's internal services appended."""
    from sandbox.config.postfix.reader import read_master_cf

    out, ports = [], {}
    for service in read_master_cf(master_cf):
        if service.type != "inet":
            continue
        if service.command != "smtpd":
            continue  # postscreen and friends: not in the differential
        port = pick_port()
        ports[service.name] = port
        opts = " ".join(f"-o {{ {o.name} = {o.value} }}" for o in service.overrides)
        args = " ".join(service.args)
        out.append(f"127.0.0.1:{port} inet n - n - - smtpd {args} {opts}".rstrip())
    names = {line.split()[0] for line in UNIX_SERVICES.splitlines()}
    clash = names & {s.name for s in read_master_cf(master_cf) if s.type != "inet"}
    assert not clash, f"the case's master.cf redefines {clash}"
    return "\n".join(out) + "\n" + UNIX_SERVICES, ports


def _safety(folder: Path, auth_port: int) -> str:
    return f"""
# --- the test's own: after the learner's lines, so these win (last definition wins) ---
queue_directory = {folder}/queue
data_directory = {folder}/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = loopback-only
inet_protocols = ipv4
relayhost =
default_transport = discard
relay_transport = discard
local_transport = discard
virtual_transport = discard
local_recipient_maps =
alias_maps =
alias_database =
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
maillog_file = {folder}/maillog
maillog_file_prefixes = {folder}
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth_port}
smtpd_error_sleep_time = 0
max_use = 1
smtpd_soft_error_limit = 100
"""


class _DovecotAuth(socketserver.StreamRequestHandler):
    """The server side of Dovecot's auth protocol 1.2, as Postfix's xsasl_dovecot speaks it:
    PLAIN and LOGIN, one user. Enough for AUTH to succeed or fail as a real one would."""

    def handle(self) -> None:
        self.wfile.write(
            b"VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\n"
            b"SPID\t1\nCUID\t1\nCOOKIE\t" + b"0" * 32 + b"\nDONE\n"
        )
        pending: dict[str, list[str]] = {}
        for raw in self.rfile:
            fields = raw.decode("utf-8", "replace").rstrip("\n").split("\t")
            if fields[0] == "AUTH":
                rid, mech = fields[1], fields[2]
                resp = next((f[5:] for f in fields if f.startswith("resp=")), None)
                if mech == "PLAIN" and resp is not None:
                    self._verdict(rid, base64.b64decode(resp).split(b"\0")[1:])
                elif mech == "LOGIN":
                    pending[rid] = []
                    self.wfile.write(f"CONT\t{rid}\t{_b64('Username:')}\n".encode())
                else:
                    self.wfile.write(f"CONT\t{rid}\t\n".encode())
                    pending[rid] = ["PLAIN"]
            elif fields[0] == "CONT" and fields[1] in pending:
                rid, got = fields[1], pending[fields[1]]
                data = base64.b64decode(fields[2]) if len(fields) > 2 else b""
                if got == ["PLAIN"]:
                    del pending[rid]
                    self._verdict(rid, data.split(b"\0")[1:])
                elif not got:
                    got.append(data.decode("utf-8", "replace"))
                    self.wfile.write(f"CONT\t{rid}\t{_b64('Password:')}\n".encode())
                else:
                    del pending[rid]
                    self._verdict(rid, [got[0].encode(), data])
            self.wfile.flush()

    def _verdict(self, rid: str, creds: list[bytes]) -> None:
        if creds == [USER.encode(), PASSWORD.encode()]:
            self.wfile.write(f"OK\t{rid}\tuser={USER}\n".encode())
        else:
            self.wfile.write(f"FAIL\t{rid}\treason=Authentication failed\n".encode())


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


class _AuthServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def _wait_for_ports(ports: dict[str, int], deadline: float, log: Path) -> None:
    for port in ports.values():
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    tail = log.read_text() if log.exists() else "(no log)"
                    raise RuntimeError(f"Postfix never listened on {port}:\n{tail}") from None
                time.sleep(0.05)


def _wait_for_lines(pf: RealPostfix, start: str, count: int, wait: float) -> int:
    """The number of log lines once `count` smtpd lines start with `start`."""
    deadline = time.monotonic() + wait
    while True:
        lines = pf.log_lines()
        texts = pf.smtpd_log()
        if sum(t.startswith(start) for t in texts) >= count or time.monotonic() > deadline:
            return len(lines)
        time.sleep(0.05)


def _master_pid(folder: Path) -> int | None:
    try:
        return int((folder / "queue" / "pid" / "master.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _stop(folder: Path) -> None:
    pid = _master_pid(folder)
    subprocess.run(
        ["postfix", "-c", str(folder / "etc"), "stop"], capture_output=True, timeout=STOP_DEADLINE
    )
    if pid is None:
        return
    deadline = time.monotonic() + STOP_DEADLINE
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, 9)  # only the master this helper started, by its own pid file


class PortTaken(RuntimeError):
    """`postfix start` failed because one of the picked ports was taken before Postfix bound it."""


def _start(folder: Path, master_cf: str, pick_port: Callable[[], int]) -> dict[str, int]:
    """Write master.cf on new ports and `postfix start`; the ports once Postfix listens on them.

    Raises PortTaken when the master could not bind a port (its fatal line is in the log), and
    RuntimeError on any other failure."""
    master, ports = _rewrite_master(master_cf, pick_port)
    (folder / "etc" / "master.cf").write_text(master)
    log = folder / "maillog"
    log.unlink(missing_ok=True)  # a failed try's lines are not the test's
    started = subprocess.run(
        ["postfix", "-c", str(folder / "etc"), "start"],
        capture_output=True,
        text=True,
        timeout=START_DEADLINE,
    )
    if started.returncode != 0:
        tail = log.read_text("utf-8", "replace") if log.exists() else ""
        why = PortTaken if "Address already in use" in started.stderr + tail else RuntimeError
        raise why(f"postfix start failed: {started.stderr}\n{tail}")
    _wait_for_ports(ports, time.monotonic() + START_DEADLINE, log)
    return ports


@contextlib.contextmanager
def running_postfix(
    main_cf: str, master_cf: str, *, pick_port: Callable[[], int] = free_port
) -> Iterator[RealPostfix]:
    """Postfix with the learner's `main_cf` and `master_cf`; see the module docstring. Its folder
    is a new one in the temporary directory, traversable by the `postfix` user (pytest's tmp_path
    is not), removed at the end. `pick_port` chooses each smtpd port (a test can hand out a taken
    one)."""
    folder = Path(tempfile.mkdtemp(prefix="smtp-tutor-postfix."))
    folder.chmod(0o711)
    for sub in ("etc", "queue", "data"):
        (folder / sub).mkdir(exist_ok=True)
    shutil.chown(folder / "data", "postfix")
    auth = _AuthServer(("127.0.0.1", 0), _DovecotAuth)
    threading.Thread(target=auth.serve_forever, daemon=True).start()
    (folder / "etc" / "main.cf").write_text(main_cf + _safety(folder, auth.server_address[1]))
    try:
        for attempt in range(1, START_TRIES + 1):
            try:
                ports = _start(folder, master_cf, pick_port)
                break
            except PortTaken:
                # the master exited at its fatal bind and left its pid file: a stale pid that
                # `_stop` must not take for ours later, when the number is someone else's
                (folder / "queue" / "pid" / "master.pid").unlink(missing_ok=True)
                if attempt == START_TRIES:
                    raise
        pf = RealPostfix(folder, ports)
        # each probe ends with smtpd's `disconnect from` line: the test's sessions come after
        pf.mark = _wait_for_lines(pf, "disconnect from", len(ports), START_DEADLINE)
        yield pf
    finally:
        _stop(folder)
        auth.shutdown()
        auth.server_close()
        shutil.rmtree(folder, ignore_errors=True)
