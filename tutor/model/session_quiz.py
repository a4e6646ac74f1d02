"""The `session-quiz` block: a question whose answer is the learner's own lab session.

    ```session-quiz
    question: Which cipher suite did your session negotiate? Type its name.
    fact: cipher
    hint: The Connection pane's Cipher row, or the ServerHello in the handshake view (h).
    explain: The server picked it from the list the ClientHello offered.
    ```

`fact` names what the answer is read from (`SESSION_FACTS`); the answer is not in the lesson,
it is what the learner's last lab session did, folded from its events (`SessionAnswers`). A
learner who has not run a lab past the handshake yet is told so, and nothing is counted.

Pure: no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from sandbox.events import SandboxEvent, SessionStarted, Side, TlsEstablished, WireRecord
from tutor.model.blocks import _Reader
from tutor.model.fields import parse_fields, shorten
from tutor.model.lesson import CustomBlock, FenceBody, LessonError, normalize_answer

SESSION_FACTS: dict[str, str] = {
    "cipher": "the cipher suite the session negotiated (OpenSSL's or the IANA name)",
    "version": "the TLS version the session negotiated (TLS 1.2 or TLS 1.3)",
    "sni": "the server name the client sent in its ClientHello (SNI)",
    "issuer": "the common name (CN) of the issuer of the server's certificate",
}
"""fact -> what it is: the session facts a `session-quiz` can ask for."""
_SCALARS = ("question", "fact", "hint", "explain")


@dataclass(frozen=True, slots=True)
class SessionQuiz(CustomBlock):
    question: str
    fact: str
    hint: str
    explain: str
    line: int


def build_session_quiz(body: FenceBody) -> tuple[SessionQuiz | None, list[LessonError]]:
    file, line = body.file, body.line
    fields = parse_fields(body.lines, body.first_line, file, "session-quiz")
    r = _Reader(fields, "session-quiz", file, line)
    r.check_keys(_SCALARS, ())
    question, fact, hint, explain = (r.scalar(k) for k in _SCALARS)
    if fact is not None and fact[0] not in SESSION_FACTS:
        known = ", ".join(SESSION_FACTS)
        r.error(fact[1], f"'fact' is {shorten(fact[0])!r}; known: {known}")
    if r.errors or question is None or fact is None or hint is None or explain is None:
        return None, r.errors
    return SessionQuiz(question[0], fact[0], hint[0], explain[0], line), r.errors


@dataclass(frozen=True, slots=True)
class SessionAnswers:
    """What a lab session did that a `session-quiz` can ask about; None: not seen (yet)."""

    cipher: str | None = None  # as the client's TLS library names it
    cipher_iana: str | None = None  # as the ServerHello on the wire names it
    version: str | None = None  # "TLSv1.3"
    sni: str | None = None
    issuer: str | None = None  # the issuer's CN

    def apply(self, event: SandboxEvent) -> SessionAnswers:
        match event:
            case SessionStarted():
                return SessionAnswers()
            case TlsEstablished():
                cert = event.peer_cert
                issuer = _common_name(cert.issuer) if cert is not None else None
                return replace(self, cipher=event.cipher, version=event.version, issuer=issuer)
            case WireRecord() if event.handshake:
                out = self
                for hs in event.handshake:
                    if hs.name == "ClientHello" and event.sender is Side.CLIENT and hs.sni:
                        out = replace(out, sni=hs.sni)
                    elif hs.name == "ServerHello" and len(hs.cipher_suites) == 1:
                        out = replace(out, cipher_iana=hs.cipher_suites[0])  # the one chosen
                return out
            case _:
                return self

    def apply_all(self, events: Iterable[SandboxEvent]) -> SessionAnswers:
        out = self
        for event in events:
            out = out.apply(event)
        return out

    def value(self, fact: str) -> str | None:
        """The session's answer to `fact`, as shown to the learner (None: not seen yet)."""
        if fact == "cipher":
            return self.cipher or self.cipher_iana
        if fact == "version":
            return _version_words(self.version) if self.version else None
        if fact == "sni":
            return self.sni
        if fact == "issuer":
            return self.issuer
        raise KeyError(fact)

    def accepts(self, fact: str) -> tuple[str, ...]:
        """Every spelling of the right answer (the cipher by either of its names)."""
        if fact == "cipher":
            return tuple(n for n in (self.cipher, self.cipher_iana) if n)
        if fact == "version":
            return (self.version,) if self.version else ()
        shown = self.value(fact)
        return (shown,) if shown else ()

    def is_right(self, fact: str, typed: str) -> bool | None:
        """Whether `typed` is the session's `fact`; None when the session has not shown it."""
        accepted = self.accepts(fact)
        if not accepted:
            return None
        key = _CANON[fact]
        return key(typed) in {key(a) for a in accepted}


def _common_name(dn: str) -> str:
    m = re.search(r"(?:^|,)\s*CN=((?:\\,|[^,])+)", dn)
    return m.group(1).strip() if m else dn


def _version_words(version: str) -> str:
    """`TLSv1.3` -> `TLS 1.3`."""
    return re.sub(r"^TLSv", "TLS ", version)


def _loose(text: str) -> str:
    return re.sub(r"[\s_-]+", "", normalize_answer(text))


def _version_key(text: str) -> str:
    """`TLSv1.3`, `TLS 1.3`, `tls1.3` and `1.3` are one answer."""
    return re.sub(r"^tls\s*v?\s*", "", normalize_answer(text)).replace(" ", "")


_CANON = {"cipher": _loose, "version": _version_key, "sni": normalize_answer, "issuer": _loose}
