"""What the learner writes for a lab world: its MTA-STS policy (`edit: mta-sts.txt` in a lab
block), checked on every change by the checker of `smtp-tutor mta-sts check`
(`sandbox.mtasts.policy.parse_policy`, against the world's MX), or its MX's TLSA records (`edit:
tlsa`), each checked as `smtp-tutor dane check` does against the sandbox server's certificate.
F5 publishes: the lab saves the text (0600, atomically) and starts again, serving what was
written.

A policy with problems can be published too: the lab then shows what senders do with it (they
treat it as no policy, and report `sts-policy-invalid`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Static, TextArea

from sandbox.mtasts.policy import Level, PolicyError, parse_policy
from tutor.ui.lang import on_lang_change, ui_lang, words
from tutor.ui.widgets.keys import localize_bindings
from tutor.ui.words import tr
from tutor.ui.world_words import finding_text

MX_HOST = "sandbox.test"  # the lab world's MX (sandbox.labdns.world.MX_HOST, not imported: ssl)


def policy_findings(text: str, lang: str) -> tuple[str, bool]:
    """What the checker says of `text`, one finding a line, the count first; and whether a
    sender would use the policy (no problem). Hostile text (too big, a NUL byte) is one line."""
    try:
        policy = parse_policy(text.encode("utf-8", "surrogatepass"), [MX_HOST])
    except (PolicyError, UnicodeError) as exc:
        return tr(lang, "policy.unreadable", error=str(exc)), False
    problems = sum(f.level is Level.PROBLEM for f in policy.findings)
    warnings = sum(f.level is Level.WARNING for f in policy.findings)
    lines = [tr(lang, "policy.summary", problems=problems, warnings=warnings)]
    order = (Level.PROBLEM, Level.WARNING, Level.NOTE, Level.OK)
    for level in order:  # what needs fixing first
        for f in policy.findings:
            if f.level is level:
                lines.append(finding_text(f.level.value, f.key, f.params, lang))
    return "\n".join(lines), policy.valid


def tlsa_findings(text: str, lang: str) -> tuple[str, bool]:
    """Each TLSA line (`#` comments skipped): unreadable, unusable for SMTP, or whether it
    matches the sandbox server's certificate; the count first. True when one matches."""
    from sandbox.dane.tlsa import TlsaError, match_chain, parse_tlsa
    from sandbox.pki.certs import ensure_certs, load_cert
    from tutor.ui.world_words import tlsa_error

    try:
        live = load_cert(ensure_certs().server_cert)
    except (OSError, ValueError) as exc:
        return tr(lang, "policy.unreadable", error=str(exc)), False
    lines: list[str] = []
    matched = problems = 0
    for number, raw in enumerate(text.splitlines()[:100], start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        try:
            record = parse_tlsa(line)
        except TlsaError as exc:
            problems += 1
            lines.append(tr(lang, "tlsa.bad", n=number, error=tlsa_error(exc, lang)))
            continue
        if not record.usable:
            problems += 1
            lines.append(tr(lang, "tlsa.unusable", n=number, usage=record.usage))
        elif match_chain([record], [live]) is not None:
            matched += 1
            lines.append(tr(lang, "tlsa.match", n=number))
        else:
            problems += 1
            lines.append(tr(lang, "tlsa.nomatch", n=number))
    head = tr(lang, "tlsa.summary", matched=matched, problems=problems)
    if not lines:
        head = tr(lang, "tlsa.empty")
    return "\n".join([head, *lines]), matched > 0


class PolicyEditorScreen(ModalScreen[str | None]):
    """Returns the text to publish, or None (Esc)."""

    BINDINGS = [  # noqa: RUF012 (Textual API)
        Binding("f5", "publish", "key.publish_policy"),
        Binding("escape", "cancel", "key.back"),
    ]
    DEFAULT_CSS = """
    PolicyEditorScreen { align: center middle; }
    #policy-box {
        width: 96%; max-width: 100; height: 94%;
        border: thick $accent; border-title-color: $text; background: $surface; padding: 0 1;
    }
    #policy-about { height: auto; }
    #policy-text { height: 1fr; min-height: 6; }
    #policy-findings-box { height: auto; max-height: 7; }
    #policy-findings { height: auto; border-left: thick $warning; padding-left: 1; }
    #policy-findings.-clean { border-left: thick $success; }
    #policy-buttons { height: 1; }
    #policy-buttons Button { margin-right: 1; }
    """

    def __init__(self, text: str, kind: str = "mta-sts") -> None:
        super().__init__()
        localize_bindings(self)
        self.start_text = text
        self.kind = kind  # "mta-sts": a policy; "dane": TLSA records
        self._prefix = "policy" if kind == "mta-sts" else "tlsa"

    def compose(self) -> ComposeResult:
        with Vertical(id="policy-box"):
            yield Static(
                words(self, f"{self._prefix}.about", mx=MX_HOST), id="policy-about", markup=False
            )
            yield TextArea(self.start_text, id="policy-text", soft_wrap=False, tab_behavior="focus")
            with VerticalScroll(id="policy-findings-box"):
                yield Static("", id="policy-findings", markup=False)
            with Horizontal(id="policy-buttons"):
                yield Button(words(self, "policy.publish"), id="policy-publish", compact=True)
                yield Button(words(self, "policy.cancel"), id="policy-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#policy-box").border_title = words(self, f"{self._prefix}.title")
        self.query_one("#policy-text", TextArea).focus()
        self._check()
        on_lang_change(self, self._lang_changed)

    @property
    def text(self) -> str:
        return self.query_one("#policy-text", TextArea).text

    def _check(self) -> None:
        check = policy_findings if self.kind == "mta-sts" else tlsa_findings
        said, clean = check(self.text, ui_lang(self))
        box = self.query_one("#policy-findings", Static)
        box.update(said)
        box.set_class(clean, "-clean")

    @on(TextArea.Changed, "#policy-text")
    def _changed(self) -> None:
        self._check()

    def _lang_changed(self) -> None:
        localize_bindings(self)
        self.query_one("#policy-box").border_title = words(self, f"{self._prefix}.title")
        self.query_one("#policy-about", Static).update(
            words(self, f"{self._prefix}.about", mx=MX_HOST)
        )
        self.query_one("#policy-publish", Button).label = words(self, "policy.publish")
        self.query_one("#policy-cancel", Button).label = words(self, "policy.cancel")
        self._check()

    @on(Button.Pressed, "#policy-publish")
    def action_publish(self) -> None:
        self.dismiss(self.text)

    @on(Button.Pressed, "#policy-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
