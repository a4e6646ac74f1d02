"""Dependencies you can trust: declared floors are the tested floors, every one is capped, the
installed versions are inside the declared ranges, and only the *_private modules touch a
dependency's private parts."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(text) for text in PROJECT["dependencies"]]
TEST = [Requirement(text) for text in PROJECT["optional-dependencies"]["test"]]
# aiosmtpd's privates (sandbox/smtpd/aiosmtpd_private.py) may change in any minor release.
CAPPED_AT_NEXT_MINOR = {"aiosmtpd"}


def _floors() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "constraints" / "floors.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned, f"constraints/floors.txt: {line!r} is not name==version"
            pins[canonicalize_name(name)] = Version(pinned)
    return pins


def _bounds(req: Requirement) -> tuple[Version, Version]:
    floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
    caps = [Version(s.version) for s in req.specifier if s.operator == "<"]
    assert len(floors) == 1 and len(caps) == 1, f"{req}: want exactly one >= floor and one < cap"
    assert len(req.specifier) == 2, f"{req}: only a floor and a cap"
    return floors[0], caps[0]


def _ids(reqs: list[Requirement]) -> list[str]:
    return [req.name for req in reqs]


@pytest.mark.parametrize("req", RUNTIME + TEST, ids=_ids(RUNTIME + TEST))
def test_declared_floor_is_the_pinned_floor(req: Requirement) -> None:
    floor, _ = _bounds(req)
    pinned = _floors().get(canonicalize_name(req.name))
    assert pinned == floor, f"pyproject says {req}, constraints/floors.txt says {pinned}"


def test_floors_file_pins_only_declared_dependencies() -> None:
    declared = {canonicalize_name(req.name) for req in RUNTIME + TEST}
    assert set(_floors()) == declared


@pytest.mark.parametrize("req", RUNTIME + TEST, ids=_ids(RUNTIME + TEST))
def test_cap_is_a_next_major_release(req: Requirement) -> None:
    floor, cap = _bounds(req)
    minor_cap = canonicalize_name(req.name) in CAPPED_AT_NEXT_MINOR or cap.major == 0
    want = Version(f"{cap.major}.{cap.minor}") if minor_cap else Version(f"{cap.major}")
    assert cap == want, f"{req}: cap at a {'minor' if minor_cap else 'major'} release"
    assert floor < cap


@pytest.mark.parametrize("req", RUNTIME + TEST, ids=_ids(RUNTIME + TEST))
def test_installed_version_is_inside_the_declared_range(req: Requirement) -> None:
    installed = version(req.name)
    assert req.specifier.contains(installed, prereleases=True), f"{req.name} {installed}: {req}"


# A dependency's private name -> the one module allowed to use it (None: no module may).
PRIVATE_USES: dict[str, str | None] = {
    r"\bsslproto\b": "sandbox/asyncio_private.py",
    r"\._buffer\b": "sandbox/asyncio_private.py",
    r"\._(app_transport|outgoing|on_handshake_complete|start_shutdown)\b": (
        "sandbox/asyncio_private.py"
    ),
    r"\b_Missing\b": "sandbox/smtpd/aiosmtpd_private.py",
    r"\._(reader|tls_protocol|original_transport|smtp_methods|handler_coroutine)\b": (
        "sandbox/smtpd/aiosmtpd_private.py"
    ),
    r"\._(auth_required|auth_require_tls)\b": "sandbox/smtpd/aiosmtpd_private.py",
    r"\._(call_handler_hook|set_post_data_state|reset_timeout)\b": (
        "sandbox/smtpd/aiosmtpd_private.py"
    ),
    r"\._login_data\b": None,
    r"\brich\._|from rich import _": "tutor/ui/rich_private.py",
    r"\._(merged_bindings|bindings)\b": "tutor/ui/textual_private.py",
    r"\b(textual|aiosmtpd|cryptography|markdown_it|platformdirs)\._|"
    r"from (textual|aiosmtpd|cryptography|markdown_it|platformdirs)(\.\w+)* import _": None,
}
# aiosmtpd's SMTP is subclassed here, so `self._x` may be aiosmtpd's; elsewhere it is the class's.
SUBCLASSES = {"sandbox/smtpd/protocol.py"}


def _offences(rel: str, code: str) -> bool:
    for pattern, home in PRIVATE_USES.items():
        if rel == home:
            continue
        for match in re.finditer(pattern, code):
            own = code[: match.start()].endswith("self") and rel not in SUBCLASSES
            if not own:
                return True
    return False


def test_only_the_private_modules_touch_a_dependency_s_private_parts() -> None:
    found: list[str] = []
    for path in sorted([*(ROOT / "sandbox").rglob("*.py"), *(ROOT / "tutor").rglob("*.py")]):
        rel = path.relative_to(ROOT).as_posix()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if _offences(rel, code):
                found.append(f"{rel}:{n}: {code.strip()}")
    assert found == [], "use the *_private module instead:\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("rel", "code", "offends"),
    [
        ("sandbox/smtpd/protocol.py", "leftover = len(self._reader._buffer)", True),
        ("sandbox/smtpd/protocol.py", "blob = await self._reader.readline()", True),
        ("sandbox/client/connection.py", "self._reader = None", False),
        ("sandbox/client/connection.py", "return len(reader._buffer)", True),
        ("sandbox/smtpd/server.py", "tasks = [p._handler_coroutine for p in s]", True),
        ("tutor/ui/cjk_wrap.py", "from rich import _wrap", True),
        ("tutor/ui/widgets/keys.py", "merged = type(node)._merged_bindings", True),
        ("tutor/ui/app.py", "from textual._compose import compose", True),
        ("tutor/ui/app.py", "from textual.app import App", False),
        ("sandbox/asyncio_private.py", "return len(reader._buffer)", False),
    ],
)
def test_the_private_uses_scan_tells_an_offence(rel: str, code: str, offends: bool) -> None:
    assert _offences(rel, code) is offends


@pytest.mark.parametrize("home", sorted({h for h in PRIVATE_USES.values() if h is not None}))
def test_each_private_module_exists_and_says_which_versions_were_checked(home: str) -> None:
    text = (ROOT / home).read_text(encoding="utf-8")
    doc = text.split('"""')[1]
    assert "Why" in doc, f"{home}: say why the private parts are needed"
    assert re.search(r"Checked: .*\d+\.\d+", doc), f"{home}: say which versions were checked"
