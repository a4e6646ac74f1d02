"""What the lab says around its panes, in the learner's language: the policies in force and,
when an attack lab's session ends, its outcome (the same facts `smtp-tutor demo` prints).

Pure: no Textual. The outcome comes from `sandbox.threats.outcome` (typed facts); only its words
are chosen here. English is the sandbox's own sentence, so the TUI and the CLI say the same.
"""

from __future__ import annotations

from sandbox.client.policy import CLIENT_POLICIES, TlsPolicy
from sandbox.events import Exposure
from sandbox.smtpd.policy import ServerPolicy
from sandbox.threats.outcome import Outcome, Peer, say_why
from tutor.ui.words import tr

WHY_JA: dict[str, str] = {
    "failed.wrong-name": "証明書は信頼できる認証局のものですが、別のホスト名が書かれています。"
    "{who}は名前も確かめるので、何も送らずに切断しました。",
    "failed.untrusted": "証明書はクライアントが信頼する認証局の発行ではありません。{who}はそれを"
    "確かめるので、何も送らずに切断しました。",
    "failed.expired": "証明書が有効期間の外です。{who}はそれを確かめるので、何も送らずに切断"
    "しました。",
    "failed.bad-certificate": "証明書を検証できませんでした。{who}はそれを確かめるので、何も"
    "送らずに切断しました。",
    "failed.protocol-version": "クライアントとサーバーに共通の TLS バージョンがないため、{who}は"
    "何も送らずに切断しました。",
    "failed.cut": "TLS ハンドシェイクが途中で切られたため、{who}は何も送らずに切断しました。",
    "failed.timeout": "TLS ハンドシェイクが時間内に終わらなかったため、{who}は何も送らずに切断"
    "しました。",
    "failed.other": "TLS ハンドシェイクに失敗したため、{who}は何も送らずに切断しました。",
    "injected-reply": "TLS しか来てはいけないサーバーの 220 の後に平文が続きました。クライアントは"
    "それを TLS の中から来たものとして読むことを拒み、何も送らずに切断しました。",
    "refused-530-attacker": "攻撃者はエンベロープを復号しましたが、サーバーは TLS を必須として"
    "おり、攻撃者の平文の中継を 530 で拒否しました。本物の攻撃者ならサーバーとも TLS を張る"
    "でしょう。",
    "refused-530": "サーバーは TLS を必須としており、平文の MAIL を 530 で拒否したので何も配送"
    "されていません。ただしエンベロープはすでに読める形で通信路を流れました。",
    "quit-no-tls": "{no_tls}。{who}は TLS を必須とするので、MAIL・RCPT・DATA を送る前に終了"
    "しました。",
    "ended-early": "メッセージが送られる前にセッションが終わりました。",
    "mitm": "{who}はメールを暗号化しましたが証明書を確かめなかったので、攻撃者自身の証明書を"
    "受け入れました。攻撃者はすべてを復号し、そのまま転送しました。",
    "plain-never-tls": "このクライアントは STARTTLS を使わないので、メールは平文で流れ、経路上の"
    "誰でも読めました。",
    "plain-no-tls": "{no_tls}。{who}は平文のまま続けるので、攻撃者はエンベロープとメッセージを"
    "読みました。",
    "plain": "メッセージは平文で通信路を流れ、経路上の誰でも読めました。",
    "injection-discarded": "攻撃者が STARTTLS の後に紛れ込ませた平文をサーバーが破棄し、メールは"
    "TLS の中を通って本物のサーバーに届きました。",
    "tls-verified": "メールは TLS の中を通って、検証済みの本物のサーバーに届きました。攻撃者に"
    "見えたのは暗号化されたレコードだけです。",
    "tls": "メールは TLS の中を通って本物のサーバーに届きました。攻撃者に見えたのは暗号化された"
    "レコードだけです。",
}
"""`sandbox.threats.outcome.WHY` in Japanese (same keys and fields: a test checks)."""

NO_TLS_JA: dict[str, str] = {
    "starttls-refused": "STARTTLS に {code} と答えられました",
    "not-offered": "EHLO の応答に STARTTLS がありませんでした",
    "ehlo-refused": "EHLO の応答に STARTTLS がありませんでした",
    "not-started": "TLS が始まっていませんでした",
}

_PEERS_JA = {Peer.SERVER: "本物のサーバー", Peer.ATTACKER: "攻撃者", Peer.NOBODY: "誰にも"}


def _who_ja(policy: str | None) -> str:
    return f"'{policy}' クライアント" if policy else "クライアント"


def outcome_text(result: Outcome, lang: str) -> str:
    """Two lines: what happened (sent? encrypted? to whom? what the attacker read), then why."""
    if lang != "ja":
        return result.summary()
    if result.sent:
        how = "TLS の中" if result.encrypted else "平文"
        went = f"メッセージは{how}で{_PEERS_JA[result.to]}に送られました"
        if result.to is Peer.ATTACKER:
            went += (
                "（攻撃者はそれを転送しました）"
                if result.delivered
                else "（攻撃者の手元に残りました）"
            )
    else:
        went = "メッセージは送られませんでした"
    read = "、".join(tr(lang, f"exposure.{e.value}") for e in Exposure if e in result.read)
    why = say_why(result.why_key, result.why_params, why=WHY_JA, no_tls=NO_TLS_JA, who=_who_ja)
    return f"結果: {went}。攻撃者が読んだもの: {read or 'なし'}。\n理由: {why}"


POLICY_JA: dict[str, str] = {
    TlsPolicy.NONE: "TLS を使わない",
    TlsPolicy.MAY: "提示されれば TLS、証明書は問わない。なければ平文",
    TlsPolicy.ENCRYPT: "TLS 必須、証明書は問わない",
    TlsPolicy.VERIFY: "TLS 必須、信頼できる認証局と MX ホスト名を確認",
    TlsPolicy.SECURE: "TLS 必須、信頼できる認証局と宛先ドメインを確認",
    TlsPolicy.DANE: "署名済みの TLSA があれば TLS 必須で証明書と照合。なければ日和見",
    TlsPolicy.MTA_STS: "enforce: TLS 必須、認証局とポリシーの MX を確認。testing: 日和見で報告",
}
"""`CLIENT_POLICIES[...].in_short` in Japanese."""


def policies_text(lang: str, client: TlsPolicy, server: ServerPolicy) -> str:
    """The client's TLS policy and the server's, as Postfix names them, with what they mean."""
    does = POLICY_JA[client] if lang == "ja" else CLIENT_POLICIES[client].in_short
    return tr(lang, "lab.policies", client=client.value, does=does, server=server.tls_level)
