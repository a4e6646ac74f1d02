"""The lab world's words in Japanese: what a `dane` or `mta-sts` client decided
(`sandbox.notices.DECIDED`) and what each TLS-RPT result type means
(`sandbox.tlsrpt.report.MEANING`). The lab screen and `smtp-tutor mta-sts|dane lab` say them."""

from __future__ import annotations

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
