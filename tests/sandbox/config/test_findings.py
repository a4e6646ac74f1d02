"""The shared shape of configuration errors and findings: `FILE:LINE: what`, in each language."""

from __future__ import annotations

from sandbox.config.findings import ConfigError, Finding, Level, Words

WORDS = {
    "en": Words("obsolete parameter", "it is ignored", "use smtpd_tls_security_level"),
    "ja": Words("廃止されたパラメータ", "無視される", "smtpd_tls_security_level を使う"),
}


def test_config_error_names_file_and_line() -> None:
    err = ConfigError("main.cf", 12, "missing '=' after the parameter name")
    assert str(err) == "main.cf:12: missing '=' after the parameter name"
    assert (err.path, err.line) == ("main.cf", 12)


def test_finding_renders_file_line_level_then_why_and_fix_in_the_language() -> None:
    f = Finding("obsolete", Level.WARNING, "main.cf", 3, WORDS)
    assert f.render().splitlines() == [
        "main.cf:3: warning: obsolete parameter",
        "    it is ignored",
        "    use smtpd_tls_security_level",
    ]
    assert f.render("ja").startswith("main.cf:3: warning: 廃止されたパラメータ")
    assert f.text("fr") == WORDS["en"]  # a language without words falls back to English
