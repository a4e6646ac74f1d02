"""The sandbox's notices in the learner's language: rendered from a notice's key and params.

The sandbox says each notice in English (`sandbox.notices.NOTICES`, the demo prints that text);
here each other language has its own table with the same keys and fields (a test walks them all).
A param that is itself a name (an attack lab, a side) is said in the language too. A key a table
lacks (an extension's notice) keeps the sandbox's English words.
"""

from __future__ import annotations

from collections.abc import Callable

from sandbox.events import Notice
from tutor.ui.words import scenario_summary, tr
from tutor.ui.world_words import DECIDED_JA

JA: dict[str, str] = {
    # the lab
    "lab.no_new_ehlo": "TLS がないので、忘れるべきものもありません。EHLO は送り直しません。",
    "lab.new_session": "接続が閉じていたので、新しいセッションを始めます。",
    "lab.no_demo_account": "このサーバーにはデモアカウントがありません。",
    "attack.on": "攻撃中（わざと見せるラボです）: {attack}",
    # the tutor's client
    "client.trying": "{where} に接続しています...",
    "client.connected": "{where} に接続しました。",
    "client.tls_started": "TLS を開始しました。暗号スイート {version}:{cipher}:{bits}",
    "client.peer_subject": 'TLS の相手のサブジェクト DN="{subject}"',
    "client.verified": "{host} の証明書を検証しました",
    "client.not_verified": "証明書を検証していません: どんな証明書でも受け入れます",
    "client.closed": "接続を閉じました。",
    "client.starttls_refused": "STARTTLS が拒否されました（{code}）。平文のままです",
    "client.starttls_missing": "STARTTLS が提示されていません。平文のまま続けます",
    "client.cleartext_auth": "AUTH が平文で通信路を流れます（わざとです）",
    "client.error": "{error}",
    "client.tls_failed": "TLS ハンドシェイクに失敗しました: {reason}",
    "client.in_data": "サーバーはメッセージを読んでいます。'.' だけの行で終えてください",
    "client.needs_tls": "ポリシー {policy}: {verb} は TLS なしでは決して送りません",
    "client.cleartext_auth_refused": (
        "AUTH ではパスワードが平文で送られます（base64 は何も隠しません）。先に TLS を"
        "始めてください"
    ),
    "client.requires_tls.starttls-refused": (
        "ポリシー {policy} は TLS を必須としますが、サーバーは STARTTLS に {code} と"
        "答えました。終了します"
    ),
    "client.requires_tls.ehlo-refused": (
        "ポリシー {policy} は TLS を必須としますが、サーバーが EHLO を拒否したため STARTTLS "
        "を提示できません。終了します"
    ),
    "client.requires_tls.not-offered": (
        "ポリシー {policy} は TLS を必須としますが、サーバーは STARTTLS を提示していません。"
        "終了します"
    ),
    "client.starttls_inside_tls": "サーバーが TLS の中で STARTTLS を受け付けました",
    "client.injected_after_220": (
        "サーバーの STARTTLS への 220 の後に、さらに平文が届きました。経路上の誰かが注入した"
        "おそれがあるため、TLS の前に接続を切ります（RFC 3207）"
    ),
    "client.server_closed": "サーバーが接続を閉じました",
    "client.server_closed_midway": "サーバーが応答の途中で接続を閉じました",
    "client.refused": "{step} が拒否されました: {reply}",
    # the sandbox server
    "server.not_loopback": (
        "{host} で待ち受けています（ループバックではありません）。ほかのマシンからこの"
        "サンドボックスに接続できます。"
    ),
    "server.auth_before_tls": (
        "このラボは TLS の前の AUTH をわざと許しています。パスワードは読める形で通信路を流れます。"
    ),
    "server.busy": "接続を 421 で断りました。すでに {max} 本開いています。",
    "server.kept": (
        "{rcpts} 宛てのメールはサンドボックスに保管しました。このマシンの外には出ません。"
    ),
    "server.tls_failed": "TLS ハンドシェイクに失敗しました: {reason}",
    "server.tls_client_left": (
        "サーバー側から見ると: TLS ハンドシェイクの途中でクライアントが接続を切りました"
        "（証明書を拒否したか、あきらめたためです）。"
    ),
    "server.relay_denied": (
        "<{address}> への中継を拒否しました。サンドボックスはオープンリレーではありません。"
    ),
    "server.injection_discarded": (
        "STARTTLS の後、TLS が始まる前に届いた平文 {size} バイトをサーバーが破棄しました。"
        "コマンド注入の試みです（CVE-2011-0411）。"
    ),
    "server.too_long": (
        "{peer} からの接続を閉じました。セッション時間の上限 {seconds} 秒に達しました。"
    ),
    "server.timeout": "{peer} からの接続を閉じました: タイムアウト。",
    "server.too_many_errors": "{peer} からのエラーが多すぎるため切断しました。",
    "server.auth_refused_before_tls": (
        "TLS の前の AUTH を拒否しました。パスワードが読める形で通信路を流れるところでした。"
    ),
    "server.auth_lockout": "AUTH の失敗が多すぎるため接続を閉じました。",
    "server.auth_in_clear": (
        "AUTH が平文で成功しました。経路上の誰でも今パスワードを読めました（base64 は"
        "符号化であって暗号化ではありません）。"
    ),
    "server.bare_newline_refused": (
        "メッセージに単独の CR か LF（CRLF 以外の行末）がありました。SMTP スマグリングの"
        "材料です。smtpd_forbid_bare_newline と同じく拒否しました。"
    ),
    "server.bare_newline_accepted": (
        "メッセージに単独の CR か LF（CRLF 以外の行末）がありました。SMTP スマグリングの"
        "材料です。受け付けました。"
    ),
    "server.storage_full": (
        "これ以上メールを保管する場所がありません（{store} {bound}: {limit} のうち {used}）。"
        "Postfix がキューに空きがないときと同じく 452 4.3.1 と答えました。何も保存していません。"
    ),
    # the wire tap
    "tap.busy": "盗聴点: 接続を断りました。すでに {max} 本開いています。",
    "tap.cannot_reach": "盗聴点: {host}:{port} に届きません（{error}）。",
    "tap.internal_error": "盗聴点: 内部エラー: {error}",
    "tap.cannot_accept": "盗聴点: 接続を受け付けられません（{error}）。1 秒後にもう一度試します。",
    "tap.idle": "盗聴点: {seconds} 秒間何もなかった接続を閉じました。",
    "tap.takeover_ended": "盗聴点: 乗っ取りが途中で終わりました（{error}）。",
    "tap.capture_full": (
        "盗聴者の視点: この接続は {max} バイトを超えました。セッションは続きますが、"
        "これ以上は記録しません。"
    ),
    "tap.lines_full": (
        "盗聴者の視点: この接続で{side}が {max} 行を超えて送りました。残りの行は一行ずつは"
        "表示しません（バイトは記録し続けます）。"
    ),
    "tap.records_full": (
        "盗聴者の視点: この接続で{side}が {max} 個を超える TLS レコードを送りました。残りの"
        "レコードは一つずつは表示しません（バイトは記録し続けます）。"
    ),
    "tap.not_tls": (
        "盗聴者の視点: バイト {offset} 以降の{side}のデータは正しい TLS ではありません"
        "（{error}）。生のバイトだけを表示します。"
    ),
    # the attacks
    "attack.could_not_start": "攻撃を始められませんでした: {error}",
    "attack.answers_starttls": "攻撃者がサーバーの代わりに STARTTLS へ '{reply}' と答えます。",
    "attack.deleted_starttls": "攻撃者がサーバーの EHLO 応答から '{line}' を消しました。",
    "attack.takes_starttls": (
        "攻撃者はクライアントの STARTTLS をサーバーに渡さず、自分で '220' と答え、"
        "TLS ハンドシェイクには自分の証明書で応じます。"
    ),
    "attack.certificate_refused": (
        "クライアントが攻撃者の証明書を拒否しました（{reason}）。攻撃は失敗し、何も"
        "中継されていません。"
    ),
    "attack.injects_command": (
        "攻撃者がクライアントの STARTTLS と同じ書き込みに '{line}' を付け足します。これを"
        "残すサーバーは、TLS の中から来たかのように実行してしまいます。"
    ),
    "attack.injects_reply": (
        "攻撃者がサーバーの 220 の後に偽の EHLO 応答を平文で付け足します。これを残す"
        "クライアントは、TLS の中でのサーバーの最初の言葉として読んでしまいます。"
    ),
    # the lab world's client (sandbox/labdns)
    **{f"decided.{key}": f"クライアントの判断: {why}。" for key, why in DECIDED_JA.items()},
    "tlsrpt.written": "TLS-RPT レポート（RFC 8460）を書きました: {kinds}。保存先 {path}",
    # the config lab's probes
    "probe.reply": "{step} -> {reply}",
    "probe.reply_no_tls": "{step}（TLS なし）-> {reply}",
    "probe.tls": "TLS {version}",
    "probe.tls_verified": "TLS {version}（検証済み）",
    "probe.ehlo_no_tls": "EHLO（TLS なし）-> {keywords}",
    "probe.ehlo_no_tls_none": "EHLO（TLS なし）-> （キーワードなし）",
    "probe.no_auth_in_tls": "EHLO（TLS の中）に AUTH がありません",
    "probe.wrapped_587": (
        "587 番が最初から TLS で話しています（smtpd_tls_wrappermode）。submission は STARTTLS を"
        "使います"
    ),
    "probe.plain_465": (
        "465 番が平文で始まります。このサービスには smtpd_tls_wrappermode=yes が必要です"
    ),
    "probe.no_service": "{port} 番に smtpd のサービスがありません",
    "probe.timeout": "{seconds} 秒以内に応答がありません",
    "probe.broke": "{error}",
    "probe.no_connector": "{port} 番を使う有効な受信コネクタがありません",
    "probe.no_send_connector": "{domain} を受け持つ有効な送信コネクタがありません",
    "probe.send_connector": "送信コネクタ '{name}': クライアントのポリシー {policy}",
    "probe.strip_sent": "STARTTLS を消された: MAIL が平文で送られた",
    "probe.strip_withheld": "STARTTLS を消された: 何も送られなかった",
    "probe.auth_in_clear": "EHLO（TLS なし）に AUTH があります",
    "probe.no_auth_in_clear": "EHLO（TLS なし）に AUTH がありません",
    "probe.auth_in_tls": "EHLO（TLS の中）に AUTH があります",
}

TABLES: dict[str, dict[str, str]] = {"ja": JA}
"""One table per language other than English (the sandbox's own words)."""

_SIDES = {"client": "transcript.client", "server": "transcript.server"}

PARAM_WORDS: dict[str, Callable[[str, str], str]] = {
    "attack": lambda lang, name: scenario_summary(lang, name) or name,
    "side": lambda lang, side: tr(lang, _SIDES[side]) if side in _SIDES else side,
}
"""Params that are names, and how each is said in a language."""


def notice_text(event: Notice, lang: str) -> str:
    """`event` in `lang`: its table's words with its params, or the sandbox's English."""
    template = TABLES.get(lang, {}).get(event.key)
    if template is None:
        return event.text
    values = {
        name: PARAM_WORDS[name](lang, value) if name in PARAM_WORDS else value
        for name, value in event.params.items()
    }
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):  # a notice made by hand, without its params
        return event.text
