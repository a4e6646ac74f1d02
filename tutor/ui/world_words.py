"""The lab world's words in Japanese: what a `dane` or `mta-sts` client decided
(`sandbox.notices.DECIDED`) and what each TLS-RPT result type means
(`sandbox.tlsrpt.report.MEANING`). The lab screen and `smtp-tutor mta-sts|dane lab` say them."""

from __future__ import annotations

from sandbox.dane.tlsa import TLSA_ERRORS, TlsaError
from sandbox.notices import DECIDED
from sandbox.tlsrpt.report import MEANING, ResultType

DECIDED_JA: dict[str, str] = {
    "dane.signed": "署名済みの TLSA レコード: TLS 必須、証明書はどれかに一致しなければならない",
    "dane.unsigned": "ゾーンが署名されていない: DANE は無視される（日和見 TLS）",
    "dane.none": "使える TLSA レコードがない（日和見 TLS）",
    "sts.none": "MTA-STS のレコードがない（日和見 TLS）",
    "sts.fetch": "ポリシーを取得できなかった: ポリシーがないのと同じ（日和見 TLS）",
    "sts.mode-none": "mode: none、ポリシーは取り下げられた（日和見 TLS）",
    "sts.mx": "enforce: MX がポリシーにないので何も送らない",
    "sts.enforce": "enforce: TLS 必須、証明書は MX 名で検証できなければならない",
    "sts.testing": "testing: 配送は続け、失敗しそうだったことを報告する",
    "plain": "このレベルには DNS によるポリシーがない",
}
"""`sandbox.labdns.world.DECIDED` in Japanese."""

RESULT_JA: dict[str, str] = {
    "starttls-not-supported": "MX が STARTTLS を提示しなかった（または誰かが消した）",
    "certificate-host-mismatch": "証明書が MX ホスト名を含んでいない",
    "certificate-expired": "証明書の期限が切れている",
    "certificate-not-trusted": "証明書が信頼できる認証局につながらない",
    "validation-failure": "その他の理由で証明書の検証に失敗した（コードを参照）",
    "tlsa-invalid": "MX の TLSA レコードがどれも使えない",
    "dnssec-invalid": "リゾルバーが有効な DNSSEC の答えを返さなかった",
    "dane-required": "送信側は DANE を必須にしているが、署名済み TLSA がなかった",
    "sts-policy-fetch-error": "MTA-STS ポリシーを HTTPS で取得できなかった",
    "sts-policy-invalid": "MTA-STS ポリシーを読めなかった",
    "sts-webpki-invalid": "ポリシーサーバーの HTTPS 証明書が検証できなかった",
}

