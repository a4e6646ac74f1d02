"""The PowerShell tokenizer: quoting, continuation, arrays, comments, and errors at their line."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sandbox.config.exchange.pstokens import Argument, Param, tokenize
from sandbox.config.exchange.reader import read_text
from sandbox.config.findings import ConfigError


def values(script: str) -> list[object]:
    """The values of the first command, parameters as ('-Name', value)."""
    (pipeline,) = tokenize(script, "t.ps1")
    out: list[object] = []
    for item in pipeline[0].items:
        if isinstance(item, Param):
            out.append((f"-{item.name}", item.value) if item.attached else f"-{item.name}")
        else:
            assert isinstance(item, Argument)
            out.append(item.value)
    return out


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("X 'it''s literal $x `n'", ["it's literal $x `n"]),
        ('X "tab`there ""quoted"" `$5"', ['tab\there "quoted" $5']),
        ('X "a $ b"', ["a $ b"]),
        ("X a,b , 'c'", [("a", "b", "c")]),
        ("X @('a', 'b'\n 'c')", [("a", "b", "c")]),
        ("X @()", [()]),
        ("X $true $FALSE $null", [True, False, None]),
        ("X -RequireTLS:$false -Name:'Relay 1'", [("-RequireTLS", False), ("-Name", "Relay 1")]),
        ("X -RequireTLS -Name", ["-RequireTLS", "-Name"]),
        ("X a`,b a#b", ["a,b", "a#b"]),
        ("X 'two\nlines'", ["two\nlines"]),
        ('X pre"mid dle"post', ["premid dlepost"]),
        ("X 0.0.0.0:25,[::]:25", [("0.0.0.0:25", "[::]:25")]),
        ("X a, `\n b", [("a", "b")]),
        ("X a,\n b", [("a", "b")]),
        ("X <# inline #> a # rest", ["a"]),
    ],
)
def test_l40_values_are_read_as_powershell_reads_them(script: str, expected: list[object]) -> None:
    assert values(script) == expected


def test_l40_statements_lines_continuations_and_pipelines() -> None:
    script = (
        "# comment\n"
        "<# block\n comment #>\n"
        "New-X -A 1 `\n"
        "  -B 2 ; Set-X Y\r\n"
        "Get-X a |\n"
        "  Set-X -C 3\n"
    )
    statements = tokenize(script, "t.ps1")
    assert [[(c.name, c.line) for c in p] for p in statements] == [
        [("New-X", 4)],
        [("Set-X", 5)],
        [("Get-X", 6), ("Set-X", 7)],
    ]
    params = [i for i in statements[0][0].items if isinstance(i, Param)]
    assert [(p.name, p.line) for p in params] == [("A", 4), ("B", 5)]


@pytest.mark.parametrize(
    ("script", "line", "words"),
    [
        ("X 'open\n\n", 1, "The string is missing the terminator: '."),
        ('\n\nX "open `"', 3, 'The string is missing the terminator: ".'),
        ("X <# never closed\n", 1, "#>"),
        ("X @(a,\nb\n", 1, "Missing closing ')' in expression."),
        ("X $name", 1, "The variable '$name' is not set"),
        ('X "$name"', 1, "expands $ variables"),
        ("X (Get-Date)", 1, "sub-expression"),
        ("X @'\nhere\n'@", 1, "Here-strings"),
        ("X a,", 1, "Missing expression after ','"),
        # a backtick followed by a space continues nothing: the next line is a new statement
        ("New-X -A 1 ` \n  -B 2", 2, "The term '-B' is not recognized"),
    ],
)
def test_l40_errors_name_file_and_line(script: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        tokenize(script, "t.ps1")
    assert (caught.value.path, caught.value.line) == ("t.ps1", line)
    assert words in caught.value.what


def test_l40_backtick_space_trap_says_why() -> None:
    with pytest.raises(ConfigError, match="backtick continues a line only as its very last"):
        tokenize("New-X -A 1 ` \n  -B 2", "t.ps1")


def _config_or_error(text: str) -> None:
    error: ConfigError | None = None
    try:
        read_text(text, "fuzz.ps1")
    except ConfigError as exc:  # anything else escaping fails the test
        error = exc
    if error is not None:
        assert error.path == "fuzz.ps1"
        assert 1 <= error.line <= text.count("\n") + 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list("`'\"$@(),;|#<>-: \n\tabcSetNew-ReceiveConnector0123\\")),
        max_size=200,
    )
)
def test_l41_any_text_gives_a_config_or_a_config_error(text: str) -> None:
    _config_or_error(text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_l41_any_unicode_gives_a_config_or_a_config_error(text: str) -> None:
    _config_or_error(text)


def test_l41_a_million_backticks_is_read_in_one_pass() -> None:
    # Escaped backticks inside one argument, and a million continuation lines: both linear.
    tokens = tokenize("X " + "`" * 1_000_000, "big.ps1")
    assert tokens[0][0].items[0] == Argument("`" * 500_000, 1)
    lines = tokenize("X " + "a `\n" * 200_000 + "b", "big.ps1")
    assert len(lines[0][0].items) == 200_001


_CMDLETS = [
    "New-ReceiveConnector",
    "Set-ReceiveConnector",
    "New-SendConnector",
    "Set-SendConnector",
    "Remove-ReceiveConnector",
    "Get-ReceiveConnector X | Set-ReceiveConnector",
    "Get-ReceiveConnector X | Add-ADPermission",
]
_PARAMS = [
    "-Name", "-Bindings", "-RemoteIPRanges", "-Usage", "-TransportRole", "-PermissionGroups",
    "-AuthMechanism", "-RequireTLS", "-TlsCertificateName", "-Fqdn", "-AddressSpaces",
    "-SmartHosts", "-DNSRoutingEnabled", "-TlsAuthLevel", "-TlsDomain", "-IgnoreSTARTTLS",
    "-Identity", "-User", "-ExtendedRights", "-Internet", "-Custom", "-Partner", "-Enabled",
    "-WhatIf", "-Req", "-T", "-Bogus",
]  # fmt: skip
_VALUES = [
    "$true", "$false", "$null", "1", "0", "X", "'Default Frontend EX01'", "EX01\\X",
    "0.0.0.0:25", "[::]:587", "0.0.0.0:99999", "127.0.0.2", "10.0.0.0/8", "9.9.9.9-1.1.1.1",
    "::/0", "Internet", "Custom", "Partner", "FrontendTransport", "AnonymousUsers",
    "'Tls, BasicAuth'", "BasicAuthRequireTLS", "ExternalAuthoritative", "DomainValidation",
    "EncryptionOnly", "*", "'SMTP:*;5'", "x400:a", "partner.test", "a,b", "@()",
    "'NT AUTHORITY\\ANONYMOUS LOGON'", "Ms-Exch-SMTP-Accept-Any-Recipient", "<I>a<S>b",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(_CMDLETS),
            st.lists(
                st.tuples(st.sampled_from(_PARAMS), st.sampled_from(["", ":", " "]),
                          st.sampled_from(_VALUES)),
                max_size=6,
            ),
        ),
        max_size=6,
    )
)  # fmt: skip
def test_l41_any_mix_of_cmdlets_parameters_and_values_gives_a_config_or_an_error(
    statements: list[tuple[str, list[tuple[str, str, str]]]],
) -> None:
    script = "\n".join(
        cmdlet + "".join(f" {p}{sep}{v}" if sep else f" {p}" for p, sep, v in params)
        for cmdlet, params in statements
    )
    _config_or_error(script)
