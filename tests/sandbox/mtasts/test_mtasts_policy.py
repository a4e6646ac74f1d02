"""MTA-STS policies and TXT records as tables, hostile input included (RFC 8461 3.1-3.2, 4.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sandbox.mtasts.policy import (
    Level,
    Mode,
    PolicyError,
    mx_matches,
    parse_policy,
    parse_txt,
    policy_text,
)

GOOD = (
    b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\n"
    b"mx: *.backup.example.test\r\nmax_age: 604800\r\n"
)


def keys(data: bytes, hosts: tuple[str, ...] = ()) -> set[str]:
    return {f.key for f in parse_policy(data, hosts).findings}


def test_p5_a_good_policy() -> None:
    policy = parse_policy(GOOD, ["mx1.example.test", "b.backup.example.test"])
    assert policy.valid
    assert policy.mode is Mode.ENFORCE
    assert policy.mx == ("mx1.example.test", "*.backup.example.test")
    assert policy.max_age == 604800
    assert {f.key for f in policy.findings} == {"mode.enforce", "mx.ok", "max_age.ok", "host.match"}
    assert all(f.text for f in policy.findings)


def test_p5_lf_line_ends_and_unknown_keys_are_accepted() -> None:
    policy = parse_policy(GOOD.replace(b"\r\n", b"\n") + b"future_key: 1\n")
    assert policy.valid and policy.mode is Mode.ENFORCE


@pytest.mark.parametrize(
    ("body", "key"),
    [
        (GOOD.replace(b"version: STSv1\r\n", b""), "version.missing"),
        (GOOD.replace(b"STSv1", b"STSv2"), "version.wrong"),
        (GOOD.replace(b"mode: enforce\r\n", b""), "mode.missing"),
        (GOOD.replace(b"enforce", b"enforced"), "mode.wrong"),
        (GOOD.replace(b"604800", b"31557601"), "max_age.too_long"),
        (GOOD.replace(b"604800", b"1 week"), "max_age.bad"),
        (GOOD.replace(b"604800", b"-5"), "max_age.bad"),
        (GOOD.replace(b"max_age: 604800\r\n", b""), "max_age.missing"),
        (GOOD.replace(b"mx1.example.test", b"mx1..example.test"), "mx.bad"),
        (GOOD.replace(b"mx1.example.test", b"a.*.example.test"), "mx.bad"),
        (b"version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n", "mx.missing"),
        (GOOD + b"this line has no colon\r\n", "line.bad"),
        (GOOD + b"mode: testing\r\n", "line.duplicate"),
    ],
)
def test_p5_each_problem_is_found(body: bytes, key: str) -> None:
    policy = parse_policy(body)
    assert key in {f.key for f in policy.findings}
    assert not policy.valid


def test_p5_notes_and_warnings_leave_the_policy_valid() -> None:
    short = parse_policy(GOOD.replace(b"604800", b"3600").replace(b"enforce", b"testing"))
    assert short.valid
    levels = {f.key: f.level for f in short.findings}
    assert levels["max_age.short"] is Level.WARNING and levels["mode.testing"] is Level.NOTE


def test_p5_an_mx_host_that_matches_no_pattern() -> None:
    enforce = parse_policy(GOOD, ["mx.attacker.test"])
    assert "host.nomatch" in {f.key for f in enforce.findings} and not enforce.valid
    testing = parse_policy(GOOD.replace(b"enforce", b"testing"), ["mx.attacker.test"])
    assert testing.valid  # testing: a warning, delivery goes on


@pytest.mark.parametrize(
    ("pattern", "host", "expected"),
    [
        ("mx1.example.test", "MX1.Example.Test.", True),
        ("*.example.test", "mx1.example.test", True),
        ("*.example.test", "example.test", False),
        ("*.example.test", "a.b.example.test", False),
        ("mx1.example.test", "mx2.example.test", False),
    ],
)
def test_p5_mx_patterns(pattern: str, host: str, expected: bool) -> None:
    assert mx_matches(pattern, host) is expected


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"version: STSv1\r\n" + b"x" * 1_000_000, "at most 65536"),
        (b"version: STSv1\r\n" + b"mx: mx.example.test\r\n" * 10_000, "at most 65536"),
        (b"version: STSv1\n" + b"mx: a.test\n" * 10_000, "at most 65536"),
        (b"version: STSv1\n" + b"mx: a.test\n" * 200, "more than 100 mx lines"),
        (b"version: STSv1\r\nmode: \xff\xfe\r\n", "not UTF-8"),
        (b"version: STSv1\x00\r\n", "NUL"),
    ],
    ids=["1MB", "10000-mx-crlf", "10000-mx-lf", "200-mx", "non-utf8", "nul"],
)
def test_p6_hostile_policies_get_one_clear_line(data: bytes, says: str) -> None:
    with pytest.raises(PolicyError) as err:
        parse_policy(data)
    assert says in str(err.value) and "\n" not in str(err.value)


@given(st.binary(max_size=400))
def test_p6_any_bytes_are_a_policy_or_a_policy_error(data: bytes) -> None:
    try:
        policy = parse_policy(data, ["mx.example.test"])
    except PolicyError:
        return
    assert all(f.text for f in policy.findings)


@pytest.mark.parametrize(
    ("record", "ident", "key"),
    [
        ("v=STSv1; id=20240101T000000;", "20240101T000000", "txt.ok"),
        ('"v=STSv1; id=abc"', "abc", "txt.ok"),
        ("v=STSv1;", None, "txt.id.missing"),
        ("v=STSv1; id=has-dash;", None, "txt.id.bad"),
        ("v=STSv1; id=" + "a" * 33, None, "txt.id.bad"),
        ("id=abc; v=STSv1", "abc", "txt.version"),
        ("v=STSv1; id=a; id=b", "b", "txt.duplicate"),
    ],
)
def test_p7_txt_records(record: str, ident: str | None, key: str) -> None:
    txt = parse_txt(record)
    assert txt.id == ident
    assert key in {f.key for f in txt.findings}
    assert txt.valid is (key == "txt.ok")


@pytest.mark.parametrize(
    ("record", "says"),
    [(b"v=STSv1; id=\xff", "not UTF-8"), (b"v=STSv1;\x00", "NUL"), (b"v" * 5000, "at most")],
    ids=["non-utf8", "nul", "5000"],
)
def test_p7_hostile_txt_records(record: bytes, says: str) -> None:
    with pytest.raises(PolicyError, match=says):
        parse_txt(record)


def test_p5_the_lab_writes_a_policy_it_reads_back() -> None:
    body = policy_text(Mode.TESTING, ["sandbox.test"], 86400).encode()
    policy = parse_policy(body, ["sandbox.test"])
    assert policy.valid and policy.mode is Mode.TESTING and policy.allows_mx("sandbox.test")
