"""The lab worlds a lab block may name (`world: mta-sts-testing`), and the client level that
reads each: light, so checking lessons loads no TLS code (`sandbox.labdns.world.Setup` builds
them; `sandbox.lab.world_session.WORLDS` maps one to the other, and a test holds them equal)."""

from __future__ import annotations

WORLD_LEVELS: dict[str, str] = {
    "mta-sts-testing": "mta-sts",
    "mta-sts-enforce": "mta-sts",
    "dane-signed": "dane",
    "dane-unsigned": "dane",
}
