"""The repository's references resolve: property ids, named tests, files and modules.

Read from the code (comments and docstrings of every .py file under tutor/, sandbox/, tests/ and
bench/) and from the Markdown (README.md, lessons/README.md, docs/), three checks:

(a) Every property id that is cited is listed in docs/properties.md (a `### B1 ...` heading).
    An id is a capital A-K and a number (`B1`, `D8`); a range `E1-E5` stands for every id in it,
    and `I1/K1` for both. A bare id in prose could be anything (the `F1` key, C1 control
    characters), so an id counts as cited only where it is plainly a property:
    - after `properties.md`, as a list: `properties.md B1, F3 and I6`, `properties.md G1-G5`;
    - as a whole item of a parenthesised list: `(F2)`, `(E1, E2, B7)`, `(never relayed, K2)`;
    - as the start of a line of a comment or docstring, alone or up to a colon: `# D2`,
      `# B4: aiosmtpd answers 220`, `# --- H1 ---`, `\"\"\"D8: the server's replies ...`;
    - in a test's name, lower case, right after `test_`: `test_b1_...`, `test_j1_j2_...`.
(b) Every test docs/properties.md names (`tests/<dir>/test_<x>.py::test_<name>`, or with a class
    `::Class::test_<name>`) exists: the file, and the function in it.
(c) Every reference to a file or a module in that prose resolves in this repository:
    - a path whose first part is a top-level entry of the repository (`sandbox/wire/tap.py`,
      `tests/tutor/`, `docs/properties.md`), from the root, or any path relative to the citing
      file's folder (`sandbox/client/test_replies.py` from tests/); a path inside the wheel
      (`tutor/_lessons/`) is read through pyproject's force-include to the source it comes from;
    - a bare file name ending in .py, .md or .tcss (`properties.md`, `test_client_downgrade.py`)
      names a file that exists somewhere in the repository;
    - a dotted name starting with a package of ours (`sandbox.wire.tap`,
      `tutor.model.goals.GOALS`, `sandbox.lab.session.LabSession.start`): the longest prefix that
      is a module must exist, the next part must be defined at its top level, and if that is a
      class the part after it must be defined in the class.
    Not references: URLs, absolute or home paths, dot-folders (`.venv/`), placeholders
    (`lessons/<lang>/NN-slug.md`, `DIR/en/`, `*.md`), and `sandbox.test`, the sandbox's mail
    domain. A path whose first part is not ours (`CR/LF`, `yes/no`) is checked only if it has one
    of those file suffixes; `./x` and `../x` are read from the citing file's folder.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROPERTIES = ROOT / "docs" / "properties.md"
CODE_DIRS = ("tutor", "sandbox", "tests", "bench")
MARKDOWN = ("README.md", "lessons/README.md")
PACKAGES = ("sandbox", "tutor", "tests", "bench")
FILE_SUFFIXES = (".py", ".md", ".tcss")
SKIP_DIRS = frozenset({"__pycache__", "__snapshots__", "snapshots", "node_modules"})

ID = r"[A-K][1-9][0-9]?"
RANGE = rf"{ID}(?:-{ID})?"
ID_LIST = rf"{RANGE}(?:(?:\s*[,/]\s*(?:and\s+)?|\s+and\s+){RANGE})*"
AFTER_PROPERTIES = re.compile(rf"properties\.md\s+({ID_LIST})")
PARENTHESIS = re.compile(r"\(([^()]*)\)")
ITEM_SEP = re.compile(r"\s*(?:[,;/]|\band\b)\s*")
WHOLE_LEAD = re.compile(rf"^[\s-]*({ID_LIST})(?:\s*:|[\s-]*$)")
TEST_NAME_IDS = re.compile(r"^test_((?:[a-k][1-9][0-9]?_)+)")
HEADING = re.compile(rf"^###\s+({ID})\b", re.MULTILINE)
NAMED_TEST = re.compile(r"`(tests/[\w/]+\.py)::((?:\w+::)?test_\w+)`")
# A run of characters a path or dotted name is made of; classified in `references`.
TOKEN = re.compile(r"[\w./<>*{}$~:-]+")
DOTTED = re.compile(rf"(?:{'|'.join(PACKAGES)})(?:\.\w+)+")
MAIL_DOMAIN = re.compile(r"sandbox\.test\b")  # the sandbox's host name, not a module
# Placeholders, absolute paths and local dot-folders (`.venv/`); `./x` and `../x` are relative.
PLACEHOLDER = re.compile(r"[<>*{}$~]|^/|^\.(?!\.?/)|(?:^|/)[A-Z]{2,}[/-]")


@dataclass(frozen=True)
class Prose:
    """A comment, a docstring or a Markdown paragraph: text that may cite ids and files."""

    path: Path  # relative to the root
    line: int
    text: str

    def where(self) -> str:
        return f"{self.path}:{self.line}"


def code_files(root: Path) -> list[Path]:
    found = []
    for top in CODE_DIRS:
        for path in sorted((root / top).rglob("*.py")):
            parts = path.relative_to(root).parts
            if not SKIP_DIRS.intersection(parts) and not any(p.startswith(".") for p in parts):
                found.append(path)
    return found


def markdown_files(root: Path) -> list[Path]:
    files = [root / m for m in MARKDOWN if (root / m).is_file()]
    return files + sorted((root / "docs").rglob("*.md"))


def python_prose(root: Path, path: Path) -> Iterator[Prose]:
    """Docstrings, and each run of consecutive comment lines as one text (citations wrap)."""
    source = path.read_text(encoding="utf-8")
    rel = path.relative_to(root)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            doc = ast.get_docstring(node, clean=True)
            if doc is not None:
                yield Prose(rel, node.body[0].lineno, doc)
    block: list[str] = []
    start = last = 0
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        row = tok.start[0]
        if block and row != last + 1:
            yield Prose(rel, start, "\n".join(block))
            block = []
        if not block:
            start = row
        block.append(tok.string.lstrip("#").strip())
        last = row
    if block:
        yield Prose(rel, start, "\n".join(block))


def prose_of(root: Path) -> list[Prose]:
    found = [p for f in code_files(root) for p in python_prose(root, f)]
    for md in markdown_files(root):
        found.extend(markdown_prose(root, md))
    return found


def markdown_prose(root: Path, path: Path) -> Iterator[Prose]:
    """Each paragraph (lines up to a blank line) of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    for row, line in enumerate([*lines, ""]):
        if not line.strip():
            if row > start:
                yield Prose(path.relative_to(root), start + 1, "\n".join(lines[start:row]))
            start = row + 1


