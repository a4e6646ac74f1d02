"""`check`'s findings in Japanese: the same keys as words_en.py (a test holds them equal)."""

from __future__ import annotations

from sandbox.config.findings import Words

NOTHING = "対応は不要です。"
UNTESTABLE_WHY = "このマシンの OpenSSL はこれを提示しないため、サーバーの挙動を確かめられません。"
UNREAD_WHY = "拒否ではありません。問題はこの版ではなく、上のハンドシェイクの失敗です。"

WORDS_JA: dict[tuple[str, str], Words] = {
    ("starttls", "offered"): Words(
        "STARTTLS が提示され、要求すると TLS を開始します。",
        "送信側は平文ではなく暗号化してセッションを送れます。",
        NOTHING,
    ),
    ("starttls", "missing"): Words(
        "STARTTLS が提示されていません。このサーバーとのセッションはすべて平文です。",
        "経路上の誰もがメールとパスワードをすべて読めます。",
        "証明書を設定して STARTTLS を提示してください。",
    ),
    ("starttls", "refused"): Words(
        "STARTTLS は提示されていますが、応答が {code} で TLS が始まりません。",
        "送信側は平文に戻るか、TLS 必須ならメールを保留します。多くの場合、鍵か証明書の"
        "ファイルを読み込めていません。",
        "証明書と、それに対応する鍵をサーバーに指定してください。",
    ),
    ("starttls", "implicit"): Words(
        "最初のバイトから TLS です（暗黙の TLS、ポート 465 と同じ）。",
        "挨拶も含め、平文で流れるものはありません。",
        NOTHING,
    ),
    ("plaintext_mail", "accepted"): Words(
        "TLS の前にメールを受け付けます（MAIL FROM への応答は {code}）。",
        "公開 MX なら正しい動作です（RFC 3207）。サブミッションのポートでは、"
        "クライアントがメールとパスワードを暗号化せずに送るおそれがあります。",
        "サブミッションでは TLS を必須にしてください。",
    ),
    ("plaintext_mail", "refused"): Words(
        "STARTTLS までメールを受け付けません（MAIL FROM への応答は {code}）。",
        "サブミッションなら正しい動作です。公開 MX では、TLS を使えない送信側のメールが失われます"
        "（RFC 3207 はそこで TLS を必須にすることを禁じています）。",
        "公開 MX では TLS を提示し、必須にはしないでください。",
    ),
    ("auth_before_tls", "offered"): Words(
        "TLS の前に AUTH（{mechs}）が提示されています。",
        "クライアントがパスワードを平文で送るおそれがあります"
        "（PLAIN と LOGIN は base64 にすぎません）。",
        "AUTH は STARTTLS の後にだけ提示してください。",
    ),
    ("auth_before_tls", "none"): Words(
        "TLS の前に AUTH は提示されていません。",
        "パスワードは暗号化された状態でのみ送られます。",
        NOTHING,
    ),
    ("handshake", "failed"): Words(
        "TLS ハンドシェイクに失敗しました（{error}）。",
        "送信側は暗号化できず、平文に戻るかメールを保留します。",
        "サーバーのログで TLS のエラーを読み、鍵と証明書を確認してください。",
    ),
    ("tls_old", "accepted"): Words(
        "TLS {version} を受け付けます。",
        "TLS 1.0 と 1.1 は非推奨です（RFC 8996）。"
        "古いハッシュ関数で、最新の暗号スイートがありません。",
        "TLS 1.2 と 1.3 だけを受け付けてください（公開 MX では、送信側が対応してから）。",
    ),
    ("tls_old", "refused"): Words(
        "TLS {version} は拒否されます。", "非推奨のバージョンは使われません。", NOTHING
    ),
    ("tls_old", "untestable"): Words(
        "TLS {version}：ここでは試せません（{detail}）。",
        UNTESTABLE_WHY,
        "その版を話せる OpenSSL のあるマシン（testssl.sh 同梱のものなど）から試してください。",
    ),
    ("tls_old", "unread"): Words(
        "TLS {version}：サーバーは応答しましたが、"
        "そのハンドシェイクをここでは読めませんでした（{detail}）。",
        UNREAD_WHY,
        NOTHING,
    ),
    ("tls_old", "not_reached"): Words(
        "TLS {version}：試せませんでした（{detail}）。",
        "ハンドシェイクまで進めませんでした。",
        NOTHING,
    ),
    ("tls1.2", "accepted"): Words(
        "TLS 1.2 を受け付けます。", "現在の送信側はすべてこれを話せます。", NOTHING
    ),
    ("tls1.2", "refused"): Words(
        "TLS 1.2 は拒否されます。",
        "TLS 1.3 をまだ話せない送信側は多く、1.2 がないと平文に戻ります。",
        "TLS 1.3 に加えて TLS 1.2 も受け付けてください。",
    ),
    ("tls1.2", "untestable"): Words(
        "TLS 1.2：ここでは試せません（{detail}）。", UNTESTABLE_WHY, NOTHING
    ),
    ("tls1.2", "unread"): Words(
        "TLS 1.2：サーバーは応答しましたが、"
        "そのハンドシェイクをここでは読めませんでした（{detail}）。",
        UNREAD_WHY,
        NOTHING,
    ),
    ("tls1.2", "not_reached"): Words(
        "TLS 1.2：試せませんでした（{detail}）。", "ハンドシェイクまで進めませんでした。", NOTHING
    ),
    ("tls1.3", "accepted"): Words(
        "TLS 1.3 を受け付けます。",
        "最新の版です。ハンドシェイクが速く、証明書も暗号化されて送られます。",
        NOTHING,
    ),
    ("tls1.3", "refused"): Words(
        "TLS 1.3 は拒否されます。",
        "誤りではありませんが、TLS 1.3 は証明書を隠し、古い暗号スイートをすべて廃しています。",
        "TLS 1.3 を有効にしてください（最新の Postfix と OpenSSL では既定で有効）。",
    ),
    ("tls1.3", "untestable"): Words(
        "TLS 1.3：ここでは試せません（{detail}）。", UNTESTABLE_WHY, NOTHING
    ),
    ("tls1.3", "unread"): Words(
        "TLS 1.3：サーバーは応答しましたが、"
        "そのハンドシェイクをここでは読めませんでした（{detail}）。",
        UNREAD_WHY,
        NOTHING,
    ),
    ("tls1.3", "not_reached"): Words(
        "TLS 1.3：試せませんでした（{detail}）。", "ハンドシェイクまで進めませんでした。", NOTHING
    ),
    ("cipher1.2", "strong"): Words(
        "TLS 1.2 でサーバーは {cipher} を選びました。",
        "前方秘匿性（ECDHE か DHE）と AEAD 暗号があり、記録された通信も秘密のままです。",
        NOTHING,
    ),
    ("cipher1.2", "weak"): Words(
        "クライアントがより良いものを提示したのに、TLS 1.2 でサーバーは {cipher} を選びました。",
        "CBC か静的 RSA のスイートです。AEAD がないか、鍵が漏れると前方秘匿性がありません。",
        "AES-GCM か ChaCha20-Poly1305 の ECDHE スイートを優先してください。",
    ),
    ("cipher1.3", "chosen"): Words(
        "TLS 1.3 でサーバーは {cipher} を選びました。",
        "TLS 1.3 のスイートはすべて前方秘匿性と AEAD 暗号を備えています。",
        NOTHING,
    ),
    ("weak_cbc", "accepted"): Words(
        "TLS 1.2 で CBC スイート（AEAD なし）を受け付けます（例：{cipher}）。",
        "MAC 後に暗号化する CBC は、パディングオラクル攻撃（Lucky13）の原因です。",
        "CBC スイートを外してください（公開 MX では平文が代わりになるので、よく考えて）。",
    ),
    ("weak_cbc", "refused"): Words(
        "CBC スイート（AEAD なし）は拒否されます。", "AEAD スイートだけが使われます。", NOTHING
    ),
    ("weak_cbc", "untestable"): Words(
        "CBC スイート：ここでは試せません。", UNTESTABLE_WHY, NOTHING
    ),
    ("weak_no_pfs", "accepted"): Words(
        "前方秘匿性のないスイート（静的 RSA）を受け付けます（例：{cipher}）。",
        "後でサーバーの鍵を手に入れた人は、記録されたセッションをすべて復号できます。",
        "静的 RSA（kRSA）のスイートを外してください。",
    ),
    ("weak_no_pfs", "refused"): Words(
        "前方秘匿性のないスイートは拒否されます。",
        "鍵が盗まれても、記録されたセッションは復号できません。",
        NOTHING,
    ),
    ("weak_no_pfs", "untestable"): Words(
        "静的 RSA のスイート：ここでは試せません。", UNTESTABLE_WHY, NOTHING
    ),
    ("chain_order", "ok"): Words(
        "証明書チェーン（{count} 枚）は正しい順序で送られています。",
        "各証明書の次に、それを発行した証明書が続いています。",
        NOTHING,
    ),
    ("chain_order", "wrong"): Words(
        "証明書チェーン（{count} 枚）の順序が正しくありません。",
        "厳格なクライアントは、サーバー証明書、その発行者、と続く順序を期待し、検証に失敗することがあります。",
        "サーバー証明書を先頭に、中間証明書を順に送ってください。",
    ),
    ("chain_complete", "ok"): Words(
        "チェーンは完全です。サーバー証明書はルートまでつながります。",
        "ルートだけを信頼するクライアントでも検証できます。",
        NOTHING,
    ),
    ("chain_complete", "missing"): Words(
        "中間証明書が欠けているか、プライベートCAです。発行者（{issuer}）は送られておらず、"
        "信頼するルートにもありません。",
        "ルートだけを信頼するクライアントはつなげられず、検証する送信側（MTA-STS、DANE、"
        "サブミッションのクライアント）は拒否します。",
        "サーバー証明書だけでなく、チェーン全体（fullchain.pem）を送ってください。"
        "プライベートCA（サンドボックスなど）なら、そのルートを --ca-file に指定して"
        "確かめ直してください。",
    ),
    ("chain_trust", "verified"): Words(
        "チェーンは信頼されたルートまで検証できます。",
        "検証するクライアントも受け入れます。",
        NOTHING,
    ),
    ("chain_trust", "untrusted"): Words(
        "チェーンは信頼されたルートまで検証できません（{error}）。",
        "検証する送信側や MTA-STS は拒否します。日和見的な送信側は何でも受け入れます。",
        "公的な CA の証明書を使ってください。",
    ),
    ("chain_trust", "no_store"): Words(
        "チェーンを検証するトラストストアがありません。",
        "ルートがないと、チェーン自体のつながりしか確かめられません。",
        "--ca-file で指定してください。",
    ),
    ("expiry", "ok"): Words(
        "証明書はあと {days} 日有効です（{date} まで）。",
        "期限内に更新すれば、検証する送信側も問題ありません。",
        NOTHING,
    ),
    ("expiry", "soon"): Words(
        "証明書は {days} 日後に期限切れになります（{date}）。",
        "その後、検証する送信側は拒否し、メールを保留します。",
        "今すぐ更新し、更新を自動化してください。",
    ),
    ("expiry", "expired"): Words(
        "証明書は {ago} 日前に期限切れになりました（{date}）。",
        "検証する送信側は拒否し（certificate has expired）、メールを保留します。",
        "更新し、更新を自動化してください。",
    ),
    ("name", "ok"): Words(
        "証明書の名前は {name} を含みます。",
        "名前を確かめる送信側（MTA-STS、DANE、サブミッション）も受け入れます。",
        NOTHING,
    ),
    ("name", "mismatch"): Words(
        "証明書の名前（{names}）は {name} を含みません。",
        "名前を確かめる送信側は拒否します（hostname mismatch）。",
        "SAN に MX 名（またはクライアントが使う名前）を含む証明書を使ってください。",
    ),
    ("key", "ok"): Words("鍵は {type}、{bits} ビットです。", "十分な強さです。", NOTHING),
    ("key", "weak"): Words(
        "鍵は {type}、{bits} ビットで、短すぎます。",
        "短い鍵は破られるおそれがあり、最新のクライアントは拒否します。",
        "新しい鍵を作ってください：RSA 2048 ビット以上か ECDSA P-256。",
    ),
    ("signature", "ok"): Words(
        "証明書は {signature} で署名されています。", "現行のアルゴリズムです。", NOTHING
    ),
    ("signature", "weak"): Words(
        "証明書は {signature}（SHA-1 か MD5）で署名されています。",
        "これらは衝突を作れるため、クライアントはこうした証明書を拒否します。",
        "SHA-256 で証明書を発行し直してもらってください。",
    ),
    ("injection", "safe"): Words(
        "STARTTLS の直後に同じパケットで送ったコマンドは破棄されました。",
        "経路上の誰も、暗号化されたセッションにコマンドを紛れ込ませられません（CVE-2011-0411）。",
        NOTHING,
    ),
    ("injection", "vulnerable"): Words(
        "STARTTLS の直後に平文で送ったコマンドに、TLS の中で応答がありました。",
        "経路上の攻撃者が、暗号化して送られたかのように実行されるコマンドを注入できます（CVE-2011-0411）。",
        "サーバーソフトウェアを更新してください。TLS の前に届いたものは破棄しなければなりません。",
    ),
    ("starttls_in_tls", "refused"): Words(
        "TLS の中での STARTTLS は拒否されます（{code}）。",
        "最初のハンドシェイクの中で二度目のハンドシェイクはできません。",
        NOTHING,
    ),
    ("starttls_in_tls", "accepted"): Words(
        "TLS の中での STARTTLS に 220 で応答します。",
        "サーバーの STARTTLS の状態管理が混乱しています。"
        "古いか不具合のあるソフトウェアの兆候です。",
        "サーバーソフトウェアを更新してください。TLS が有効な間は 554 で応答すべきです。",
    ),
}
