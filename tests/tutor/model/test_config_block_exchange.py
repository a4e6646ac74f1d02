"""A `config-lab` block for Exchange (tutor.model.config_lab): `system: exchange`, a starting
`connectors.ps1` read as Exchange reads it when the lesson is checked, `domain` for the partner,
Exchange's probe names; every mistake at its own line of the lesson file (properties.md L60)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.config.exchange.probes import probe_exchange
from tutor.model.config_lab import ConfigLab
from tutor.model.course import load_course, packaged_lessons_dir
from tutor.model.lessons import parse_text

FRONT = "---\nid: t\ntitle: T\nsummary: S\nminutes: 1\nscenario: starttls\n---\n\n## Step\n\n"
SCRIPT = 'New-SendConnector -Name "To fabrikam" -AddressSpaces fabrikam.com -RequireTLS $true\n'
FIELDS = "name: l10-t\nsystem: exchange\ndo: D\nhint: H\n"


def block(body: str) -> str:
    return FRONT + "```config-lab\n" + body + "```\n"


def problems(text: str) -> list[str]:
    return [str(e) for e in parse_text(text, "x.md").errors]


def test_l60_an_exchange_config_lab_keeps_its_script_domain_and_probes() -> None:
    text = block(
        FIELDS + "scenario: strip\ndomain: fabrikam.com\nprobes:\n  - partner-requires-tls\n"
        f"=== connectors.ps1\n{SCRIPT}"
    )
    parsed = parse_text(text, "x.md")
    assert parsed.errors == () and parsed.lesson is not None
    (lab,) = [b for b in parsed.lesson.steps[0].blocks if isinstance(b, ConfigLab)]
    assert (lab.system, lab.domain, lab.scenario) == ("exchange", "fabrikam.com", "strip")
    assert lab.probes == ("partner-requires-tls",) and lab.file("connectors.ps1") == SCRIPT


def test_l60_a_line_exchange_refuses_is_reported_at_its_lesson_line() -> None:
    text = block(
        FIELDS + "probes:\n  - partner-requires-tls\n=== connectors.ps1\n"
        f'{SCRIPT}Set-SendConnector "To fabrikam" -RequireTLS maybe\n'
    )
    # fence at 11, fields 12-17, "=== connectors.ps1" at 18; the script's line 2 is x.md:20
    (problem,) = problems(text)
    assert problem.startswith("x.md:20: config-lab: connectors.ps1:2: ")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (  # a Postfix probe in an Exchange lab
            FIELDS + "probes:\n  - mx-plaintext\n=== connectors.ps1\n" + SCRIPT,
            "x.md:16: config-lab: unknown probe 'mx-plaintext' (known: partner-requires-tls, "
            "internet-accepts-plaintext, client-auth-in-tls)",
        ),
        (  # Postfix's files in an Exchange lab
            FIELDS + "probes:\n  - client-auth-in-tls\n=== main.cf\nmyhostname = a.test\n",
            "x.md:18: config-lab: file 'main.cf': this system's files are connectors.ps1",
        ),
        (  # no script at all
            FIELDS + "probes:\n  - client-auth-in-tls\n",
            "x.md:11: config-lab: no '=== connectors.ps1' line: the lab needs a starting "
            "connectors.ps1",
        ),
        (  # a master.cf service means nothing to Exchange
            FIELDS + "service: submission\nprobes:\n  - client-auth-in-tls\n"
            "=== connectors.ps1\n" + SCRIPT,
            "x.md:16: config-lab: 'service' is for a Postfix config lab only",
        ),
        (  # and a partner domain nothing to Postfix
            "name: a\nsystem: postfix\ndo: D\nhint: H\ndomain: fabrikam.com\nprobes:\n"
            "  - mx-plaintext\n=== main.cf\nmyhostname = a.test\n",
            "x.md:16: config-lab: 'domain' is for an Exchange config lab only",
        ),
    ],
)
def test_l60_mistakes_are_said_at_their_lines(body: str, message: str) -> None:
    assert message in problems(block(body))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300))
def test_l60_any_starting_script_is_a_block_or_one_line_error_never_a_traceback(
    script: str,
) -> None:
    lines = script.replace("```", "'''").splitlines()
    text = block(FIELDS + "probes:\n  - client-auth-in-tls\n=== connectors.ps1\n"
                 + "".join(f"{x}\n" for x in lines))  # fmt: skip
    for problem in problems(text):
        assert problem.startswith("x.md:") and "\n" not in problem


@pytest.mark.parametrize("lang", ["en", "ja"])
async def test_l60_lesson_10_s_script_fails_the_strip_probe_until_require_tls(lang: str) -> None:
    """The shipped lab: its start fails only the partner probe; the fix the task asks for (one
    `-RequireTLS $true` on "To fabrikam") passes them all."""
    course = load_course(packaged_lessons_dir(), lang)
    (lab,) = [
        b
        for lesson in course.lessons
        if lesson.file.endswith("10-exchange.md")
        for step in lesson.steps
        for b in step.blocks
        if isinstance(b, ConfigLab) and b.system == "exchange"
    ]
    start = lab.file("connectors.ps1")
    results = await probe_exchange(start, lab.probes, domain=lab.domain)
    assert {r.name for r in results if not r.ok} == {"partner-requires-tls"}
    partner = "-AddressSpaces fabrikam.com -DNSRoutingEnabled $true"
    assert start.count(partner) == 1
    fixed = start.replace(partner, partner + " -RequireTLS $true")
    results = await probe_exchange(fixed, lab.probes, domain=lab.domain)
    assert all(r.ok for r in results)
