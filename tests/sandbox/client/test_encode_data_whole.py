"""`encode_data` works on the whole message (F7, E14): the same bytes as joining dot-stuffed lines,
for any message, without splitting it into a list of lines (an 8 MB message was 110,000 objects).
"""

from __future__ import annotations

import re
import tracemalloc

from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox.client.framing import encode_data


def by_lines(data: bytes) -> bytes:
    """The line-by-line encoder framing.py had before."""
    lines = re.split(rb"\r\n|\r|\n", data)
    if lines[-1] == b"":
        lines.pop()
    if not lines:
        return b".\r\n"
    return b"\r\n".join(b"." + line if line[:1] == b"." else line for line in lines) + b"\r\n.\r\n"


pieces = st.lists(
    st.sampled_from([b"a", b".", b"..", b"\r", b"\n", b"\r\n", b" ", b"x.y", b"\x00"])
)


@settings(max_examples=500, deadline=None)
@given(pieces)
def test_f7_e14_encoding_the_whole_message_equals_encoding_it_line_by_line(
    parts: list[bytes],
) -> None:
    data = b"".join(parts)
    assert encode_data(data) == by_lines(data)


def test_e14_an_unchanged_message_is_copied_once() -> None:
    """A message already in CRLF lines with no dot to stuff: the payload is one new object, and
    nothing was split (the peak memory a message costs the client is about twice its size)."""
    data = b"a line of text\r\n" * 500_000  # 8 MB
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    payload = encode_data(data)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    assert payload == data + b".\r\n"
    assert peak < 1.2 * len(data), peak
