"""The built-in block builders: `quiz`, `transcript` and `lab` from the body of their fences.

Each builder takes a `FenceBody` and returns the block, or None, and every problem it found, with
its file line; `tutor.model.block_kinds` registers them under their info strings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TypedDict, cast

from sandbox.lab.catalog import SCENARIOS
from tutor.model.fields import Field, Fields, count, parse_fields, shorten, whole_number
from tutor.model.goals import GOALS
from tutor.model.lesson import (
    CLIENT_POLICIES,
    LAB_MODES,
    NO_SCENARIO,
    ClientPolicy,
    FenceBody,
    Lab,
    LabMode,
    LessonError,
    LineKind,
    Quiz,
    Transcript,
    TranscriptLine,
)

_QUIZ_SCALARS = ("question", "answer", "hint", "explain")
_QUIZ_LISTS = ("choices", "accept", "why")
_LAB_SCALARS = ("scenario", "mode", "do", "goal", "hint", "client-policy")
_LAB_SERVER = ("server-policy", "server-auth-only", "server-min-tls", "config")
"""A lab's server: Postfix-named settings over the scenario's server, or a config lab's files."""


def _or_list(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def unknown_scenario(name: str) -> str:
    return f"unknown scenario {name!r} (see 'smtp-tutor demo --list')"


class _Reader:
    """Typed access to `Fields`, recording what is wrong as it goes."""

    def __init__(self, fields: Fields, what: str, file: str, line: int) -> None:
        self.fields = fields
        self.what = what
        self.file = file
        self.line = line
        self.errors: list[LessonError] = list(fields.errors)

    def error(self, line: int, message: str) -> None:
        self.errors.append(LessonError(self.file, line, f"{self.what}: {message}"))

    def check_keys(self, scalars: Sequence[str], lists: Sequence[str]) -> None:
        for f in self.fields.by_key.values():
            if f.key not in scalars and f.key not in lists:
                known = ", ".join([*scalars, *lists])
                self.error(f.line, f"unknown key '{f.key}' (known: {known})")

    def scalar(self, key: str, required: bool = True) -> tuple[str, int] | None:
        f: Field | None = self.fields.by_key.get(key)
        if f is None:
            if required:
                self.error(self.line, f"'{key}' is missing")
            return None
        if f.is_list:
            self.error(f.line, f"'{key}' takes one value, not a list")
            return None
        if not f.value:
            self.error(f.line, f"'{key}' is empty")
            return None
        return f.value, f.line

    def list_(self, key: str) -> tuple[list[str], int] | None:
        f = self.fields.by_key.get(key)
        if f is None:
            return None
        if f.items is None:
            if f.value:
                self.error(f.line, f"'{key}' takes a list of '- item' lines under a bare '{key}:'")
            else:
                self.error(f.line, f"'{key}' is empty")
            return None
        for item in f.items:
            if not item.text:
                self.error(item.line, f"'{key}' has an empty item")
        return [i.text for i in f.items], f.line


def build_quiz(body: FenceBody) -> tuple[Quiz | None, list[LessonError]]:
    file, line = body.file, body.line
    r = _Reader(parse_fields(body.lines, body.first_line, file, "quiz"), "quiz", file, line)
    r.check_keys(_QUIZ_SCALARS, _QUIZ_LISTS)
    question, hint, explain = r.scalar("question"), r.scalar("hint"), r.scalar("explain")
    choices, why, accept = r.list_("choices"), r.list_("why"), r.list_("accept")
    has = r.fields.by_key
    answer_number: int | None = None
    if "choices" in has and "accept" in has:
        r.error(has["accept"].line, "give either 'choices' and 'answer' or 'accept', not both")
    elif "choices" not in has and "accept" not in has:
        r.error(line, "needs 'choices' and 'answer' (multiple choice) or 'accept' (free text)")
    if "choices" in has:
        answer = r.scalar("answer")
        if choices is not None:
            items, cline = choices
            if len(items) < 2:
                r.error(cline, f"'choices' has {count(len(items), 'item')}; a quiz needs 2 or more")
            first: dict[str, int] = {}  # choice text -> its first number
            for i, text in enumerate(items, 1):
                if text and first.setdefault(text, i) != i:
                    r.error(cline, f"choice {i} repeats choice {first[text]}")
        if answer is not None:
            value, aline = answer
            if not re.fullmatch(r"[0-9]+", value):
                r.error(
                    aline,
                    f"'answer' must be the number of the right choice, not {shorten(value)!r}",
                )
            elif choices is not None:
                n = whole_number(value, len(choices[0]))
                if n is None or n < 1:
                    shown = shorten(value.lstrip("0") or "0")
                    have = count(len(choices[0]), "choice")
                    r.error(aline, f"'answer' is {shown} but there are {have}")
                else:
                    answer_number = n
        if why is not None and choices is not None and len(why[0]) != len(choices[0]):
            have, want = count(len(why[0]), "item"), count(len(choices[0]), "choice")
            r.error(why[1], f"'why' has {have} but there are {want}")
    elif "accept" in has:
        for key in ("answer", "why"):
            if key in has:
                r.error(has[key].line, f"'{key}' goes with 'choices', not with 'accept'")
    if r.errors or question is None or hint is None or explain is None:
        return None, r.errors
    quiz = Quiz(
        question=question[0],
        hint=hint[0],
        explain=explain[0],
        line=line,
        choices=tuple(choices[0]) if choices else (),
        answer=answer_number,
        why=tuple(why[0]) if why else (),
        accept=tuple(accept[0]) if accept else (),
    )
    return quiz, r.errors


def build_lab(body: FenceBody) -> tuple[Lab | None, list[LessonError]]:
    file, line, default_scenario = body.file, body.line, body.default_scenario
    r = _Reader(parse_fields(body.lines, body.first_line, file, "lab"), "lab", file, line)
    r.check_keys((*_LAB_SCALARS, *_LAB_SERVER, "world", "edit"), ())
    do, goal, hint = r.scalar("do"), r.scalar("goal"), r.scalar("hint")
    server = _lab_server(r)
    scenario_f, mode_f = r.scalar("scenario", required=False), r.scalar("mode", required=False)
    policy_f = r.scalar("client-policy", required=False)
    scenario: str | None = None
    if scenario_f is not None:
        if scenario_f[0] in SCENARIOS:
            scenario = scenario_f[0]
        else:
            r.error(scenario_f[1], unknown_scenario(scenario_f[0]))
    elif "scenario" not in r.fields.by_key:
        if default_scenario == NO_SCENARIO:
            r.error(line, "no 'scenario' here, and the lesson's front matter says 'scenario: none'")
        else:
            scenario = default_scenario  # None when the front matter itself is broken
    mode = "step"
    if mode_f is not None:
        mode = mode_f[0]
        if mode not in LAB_MODES:
            r.error(mode_f[1], f"'mode' is {shorten(mode)!r}; use {_or_list(LAB_MODES)}")
    if goal is not None and goal[0] not in GOALS:
        r.error(goal[1], f"unknown goal {shorten(goal[0])!r} (see lessons/README.md for the list)")
    policy, world = _lab_world(r, policy_f, server)
    edit = _lab_edit(r, world)
    if r.errors or do is None or goal is None or hint is None or scenario is None:
        return None, r.errors
    lab = Lab(
        scenario=scenario,
        mode=cast(LabMode, mode),  # checked against LAB_MODES above
        do=do[0],
        goal=goal[0],
        hint=hint[0],
        line=line,
        client_policy=None if policy is None else ClientPolicy(policy),  # checked above
        server_policy=server.get("server_policy"),
        server_auth_only=server.get("server_auth_only"),
        server_min_tls=server.get("server_min_tls"),
        config=server.get("config"),
        world=world,
        edit=edit,
    )
    return lab, r.errors


EDITABLE = {"mta-sts.txt": "mta-sts", "tlsa": "dane"}
"""What a world lab lets the learner write (`edit:`), and the level of the worlds that read it."""


def _lab_edit(r: _Reader, world: str | None) -> str | None:
    """`edit: mta-sts.txt` (an MTA-STS world) or `edit: tlsa` (a DANE world): the learner
    writes the world's policy, or its MX's TLSA records."""
    from sandbox.labdns.names import WORLD_LEVELS

    edit_f = r.scalar("edit", required=False)
    if edit_f is None:
        return None
    name, line = edit_f
    if name not in EDITABLE:
        r.error(line, f"'edit' is {shorten(name)!r}; use {_or_list(list(EDITABLE))}")
    elif world is None or WORLD_LEVELS.get(world) != EDITABLE[name]:
        worlds = _or_list([w for w, lv in WORLD_LEVELS.items() if lv == EDITABLE[name]])
        r.error(line, f"'edit: {name}' belongs to a lab world: add 'world: {worlds}'")
    else:
        return name
    return None


def _lab_world(
    r: _Reader, policy_f: tuple[str, int] | None, server: _Server
) -> tuple[str | None, str | None]:
    """The client policy and the lab world, checked together: `dane` and `mta-sts` read the
    domain's records, so they need a world, and a world is read by its own level only."""
    from sandbox.labdns.names import WORLD_LEVELS

    policy = policy_f[0] if policy_f is not None else None
    world_f = r.scalar("world", required=False)
    world = world_f[0] if world_f is not None else None
    if world_f is not None and world not in WORLD_LEVELS:
        r.error(
            world_f[1], f"'world' is {shorten(world_f[0])!r}; use {_or_list(list(WORLD_LEVELS))}"
        )
        return None, None
    if world_f is not None and world is not None:
        level = WORLD_LEVELS[world]
        if "config" in server:
            r.error(world_f[1], "'world' runs the sandbox server of the lab world: drop 'config'")
        elif policy_f is not None and policy != level:
            r.error(
                policy_f[1],
                f"'client-policy' is {shorten(policy_f[0])!r}; the world {world!r} is read by "
                f"'client-policy: {level}'",
            )
        return level, world
    if policy_f is not None and policy not in CLIENT_POLICIES:
        if policy in WORLD_LEVELS.values():
            worlds = _or_list([w for w, lv in WORLD_LEVELS.items() if lv == policy])
            r.error(
                policy_f[1],
                f"'client-policy' is {policy!r}: it reads the domain's DNS records; "
                f"name a lab world with 'world: {worlds}'",
            )
        else:
            r.error(
                policy_f[1],
                f"'client-policy' is {shorten(policy_f[0])!r}; use {_or_list(CLIENT_POLICIES)}",
            )
        return None, None
    return policy, None


class _Server(TypedDict, total=False):
    server_policy: str
    server_auth_only: bool
    server_min_tls: str
    config: str


def _lab_server(r: _Reader) -> _Server:
    """The lab's server fields, checked: TLS level, auth only, lowest TLS version, config."""
    from sandbox.smtpd.policy import MIN_TLS_VERSIONS, TLS_LEVELS

    out: _Server = {}
    choices: dict[str, tuple[str, ...]] = {
        "server-policy": tuple(TLS_LEVELS),
        "server-auth-only": ("yes", "no"),
        "server-min-tls": tuple(MIN_TLS_VERSIONS),
    }
    for key, allowed in choices.items():
        field = r.scalar(key, required=False)
        if field is None:
            continue
        value, line = field
        if value not in allowed:
            r.error(line, f"'{key}' is {shorten(value)!r}; use {_or_list(allowed)}")
        elif key == "server-auth-only":
            out["server_auth_only"] = value == "yes"
        elif key == "server-policy":
            out["server_policy"] = value
        else:
            out["server_min_tls"] = value
    config = r.scalar("config", required=False)
    if config is not None:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", config[0]):
            r.error(config[1], f"'config' is {shorten(config[0])!r}; name a config lab")
        elif set(out) & {"server_policy", "server_auth_only", "server_min_tls"}:
            r.error(config[1], "'config' sets the whole server: drop the server-... keys")
        else:
            out["config"] = config[0]
    return out


_TRANSCRIPT_LINE = re.compile(r"^(\?)?[ \t]*(?:([CS]):(.*)|<(.*)>|#(.*))$")


def build_transcript(body: FenceBody) -> tuple[Transcript | None, list[LessonError]]:
    file, line = body.file, body.line
    errors: list[LessonError] = []
    out: list[TranscriptLine] = []

    def error(n: int, message: str) -> None:
        errors.append(LessonError(file, n, f"transcript: {message}"))

    for n, raw in enumerate(body.lines, start=body.first_line):
        text = raw.strip()
        if not text:
            continue
        m = _TRANSCRIPT_LINE.match(text)
        if m is None:
            got = shorten(text)
            error(
                n, f"expected 'C:', 'S:', '<action>' or '# note' (or '? C:', '? S:'), got {got!r}"
            )
            continue
        predict = m.group(1) is not None
        if m.group(2) is not None:
            kind = LineKind.CLIENT if m.group(2) == "C" else LineKind.SERVER
            said = m.group(3).strip()
        elif m.group(4) is not None:
            kind, said = LineKind.ACTION, m.group(4).strip()
        else:
            kind, said = LineKind.NOTE, (m.group(5) or "").strip()
        if predict and kind not in (LineKind.CLIENT, LineKind.SERVER):
            error(n, "'?' asks to predict a 'C:' or 'S:' line, not an action or a note")
            continue
        if not said and kind is not LineKind.NOTE:
            error(n, f"'{text}' has nothing to say")
            continue
        out.append(TranscriptLine(kind, said, n, predict))
    if not errors and not any(t.kind in (LineKind.CLIENT, LineKind.SERVER) for t in out):
        error(line, "needs at least one 'C:' or 'S:' line")
    if errors:
        return None, errors
    return Transcript(tuple(out), line), errors
