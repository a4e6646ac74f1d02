"""`check` agrees with testssl.sh on one server (properties.md N11): protocols and certificate
findings of the leaf-only break/fix lab. One testssl run (about 25 s here); the other servers
are in scripts/check-vs-testssl."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from testssl_compare import both_on_lab, table

from sandbox.config.postfix.scenarios import get

pytestmark = [pytest.mark.interop, pytest.mark.timeout(600)]


async def test_n11_check_agrees_with_testssl(tool: Callable[[str], str], tmp_path: Path) -> None:
    rows = await both_on_lab(tool("testssl"), get("postfix-leaf-only"), tmp_path, fixed=False)
    items = {r.item: r for r in rows}
    assert items["chain incomplete"].ours == "yes"
    assert items["TLS 1.2"].ours == "offered"
    assert len(rows) > 10 and all(r.agree for r in rows), table(rows)
