"""Postfix's value syntaxes, each a `ConfigError` at the line that set it when malformed."""

from __future__ import annotations

import re
import ssl

from sandbox.config.findings import ConfigError

Where = tuple[str, int]
"""(file, line) of the value: from `PostfixConfig.where`."""

_SEPARATORS = re.compile(r"[\s,]+")
PROTOCOLS: dict[str, ssl.TLSVersion | None] = {
    "SSLv2": None,  # never built into OpenSSL 3
    "SSLv3": ssl.TLSVersion.SSLv3,
    "TLSv1": ssl.TLSVersion.TLSv1,
    "TLSv1.1": ssl.TLSVersion.TLSv1_1,
    "TLSv1.2": ssl.TLSVersion.TLSv1_2,
    "TLSv1.3": ssl.TLSVersion.TLSv1_3,
}
"""The names `smtpd_tls_protocols` knows, oldest first."""
_ORDER = list(PROTOCOLS)


def words(value: str) -> list[str]:
    """A list value: Postfix separates items by commas and white space."""
    return [w for w in _SEPARATORS.split(value) if w]


def boolean(name: str, value: str, where: Where) -> bool:
    lowered = value.lower()
    if lowered in ("yes", "true"):
        return True
    if lowered in ("no", "false"):
        return False
    raise ConfigError(*where, f"bad boolean configuration: {name} = {value} (yes or no)")


def integer(name: str, value: str, where: Where, *, minimum: int = 0) -> int:
    if not value.isdigit() or int(value) < minimum:
        raise ConfigError(*where, f"bad numerical configuration: {name} = {value}")
    return int(value)


def choice(name: str, value: str, where: Where, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ConfigError(
            *where, f"invalid {name} value {value!r}: one of {', '.join(allowed)} expected"
        )
    return value


def protocols(name: str, value: str, where: Where) -> list[str]:
    """The protocol names `value` allows, oldest first, in either syntax: exclusions
    (`!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`), inclusions (`TLSv1.2 TLSv1.3`) or bounds
    (`>=TLSv1.2`, `<=TLSv1.3`, both)."""
    items = words(value.replace(":", " "))
    low, high = 0, len(_ORDER) - 1
    included: set[str] | None = None
    excluded: set[str] = set()
    for item in items:
        bound = item[:2] if item[:2] in (">=", "<=") else ""
        negated = item.startswith("!")
        proto = item[len(bound) :] if bound else item.lstrip("!")
        if proto not in PROTOCOLS:
            known = ", ".join(PROTOCOLS)
            raise ConfigError(*where, f"{name}: unknown protocol {proto!r} (known: {known})")
        index = _ORDER.index(proto)
        if bound == ">=":
            low = max(low, index)
        elif bound == "<=":
            high = min(high, index)
        elif negated:
            excluded.add(proto)
        else:
            included = (included or set()) | {proto}
    allowed = [
        p
        for i, p in enumerate(_ORDER)
        if low <= i <= high and p not in excluded and (included is None or p in included)
    ]
    if not allowed:
        raise ConfigError(*where, f"{name} = {value} leaves no protocol at all")
    return allowed


def braced_words(value: str) -> list[str]:
    """A list whose items may hold `{ ... }` with separators inside (`inline:{ a=b, c=d }`), as
    Postfix's `mystrtokq` splits table lists."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for c in value:
        if depth == 0 and (c.isspace() or c == ","):
            if current:
                items.append("".join(current))
                current = []
            continue
        depth += {"{": 1, "}": -1}.get(c, 0)
        current.append(c)
    if current:
        items.append("".join(current))
    return items
