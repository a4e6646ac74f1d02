"""Hostile configuration files get one `FILE:LINE` error and nothing else (properties.md L4-L6)."""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.config.postfix.lines import MAX_CONFIG_BYTES, logical_lines
from sandbox.config.postfix.reader import ConfigError, read_main_cf, read_master_cf, read_postfix


def _cost(work: Callable[[], object], runs: int = 3) -> float:
    """The least CPU time of this thread over `runs`: waiting for a busy core is not counted."""
    best = float("inf")
    for _ in range(runs):
        start = time.thread_time()
        work()
        best = min(best, time.thread_time() - start)
    return best


def test_l4_a_million_continuation_lines_take_linear_time() -> None:
    def lines(n: int) -> str:
        return "myhostname = a\n" + " b\n" * n

    small, big = lines(100_000), lines(1_000_000)
    assert sum(1 for _ in logical_lines(big, "main.cf", [])) == 1
    little = _cost(lambda: list(logical_lines(small, "main.cf", [])))
    large = _cost(lambda: list(logical_lines(big, "main.cf", [])), runs=2)
    assert large <= 20 * little, f"{large:.3f} s for 10x the lines, {little:.3f} s for 1x"


def test_l4_continuations_up_to_the_size_bound_are_read_whole() -> None:
    n = (MAX_CONFIG_BYTES - 20) // 3
    main = read_main_cf("myhostname = a\n" + " b\n" * n)
    assert main.params["myhostname"].raw.count("b") == n


