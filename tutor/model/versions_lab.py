"""The `tls-versions` block: one lab session run at TLS 1.2 and at TLS 1.3, side by side.

    ```tls-versions
    scenario: starttls
    do: Run the session at both versions and compare what a listener learns.
    ```

The learner runs it (a button); the same scenario runs twice on loopback, the client's TLS
version floor and ceiling the only difference (`sandbox.lab.versions`), and the block shows
what a listener learns in each (`sandbox.tlsview.listener`): the SNI, the version, the cipher
suite, the certificate, the round trips. Done once both ran.

Pure: no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.lab.catalog import SCENARIOS
from tutor.model.blocks import _Reader
from tutor.model.fields import parse_fields, shorten
from tutor.model.lesson import CustomBlock, FenceBody, LessonError

_SCALARS = ("scenario", "do")


@dataclass(frozen=True, slots=True)
class VersionsLab(CustomBlock):
    scenario: str
    do: str
    line: int


def build_versions_lab(body: FenceBody) -> tuple[VersionsLab | None, list[LessonError]]:
    file, line = body.file, body.line
    fields = parse_fields(body.lines, body.first_line, file, "tls-versions")
    r = _Reader(fields, "tls-versions", file, line)
    r.check_keys(_SCALARS, ())
    scenario, do = r.scalar("scenario"), r.scalar("do")
    if scenario is not None:
        lab = SCENARIOS.get(scenario[0])
        if lab is None:
            r.error(scenario[1], f"unknown scenario {shorten(scenario[0])!r}")
        elif lab.attack or lab.client_policy.value == "none":
            said = f"scenario {scenario[0]!r}: pick a lab whose client speaks TLS unhindered"
            r.error(scenario[1], said)
    if r.errors or scenario is None or do is None:
        return None, r.errors
    return VersionsLab(scenario[0], do[0], line), r.errors
