"""Real lab sessions with their secrets, run once per test module and shared by the tlsview
tests (M3-M8): TLS 1.3 with AES-128-GCM, and TLS 1.2 with ChaCha20-Poly1305, over STARTTLS."""

from __future__ import annotations

import pytest
from tlsview_helpers import TLS12_SUITES, TLS13_SUITES, run_forced

from sandbox.events import SandboxEvent
from sandbox.tlsview.keylog import KeyLog

Session = tuple[list[SandboxEvent], KeyLog]


@pytest.fixture(scope="module")
def session13(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return run_forced("starttls", TLS13_SUITES[0], tmp_path_factory.mktemp("s13"))


@pytest.fixture(scope="module")
def session12(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return run_forced("starttls", TLS12_SUITES[2], tmp_path_factory.mktemp("s12"))
