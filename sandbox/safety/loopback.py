"""Is an address loopback? The sandbox and the wire tap listen only there (properties.md I1, K1)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    """True for `localhost`, 127.0.0.0/8 and ::1; False for any other name or address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
