"""properties.md I1/K1: only loopback addresses count as loopback."""

from __future__ import annotations

import pytest

from sandbox.safety.loopback import is_loopback


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.8.9.10", "::1"])
def test_k1_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host",
    ["0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "8.8.8.8", "example.com", "", "127.0.0.1.x"],
)
def test_k1_everything_else_is_not_loopback(host: str) -> None:
    assert not is_loopback(host)
