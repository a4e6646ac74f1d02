"""The mailbox and watch screens' words, English and Japanese (tutor/ui/screens/mailbox.py,
watch.py)."""

from __future__ import annotations

MAILBOX_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Mailbox: {root}  ({count} messages)",
        "title_learner": "Mailbox of {learner}: {root}  ({count} messages)",
        "empty": "No mail here yet. Send some to the sandbox (smtp-tutor sandbox or watch).",
        "tls": "Received over {version} with cipher {cipher} (the sandbox's Received: line)",
        "plaintext": "Received in PLAINTEXT: the Received: line names no TLS",
        "unreadable": "Cannot read this message: {why}",
        "more": "{count} lines more (smtp-tutor mailbox show {id} --all prints them)",
        "no_subject": "(no subject)",
        "watch_where": "Point your client at {sub} (STARTTLS, as 587) or {tls} (implicit TLS, as "
        "465): every session shows up below.",
        "watch_account": "Demo account {user} / {password} (generated: never a real password). "
        "CA to trust: {ca}",
        "watch_failed": "The watch could not start: {why}",
    },
    "ja": {
        "title": "メールボックス: {root}（{count} 通）",
        "title_learner": "{learner} のメールボックス: {root}（{count} 通）",
        "empty": "まだメールはありません。サンドボックスに送ってみましょう"
        "（smtp-tutor sandbox または watch）。",
        "tls": "{version}、暗号スイート {cipher} で受信（サンドボックスの Received: 行）",
        "plaintext": "平文で受信: Received: 行に TLS の記録がありません",
        "unreadable": "このメッセージは読めません: {why}",
        "more": "ほかに {count} 行（smtp-tutor mailbox show {id} --all で表示）",
        "no_subject": "（件名なし）",
        "watch_where": "クライアントの接続先は {sub}（STARTTLS、587番にあたる）か {tls}"
        "（暗黙的TLS、465番にあたる）です。セッションはすべて下に表示されます。",
        "watch_account": "デモ用アカウント {user} / {password}（生成したもので、本物のパスワード"
        "ではありません）。信頼するCA: {ca}",
        "watch_failed": "watch を開始できませんでした: {why}",
    },
}


def mailbox_word(lang: str, key: str, **values: object) -> str:
    table = MAILBOX_WORDS.get(lang, MAILBOX_WORDS["en"])
    return table[key].format(**values)
