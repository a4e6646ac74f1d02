"""The labels of `smtp-tutor check`'s text report, in every language the course has (the
findings' own sentences are in sandbox/check/words_*.py)."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "ok": "ok", "note": "note", "warning": "warning", "problem": "problem",
        "why": "why", "fix": "fix", "postfix": "Postfix", "exchange": "Exchange",
        "lesson": "lesson",
        "header": "smtp-tutor check {target} ({mode}, name {name}): {connections} connections, "
        "no mail sent",
        "tls": "TLS {version}, {cipher}",
        "no_tls": "no TLS session",
        "store": "trusted roots: {store}",
        "no_store": "trusted roots: none found (give --ca-file)",
        "summary": "{problem} problem(s), {warning} warning(s), {note} note(s), {ok} ok",
        "starttls": "STARTTLS", "implicit": "implicit TLS",
    },
    "ja": {
        "ok": "良好", "note": "注意", "warning": "警告", "problem": "問題",
        "why": "理由", "fix": "対処", "postfix": "Postfix", "exchange": "Exchange",
        "lesson": "レッスン",
        "header": "smtp-tutor check {target}（{mode}、名前 {name}）：接続 {connections} 回、"
        "メールは送っていません",
        "tls": "TLS {version}、{cipher}",
        "no_tls": "TLS セッションなし",
        "store": "信頼するルート：{store}",
        "no_store": "信頼するルート：見つかりません（--ca-file で指定）",
        "summary": "問題 {problem} 件、警告 {warning} 件、注意 {note} 件、良好 {ok} 件",
        "starttls": "STARTTLS", "implicit": "暗黙の TLS",
    },
}  # fmt: skip