FINDINGS_JA: dict[str, str] = {
    "version.missing": "'version: STSv1' の行がありません。送信側はポリシー全体を無視します。",
    "version.wrong": "version が {value!r} です。"
    "'STSv1' しかないので、送信側はポリシーを無視します。",
    "mode.missing": "'mode:' の行がありません。送信側はポリシー全体を無視します。",
    "mode.wrong": "mode が {value!r} です。enforce、testing、none のどれかにします。",
    "mode.enforce": "mode: enforce。一覧の MX への TLS が検証できなければ、送信側は配送しません。",
    "mode.testing": "mode: testing。送信側は配送を続け、失敗を報告するだけです（TLS-RPT）。",
    "mode.none": "mode: none。ドメインがポリシーを取り下げます。送信側は忘れます。",
    "mx.missing": "'mx:' の行がありません。mode {mode} では、どの MX も一致しません。",
    "mx.bad": "mx: {value!r} はホスト名でも '*.' のパターンでもありません。",
    "mx.ok": "mx: {value} は {what} を許します。",
    "max_age.missing": "'max_age:' の行がありません。送信側はポリシー全体を無視します。",
    "max_age.bad": "max_age: {value!r} は秒数（整数）ではありません。",
    "max_age.too_long": "max_age: {value} は 1 年（{limit} 秒）を超えています。"
    "送信側は切り詰めるか拒みます。",
    "max_age.short": "max_age: {value} 秒は 1 日未満です。"
    "取得の合間に、ポリシーの HTTPS 取得を妨げる攻撃者がいると、"
    "ポリシーがないものとして扱われます。数週間が普通です。",
    "max_age.ok": "max_age: {value} 秒（{days} 日）。送信側はその間ポリシーを覚えています。",
    "line.bad": "{line} 行目が 'key: value' の形ではありません。送信側はポリシー全体を無視します。",
    "line.duplicate": "'{key}' が 2 回以上あります。繰り返してよいのは mx だけです。",
    "host.match": "MX ホスト {host} はパターン {pattern} に一致します。",
    "host.nomatch": "MX ホスト {host} はどの mx 行にも一致しません。"
    "enforce では、送信側はそこへ配送しません。",
    "txt.version": "TXT レコードは 'v=STSv1;' で始めます。",
    "txt.id.missing": "TXT レコードに 'id=' がありません。送信側は無視します。",
    "txt.id.bad": "id {value!r} は英数字 1〜32 文字にします。",
    "txt.ok": "TXT レコードは正しい形です（id {value}）。ポリシーを変えたら必ず id も変えます。"
    "さもないと送信側は max_age が切れるまで古いポリシーを使い続けます。",
    "txt.duplicate": "TXT レコードに '{key}' が 2 回以上あります。",
}
"""`sandbox.mtasts.policy.FINDINGS` in Japanese (the same keys; a test checks)."""

LEVEL_JA = {"ok": "ok", "note": "注意", "warning": "警告", "problem": "問題"}
"""`sandbox.mtasts.policy.FINDINGS` and the finding levels in Japanese (`mta-sts check`, and
the policy editor of a world lab)."""


def finding_text(level: str, key: str, params: dict[str, str], lang: str) -> str:
    """One policy finding as `mta-sts check` says it, without the file name."""
    from sandbox.mtasts.policy import FINDINGS

    if lang == "ja":
        return f"{LEVEL_JA[level]}: {FINDINGS_JA[key].format(**params)}"
    return f"{level}: {FINDINGS[key].format(**params)}"


def decided_text(key: str, lang: str) -> str:
    """What the client decided (a key of DECIDED), in `lang`."""
    return DECIDED_JA.get(key, DECIDED.get(key, key)) if lang == "ja" else DECIDED.get(key, key)


def result_meaning(kind: str, lang: str) -> str:
    """What a TLS-RPT result type means, in `lang` ("" for a type RFC 8460 does not name)."""
    if lang == "ja" and kind in RESULT_JA:
        return RESULT_JA[kind]
    try:
        return MEANING[ResultType(kind)]
    except ValueError:
        return ""


TLSA_ERRORS_JA: dict[str, str] = {
    "too_long": "TLSA レコードは {limit} 文字までです",
    "nul": "TLSA レコードに NUL バイトが含まれています",
    "shape": "TLSA レコードは「usage selector matching-type データ」の形です"
    "（例: '3 1 1 9f86...'）",
    "numbers": "usage、selector、matching type は数字です（例: '3 1 1'）",
    "usage": "usage {usage} は 0、1、2、3 のどれでもありません",
    "selector": "selector {selector} は 0（Cert）でも 1（SPKI）でもありません",
    "mtype": "matching type {mtype} は 0（Full）、1（SHA-256）、2（SHA-512）のどれでもありません",
    "not_hex": "証明書の関連データ（certificate association data）が 16 進数ではありません",
    "length": "matching type {mtype} のデータは {want} バイトですが、これは {got} バイトです",
    "empty": "証明書の関連データ（certificate association data）が空です",
}
"""`sandbox.dane.tlsa.TLSA_ERRORS` in Japanese."""


def tlsa_error(exc: TlsaError, lang: str) -> str:
    """Why a TLSA record cannot be read, in the learner's language."""
    table = TLSA_ERRORS_JA if lang == "ja" else TLSA_ERRORS
    return table[exc.key].format(**exc.params)
