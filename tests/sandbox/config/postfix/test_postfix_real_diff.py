"""The sandbox answers as real Postfix does for the same main.cf/master.cf (properties.md L20).

Each case of `realpostfix_diff.CASES` starts the installed Postfix on loopback (its own config,
queue and log, stopped after) and the sandbox enacting the same files, runs the same raw client
script against both, and compares each step's reply code and enhanced status code, which of
STARTTLS, AUTH and SIZE each EHLO offers, and the TLS version of each handshake. Where the sandbox
must differ, the case says why; a reason for a step that no longer differs fails too.
`scripts/postfix-diff` prints the whole table.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from realpostfix import may_start_postfix
from realpostfix_diff import CASES, Case, run_case, table

pytestmark = [pytest.mark.interop, pytest.mark.timeout(300)]


@pytest.fixture
def postfix(tool: Callable[[str], str]) -> str:
    return may_start_postfix(tool("postfix"), "the differential")


def test_l20_there_are_at_least_twelve_configurations() -> None:
    assert len(CASES) >= 12
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_l20_sandbox_answers_as_postfix(postfix: str, case: Case, tmp_path: Path) -> None:
    outcome = await run_case(case, tmp_path)
    print(table([outcome]))
    assert outcome.postfix[0] != ("closed", "closed"), outcome.postfix_log
    assert outcome.mismatches() == [], table([outcome])
