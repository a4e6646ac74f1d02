"""P19: a lab block's `world`, `client-policy` and `edit`, checked together at their lines."""

from __future__ import annotations

import pytest

from sandbox.lab.world_session import WORLDS
from sandbox.labdns.names import WORLD_LEVELS
from sandbox.labdns.world import Setup
from tutor.model.lesson import Lab
from tutor.model.lessons import parse_text

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: strip\n---\n"
# the fence opens on line 11; the block's first field is on line 12
LAB = "\n## Step\n\n```lab\ndo: Play it.\ngoal: message-delivered\nhint: Press p.\n{extra}```\n"


def parsed(extra: str) -> tuple[list[str], list[Lab]]:
    result = parse_text(FRONT + LAB.format(extra=extra), "x.md")
    steps = result.lesson.steps if result.lesson is not None else ()
    labs = [b for s in steps for b in s.blocks if isinstance(b, Lab)]
    return [f"{e.line}: {e.message}" for e in result.errors], labs


GOOD: dict[str, tuple[str, str, str]] = {
    # extra fields -> (world, client policy the lab runs)
    "mta-sts testing": (
        "world: mta-sts-testing\nclient-policy: mta-sts\n",
        "mta-sts-testing",
        "mta-sts",
    ),
    "mta-sts enforce": (
        "client-policy: mta-sts\nworld: mta-sts-enforce\n",
        "mta-sts-enforce",
        "mta-sts",
    ),
    "dane signed": ("world: dane-signed\nclient-policy: dane\n", "dane-signed", "dane"),
    "dane unsigned, level implied": ("world: dane-unsigned\n", "dane-unsigned", "dane"),
    "a policy the learner writes": (
        "world: mta-sts-testing\nedit: mta-sts.txt\n",
        "mta-sts-testing",
        "mta-sts",
    ),
    "TLSA records the learner writes": (
        "world: dane-signed\nedit: tlsa\n",
        "dane-signed",
        "dane",
    ),
    "with a server variant": (
        "world: mta-sts-testing\nserver-policy: may\n",
        "mta-sts-testing",
        "mta-sts",
    ),
}


@pytest.mark.parametrize(("extra", "world", "policy"), list(GOOD.values()), ids=list(GOOD))
def test_p19_good_world_blocks(extra: str, world: str, policy: str) -> None:
    errors, labs = parsed(extra)
    assert errors == []
    assert [(lab.world, lab.client_policy) for lab in labs] == [(world, policy)]
    edit = extra.split("edit: ", 1)[1].split("\n")[0] if "edit:" in extra else None
    assert labs[0].edit == edit


BAD: dict[str, tuple[str, list[str]]] = {
    "dane without a world": (
        "client-policy: dane\n",
        [
            "15: lab: 'client-policy' is 'dane': it reads the domain's DNS records; "
            "name a lab world with 'world: dane-signed or dane-unsigned'"
        ],
    ),
    "mta-sts without a world": (
        "client-policy: mta-sts\n",
        [
            "15: lab: 'client-policy' is 'mta-sts': it reads the domain's DNS records; "
            "name a lab world with 'world: mta-sts-testing or mta-sts-enforce'"
        ],
    ),
    "unknown world": (
        "client-policy: mta-sts\nworld: mta-sts-strict\n",
        [
            "16: lab: 'world' is 'mta-sts-strict'; use mta-sts-testing, mta-sts-enforce, "
            "dane-signed or dane-unsigned"
        ],
    ),
    "the setup's spaced name is not a block name": (
        "world: mta-sts testing\n",
        [
            "15: lab: 'world' is 'mta-sts testing'; use mta-sts-testing, mta-sts-enforce, "
            "dane-signed or dane-unsigned"
        ],
    ),
    "world read by the other level": (
        "world: dane-signed\nclient-policy: mta-sts\n",
        [
            "16: lab: 'client-policy' is 'mta-sts'; the world 'dane-signed' is read by "
            "'client-policy: dane'"
        ],
    ),
    "world with a policy that reads no DNS": (
        "world: mta-sts-enforce\nclient-policy: verify\n",
        [
            "16: lab: 'client-policy' is 'verify'; the world 'mta-sts-enforce' is read by "
            "'client-policy: mta-sts'"
        ],
    ),
    "world and a config lab": (
        "world: dane-signed\nconfig: main\n",
        ["15: lab: 'world' runs the sandbox server of the lab world: drop 'config'"],
    ),
    "edit without a world": (
        "edit: mta-sts.txt\n",
        [
            "15: lab: 'edit: mta-sts.txt' belongs to a lab world: "
            "add 'world: mta-sts-testing or mta-sts-enforce'"
        ],
    ),
    "a policy in a DANE world": (
        "world: dane-signed\nedit: mta-sts.txt\n",
        [
            "16: lab: 'edit: mta-sts.txt' belongs to a lab world: "
            "add 'world: mta-sts-testing or mta-sts-enforce'"
        ],
    ),
    "TLSA records in an MTA-STS world": (
        "world: mta-sts-enforce\nedit: tlsa\n",
        ["16: lab: 'edit: tlsa' belongs to a lab world: add 'world: dane-signed or dane-unsigned'"],
    ),
    "edit of another file": (
        "world: mta-sts-testing\nedit: main.cf\n",
        ["16: lab: 'edit' is 'main.cf'; use mta-sts.txt or tlsa"],
    ),
    "world twice": (
        "world: dane-signed\nworld: dane-unsigned\n",
        ["16: lab: 'world' given twice (first on line 15)"],
    ),
}


@pytest.mark.parametrize(("extra", "expected"), list(BAD.values()), ids=list(BAD))
def test_p19_bad_world_blocks_are_refused_at_their_line(extra: str, expected: list[str]) -> None:
    errors, labs = parsed(extra)
    assert errors == expected
    assert labs == []


def test_p19_block_names_are_the_lab_worlds() -> None:
    """The light table lessons are checked against builds exactly the sandbox's worlds."""
    assert set(WORLD_LEVELS) == set(WORLDS)
    assert {name: WORLDS[name].level.value for name in WORLD_LEVELS} == WORLD_LEVELS
    assert set(WORLDS.values()) == set(Setup)
