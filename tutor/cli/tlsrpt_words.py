"""The TLS-RPT result types (`sandbox.tlsrpt.report.MEANING`) in Japanese, for every command that
explains a report: `mta-sts lab`, `dane lab` and the matrix table (`matrix_table.py`)."""

from __future__ import annotations

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
"""Keyed by `ResultType` value (a test checks every one has its Japanese)."""