# --- (a) property ids ---------------------------------------------------------------------------


def expand(ids: str) -> set[str]:
    """`B1, F3 and I6` -> {B1, F3, I6}; `E1-E5` -> {E1, ..., E5}; `I1/K1` -> {I1, K1}."""
    found: set[str] = set()
    for first, last in re.findall(rf"({ID})(?:-({ID}))?", ids):
        if last and last[0] == first[0] and int(last[1:]) >= int(first[1:]):
            found.update(f"{first[0]}{n}" for n in range(int(first[1:]), int(last[1:]) + 1))
        else:
            found.update(x for x in (first, last) if x)
    return found


def cited_ids(text: str) -> set[str]:
    """The property ids `text` cites, by the rules of this module's docstring."""
    flat = " ".join(text.split())
    found: set[str] = set()
    for match in AFTER_PROPERTIES.finditer(flat):
        found |= expand(match.group(1))
    for group in PARENTHESIS.finditer(flat):
        for item in ITEM_SEP.split(group.group(1)):
            if re.fullmatch(RANGE, item.strip()):
                found |= expand(item)
    for line in text.splitlines():
        lead = WHOLE_LEAD.match(line)
        if lead:
            found |= expand(lead.group(1))
    return found


def ids_in_test_name(name: str) -> set[str]:
    match = TEST_NAME_IDS.match(name)
    return {i.upper() for i in match.group(1).split("_") if i} if match else set()


def functions_named_test(root: Path) -> Iterator[tuple[Path, int, str]]:
    for path in code_files(root):
        if not path.name.startswith("test_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = [
            n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ]
        for node in functions:
            if node.name.startswith("test_"):
                yield path.relative_to(root), node.lineno, node.name


def listed_ids(properties: Path) -> set[str]:
    return set(HEADING.findall(properties.read_text(encoding="utf-8")))


def unlisted_ids(root: Path, listed: set[str]) -> list[str]:
    problems = [
        f"{p.where()}: cites {i}, which docs/properties.md does not list"
        for p in prose_of(root)
        for i in sorted(cited_ids(p.text) - listed)
    ]
    for path, line, name in functions_named_test(root):
        for i in sorted(ids_in_test_name(name) - listed):
            problems.append(f"{path}:{line}: {name} names {i}, which docs/properties.md lacks")
    return problems


