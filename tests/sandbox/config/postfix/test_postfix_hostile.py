"""Hostile configuration files get one `FILE:LINE` error and nothing else (properties.md L4-L6)."""

from __future__ import annotations

import os
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