def test_l5_a_10_mb_file_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "main.cf"
    big.write_bytes(b"# filler\n" * (10 * 1024 * 1024 // 9))
    with pytest.raises(ConfigError) as caught:
        read_postfix(str(big))
    assert (caught.value.path, caught.value.line) == (str(big), 0)
    assert "larger than" in caught.value.what
    with pytest.raises(ConfigError, match="larger than"):
        read_main_cf(b"#" * (MAX_CONFIG_BYTES + 1))


def test_l5_a_fifo_or_a_link_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "main.cf"
    os.mkfifo(fifo)  # nobody writes to it: a reader that opened it plainly would wait forever
    with pytest.raises(ConfigError, match="not a regular file") as caught:
        read_postfix(str(fifo))
    assert caught.value.line == 0
    real = tmp_path / "real.cf"
    real.write_text("myhostname = a.test\n")
    link = tmp_path / "link.cf"
    link.symlink_to(real)
    with pytest.raises(ConfigError, match="symbolic link"):
        read_postfix(str(link))
    with pytest.raises(ConfigError, match="symbolic link"):
        read_postfix(str(real), str(link))
    with pytest.raises(ConfigError, match="cannot read it"):
        read_postfix(str(tmp_path / "missing.cf"))


def test_l5_nul_and_non_utf8_bytes_in_files_name_their_line(tmp_path: Path) -> None:
    main = tmp_path / "main.cf"
    main.write_bytes(b"myhostname = a.test\nsmtpd_banner = \xe9t\xe9\n")
    with pytest.raises(ConfigError) as caught:
        read_postfix(str(main))
    assert str(caught.value) == f"{main}:2: byte 0xe9 is not UTF-8: save the file as UTF-8"
    main.write_text("myhostname = a.test\n")
    master = tmp_path / "master.cf"
    master.write_bytes(b"smtp inet n - y - - smtpd\n\n  -o a=\0\n")
    with pytest.raises(ConfigError) as caught:
        read_postfix(str(main), str(master))
    assert (caught.value.path, caught.value.line) == (str(master), 3)


def test_l5_a_loop_through_a_service_override_is_an_error_at_read_time(tmp_path: Path) -> None:
    main = tmp_path / "main.cf"
    main.write_text("a = $b\n")
    master = tmp_path / "master.cf"
    master.write_text("smtp inet n - y - - smtpd\n  -o b=$a\n")
    with pytest.raises(ConfigError) as caught:
        read_postfix(str(main), str(master))
    assert (caught.value.path, caught.value.line) == (str(master), 2)


CONFIG_ALPHABET = st.sampled_from(
    ["\n", " ", "\t", "#", "=", "$", "{", "}", "(", ")", "?", ":", "-o", "a", "b", "smtp",
     "inet", "n", "-", "y", "smtpd", "myhostname", "$a", "${a?", "\0", "é", "\r"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(CONFIG_ALPHABET, max_size=60).map("".join))
def test_l6_reading_never_raises_anything_but_config_error(text: str) -> None:
    errors: list[ConfigError] = []
    inputs: list[str | bytes] = [text, text.encode()[::-1]]  # reversed: bytes that are not UTF-8
    for data in inputs:
        for read in (read_main_cf, read_master_cf):
            try:
                read(data)
            except ConfigError as exc:  # anything else fails the test
                errors.append(exc)
    for error in errors:
        assert error.line >= 0
        assert str(error).startswith(f"{error.path}:{error.line}: ")


ENACTED = [
    "smtpd_tls_security_level", "smtpd_tls_wrappermode", "smtpd_tls_auth_only",
    "smtpd_sasl_auth_enable", "smtpd_tls_protocols", "smtpd_tls_mandatory_protocols",
    "smtpd_tls_chain_files", "smtpd_tls_cert_file", "smtpd_tls_key_file",
    "smtpd_tls_mandatory_ciphers", "smtpd_tls_loglevel", "message_size_limit",
    "smtpd_helo_required", "smtpd_recipient_limit", "smtpd_relay_restrictions", "mynetworks",
    "myhostname", "mydestination", "smtp_tls_security_level", "smtp_tls_CAfile",
    "smtp_tls_policy_maps", "smtpd_use_tls", "smtpd_enforce_tls",
]  # fmt: skip
VALUE_PARTS = st.sampled_from(
    ["yes", "no", "may", "encrypt", "none", "verify", "0", "1", "-3", ">=TLSv1.2", "!TLSv1.3",
     "<=TLSv1", "server.key", "chain.pem", "../x", "/etc/x", "hash:", "inline:{", "}", "a=b",
     "permit_mynetworks", "reject_unauth_destination", "127.0.0.0/8", "[::1]/128", "mail.test",
     "bad host", ",", " ", "$myhostname", "high", "null", "é"]
)  # fmt: skip
SERVICES = st.sampled_from(
    ["smtp inet n - y - - smtpd", "submission inet n - y - - smtpd", "465 inet n - - - - smtpd",
     "0.0.0.0:2525 inet n - - - - smtpd", "pickup unix n - y 60 1 pickup"]
)  # fmt: skip


@pytest.fixture(scope="module")
def fuzz_lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sandbox.pki.labkeys import ensure_lab_keys

    lab = tmp_path_factory.mktemp("fuzzlab")
    ensure_lab_keys(lab)
    return lab


VALID_BASE = (
    "myhostname = mail.sandbox.test\nsmtpd_tls_chain_files = server.key, chain.pem\n"
    "smtpd_tls_security_level = may\nsmtpd_sasl_auth_enable = yes\n"
)


@settings(max_examples=300, deadline=None)
@given(
    main=st.lists(
        st.tuples(st.sampled_from(ENACTED), st.lists(VALUE_PARTS, max_size=3).map(" ".join)),
        max_size=3,
    ),
    services=st.lists(
        st.tuples(SERVICES, st.lists(st.tuples(st.sampled_from(ENACTED), VALUE_PARTS), max_size=2)),
        min_size=1,
        max_size=3,
        unique_by=lambda service: service[0],
    ),
)
def test_l18_enacting_raises_nothing_but_config_error(
    fuzz_lab: Path,
    main: list[tuple[str, str]],
    services: list[tuple[str, list[tuple[str, str]]]],
) -> None:
    from sandbox.config.postfix.enact import enact
    from sandbox.config.postfix.reader import PostfixConfig

    # a valid configuration with a few values changed: most examples get past the first check
    text = VALID_BASE + "".join(f"{name} = {value}\n" for name, value in main)
    master = "".join(
        line + "".join(f" -o {{ {n} = {v} }}" for n, v in overrides) + "\n"
        for line, overrides in services
    )
    try:
        config = PostfixConfig(read_main_cf(text), tuple(read_master_cf(master)))
        enactment = enact(config, fuzz_lab)
    except ConfigError:  # anything else fails the test
        return
    for listener in enactment.listeners:  # what comes out is a server the sandbox can run
        assert listener.policy.min_tls_version >= ssl.TLSVersion.TLSv1_2
        if listener.chain is not None:
            assert fuzz_lab.resolve() in listener.chain.key_file.parents