# --- (b) tests named in docs/properties.md ------------------------------------------------------


def defines_test(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    *classes, function = name.split("::")
    body: list[ast.stmt] = tree.body
    for cls in classes:
        found = [n for n in body if isinstance(n, ast.ClassDef) and n.name == cls]
        if not found:
            return False
        body = found[0].body
    return any(
        isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function for n in body
    )


def missing_tests(root: Path, text: str) -> list[str]:
    problems = []
    for rel, name in NAMED_TEST.findall(text):
        path = root / rel
        if not path.is_file():
            problems.append(f"{rel}::{name}: no such file")
        elif not defines_test(path, name):
            problems.append(f"{rel}::{name}: no such test in the file")
    return problems


# --- (c) files and modules ----------------------------------------------------------------------


@cache
def file_names(root: Path) -> frozenset[str]:
    return frozenset(
        p.name
        for p in root.rglob("*")
        if p.suffix in FILE_SUFFIXES and not p.relative_to(root).parts[0].startswith(".")
    )


@cache
def top_names(module: Path) -> dict[str, ast.AST]:
    """What a module defines at its top level (and, for a class, the class node itself)."""
    names: dict[str, ast.AST] = {}
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef():
                names.setdefault(node.name, node)
            case ast.Name(ctx=ast.Store()):
                names.setdefault(node.id, node)
            case ast.alias():
                names.setdefault((node.asname or node.name).split(".")[0], node)
    return names


def class_names(cls: ast.ClassDef) -> set[str]:
    names = set()
    for node in ast.walk(cls):
        match node:
            case ast.FunctionDef() | ast.AsyncFunctionDef() | ast.ClassDef():
                names.add(node.name)
            case ast.Name(ctx=ast.Store()) | ast.Attribute(ctx=ast.Store()):
                names.add(node.id if isinstance(node, ast.Name) else node.attr)
    return names


def module_resolves(root: Path, dotted: str) -> bool:
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:cut])
        module = base / "__init__.py" if base.is_dir() else base.with_suffix(".py")
        if not (base.is_dir() or module.is_file()):
            continue
        rest = parts[cut:]
        if not rest:
            return True
        names = top_names(module) if module.is_file() else {}
        node = names.get(rest[0])
        if node is None:
            return False
        return not (isinstance(node, ast.ClassDef) and len(rest) > 1) or rest[1] in class_names(
            node
        )
    return False


def references(prose: Prose) -> Iterator[str]:
    """Paths and dotted names in `prose` that count as references (see the module docstring)."""
    for match in TOKEN.finditer(prose.text):
        token = match.group().rstrip(".:-").lstrip(":-")
        before = prose.text[max(0, match.start() - 1) : match.start()]
        if "://" in token or before in ("@", "/") or PLACEHOLDER.search(token):
            continue
        if "/" in token or token.endswith(FILE_SUFFIXES):
            yield token.split(":")[0]
        elif DOTTED.fullmatch(token) and not MAIL_DOMAIN.match(token):
            yield token


def resolves(root: Path, prose: Prose, ref: str) -> bool:
    if "/" not in ref and ref.endswith(FILE_SUFFIXES):
        return ref in file_names(root)
    if "/" not in ref:
        return module_resolves(root, ref)
    here = (root / prose.path).parent
    if (here / ref).exists():
        return True
    for target, source in wheel_paths(root).items():
        if ref.rstrip("/") == target or ref.startswith(f"{target}/"):
            ref = source + ref.rstrip("/").removeprefix(target)
    first = ref.split("/")[0]
    tops = {p.name for p in root.iterdir()}
    return (root / ref).exists() if first in tops else not ref.endswith(FILE_SUFFIXES)


@cache
def wheel_paths(root: Path) -> dict[str, str]:
    """Where pyproject puts folders in the wheel: {"tutor/_lessons": "lessons"}."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        return {}
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    wheel = config.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {})
    force = wheel.get("wheel", {}).get("force-include", {})
    return {str(target).rstrip("/"): str(source) for source, target in force.items()}


def broken_references(root: Path, prose: Iterable[Prose]) -> list[str]:
    return [
        f"{p.where()}: {ref} does not resolve"
        for p in prose
        for ref in references(p)
        if not resolves(root, p, ref)
    ]


# --- the checks on this repository --------------------------------------------------------------


def test_every_cited_property_id_is_listed_in_docs_properties_md() -> None:
    listed = listed_ids(PROPERTIES)
    assert len(listed) >= 50, "docs/properties.md lists the ids as `### B1 ...` headings"
    assert unlisted_ids(ROOT, listed) == []


def test_every_test_docs_properties_md_names_exists() -> None:
    text = PROPERTIES.read_text(encoding="utf-8")
    assert len(NAMED_TEST.findall(text)) >= 100
    assert missing_tests(ROOT, text) == []


def test_every_file_and_module_reference_resolves() -> None:
    assert broken_references(ROOT, prose_of(ROOT)) == []


# --- the checker on made-up input: it can fail ----------------------------------------------------


def test_cited_ids_follow_the_rules() -> None:
    assert cited_ids("TLS contexts (properties.md G1-G5).") == {"G1", "G2", "G3", "G4", "G5"}
    assert cited_ids("(properties.md B1, F3 and I6)") == {"B1", "F3", "I6"}
    assert cited_ids("loopback (properties.md\nI1/K1)") == {"I1", "K1"}
    assert cited_ids("kept, not relayed (never relayed, K2; E1, E2)") == {"K2", "E1", "E2"}
    assert cited_ids("D2") == {"D2"}
    assert cited_ids("setup\n--- H1, J2 ------") == {"H1", "J2"}
    assert cited_ids("B4: aiosmtpd answers 220") == {"B4"}
    # Not properties: a key, control characters in prose, a placeholder, a chapter.
    assert cited_ids("F1 help: for each part of the screen") == set()
    assert cited_ids("every C1 control and the A4 paper size (RFC 5321 4.5.3)") == set()
    assert ids_in_test_name("test_j1_j2_private_dir") == {"J1", "J2"}
    assert ids_in_test_name("test_e2e_round_trip") == set()


def test_checker_finds_an_unlisted_id_a_missing_test_and_a_broken_path(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "properties.md").write_text("### B1 one\n", encoding="utf-8")
    pkg = tmp_path / "sandbox" / "wire"
    pkg.mkdir(parents=True)
    (pkg / "tap.py").write_text(
        '"""The tap (properties.md B1, Z9, B2); see sandbox/wire/tapp.py and sandbox.wire.tapp,\n'
        'sandbox.wire.tap.WireTap and tap.py, mail for learner@sandbox.test."""\n'
        "class WireTap:\n    def start(self) -> None:\n        pass  # ok (B1)\n",
        encoding="utf-8",
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_tap.py").write_text(
        "def test_b1_real() -> None:\n    pass\n\n\ndef test_c3_unlisted() -> None:\n    pass\n",
        encoding="utf-8",
    )
    problems = unlisted_ids(tmp_path, listed_ids(tmp_path / "docs" / "properties.md"))
    assert problems == [
        "sandbox/wire/tap.py:1: cites B2, which docs/properties.md does not list",
        "tests/test_tap.py:5: test_c3_unlisted names C3, which docs/properties.md lacks",
    ]
    named = "`tests/test_tap.py::test_b1_real`, `tests/test_tap.py::test_b1_gone`, " + (
        "`tests/x.py::test_a`"
    )
    assert missing_tests(tmp_path, named) == [
        "tests/test_tap.py::test_b1_gone: no such test in the file",
        "tests/x.py::test_a: no such file",
    ]
    assert broken_references(tmp_path, prose_of(tmp_path)) == [
        "sandbox/wire/tap.py:1: sandbox/wire/tapp.py does not resolve",
        "sandbox/wire/tap.py:1: sandbox.wire.tapp does not resolve",
    ]
    good = Prose(Path("sandbox/wire/tap.py"), 1, "sandbox.wire.tap.WireTap.start, docs/, ../wire/")
    bad = Prose(Path("x.md"), 1, "sandbox.wire.tap.WireTap.stop, gone.md and [x](../x.md)")
    assert broken_references(tmp_path, [good]) == []
    assert broken_references(tmp_path, [bad]) == [
        "x.md:1: sandbox.wire.tap.WireTap.stop does not resolve",
        "x.md:1: gone.md does not resolve",
        "x.md:1: ../x.md does not resolve",
    ]


@pytest.mark.parametrize("ref", ["sandbox/wire/tap.py", "tests/", "sandbox.events.Notice"])
def test_real_references_resolve(ref: str) -> None:
    assert resolves(ROOT, Prose(Path("README.md"), 1, ref), ref)
