"""Seeing inside TLS: the tls-versions block (tutor/ui/widgets/versions_lab.py), the certificate
inspector (tutor/ui/widgets/cert_inspector.py), the eavesdropper's views and the Connection pane.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # the tls-versions block: a session at TLS 1.2 and at 1.3 (tutor/ui/widgets/versions_lab.py)
    "vl.label": "Lab: TLS 1.2 and TLS 1.3 side by side",
    "vl.run": "Run {scenario} at TLS 1.2, then at TLS 1.3",
    "vl.running": "Running the session twice on this computer…",
    "vl.failed": "The sessions could not run: {error}",
    "vl.what": "What a listener learns",
    "vl.sni": "Server name (SNI)",
    "vl.version": "Version",
    "vl.cipher": "Cipher suite",
    "vl.certificate": "Certificate",
    "vl.cert_read": "readable: {subjects}",
    "vl.cert_hidden": "sent encrypted: not seen",
    "vl.round_trips": "Round trips before the first data",
    "vl.handshake_bytes": "Bytes until then",
    "ci.none": (
        "No certificate yet: step or play the lab past the TLS handshake (s, p). "
        "Press c again for the connection."
    ),
    "ci.none_watch": (
        "No certificate yet: it shows here once your client's TLS handshake is done. "
        "Press c again for the connection."
    ),
    "ci.trusted": "✔ A client that trusts the sandbox CA accepts this certificate for {name}:",
    "ci.not_trusted": "✘ A client that trusts the sandbox CA refuses this certificate for {name}:",
    "ci.client_yes": "The lab's client (OpenSSL) verified it too.",
    "ci.client_no": "The lab's client did not verify it (its policy does not check certificates).",
    "ci.critical": "(critical)",
    "ci.check.trust anchor": "trust anchor",
    "ci.check.signed by the trusted CA": "signed by the trusted CA",
    "ci.check.AKI matches the CA's SKI": "AKI matches the CA's SKI",
    "ci.check.valid now": "valid now",
    "ci.check.the name asked for is in the SAN": "the name asked for is in the SAN",
    "ci.check.meant for a TLS server (EKU serverAuth)": "meant for a TLS server (EKU)",
    "ci.check.within the CA's name constraints": "within the CA's name constraints",
    "ci.check.path validation (RFC 5280)": "path validation (RFC 5280)",
    "ci.role.leaf": "The server's certificate (the leaf, sent in the handshake)",
    "ci.role.intermediate": "An intermediate CA certificate (sent in the handshake)",
    "ci.role.ca": "The CA the client trusts (its trust anchor, not sent)",
    "ci.field.subject": "Subject",
    "ci.field.issuer": "Issuer",
    "ci.field.valid from": "Valid from",
    "ci.field.valid until": "Valid until",
    "ci.field.public key": "Public key",
    "ci.field.signature": "Signature",
    "ci.field.serial number": "Serial number",
    "ci.field.extensions": "Extensions",
    "ci.field.SAN": "Names (SAN)",
    "ci.field.key usage": "Key usage",
    "ci.field.extended key usage": "Extended key usage (EKU)",
    "ci.field.basic constraints": "Basic constraints",
    "ci.field.SKI": "Subject key ID (SKI)",
    "ci.field.AKI": "Authority key ID (AKI)",
    "ci.field.name constraints": "Name constraints",
    "ci.field.SHA-256": "SHA-256",
    "key.inspect": "Certificate",
    # the eavesdropper's views of TLS (issue 12): listener / endpoints / handshake
    "tls.view.listener": "what a listener sees",
    "tls.view.endpoints": "what the endpoints see",
    "tls.view.handshake": "the handshake, field by field",
    "tls.opened": "opened with the {secret}",
    "tls.cannot": "✘ cannot decrypt: {why}",
    "tls.more": "… {n} lines more",
    "tls.listener_reads": "a listener can read this",
    "tls.listener_blind": "a listener cannot see this",
    "tls.decrypted_with": "decrypted with the {secret}",
    "tls.hs_head": "Handshake: {version}, {suite} (client random {random}…)",
    "tls.hs_none": "No TLS handshake yet: step or play the lab past STARTTLS (s, p).",
    "tls.hs_msg": "{dir} {name}, {where}, {n} B",
    "tls.hs_at": "byte {offset}",
    "tls.hs_in_record": "inside the record at {offset}",
    "tls.hs_truncated": "(cut short)",
    "tls.hs_columns": "field · @stream offset · length · value, then its bytes",
    "tlskey.client handshake traffic secret": "client handshake traffic secret",
    "tlskey.server handshake traffic secret": "server handshake traffic secret",
    "tlskey.client application traffic secret": "client application traffic secret",
    "tlskey.server application traffic secret": "server application traffic secret",
    "tlskey.client write key (from the master secret)": "client write key (from the master secret)",
    "tlskey.server write key (from the master secret)": "server write key (from the master secret)",
    "cannot.no secret for this session in the key log": "no secret for this session in the key log",
    "cannot.the authentication tag does not match: not this session's key": (
        "the authentication tag does not match: not this session's key"
    ),
    "cannot.a cipher suite this view does not open": "a cipher suite this view does not open",
    "cannot.the hellos that name the session and its cipher were not seen": (
        "the hellos that name the session and its cipher were not seen"
    ),
    "cannot.a record too short or without a content type": (
        "a record too short or without a content type"
    ),
    "attack.read": "Attacker decrypted the {what}: {detail}",
    "attack.in_tls": "The attacker holds the client's TLS session: {detail}",
    "exposure.envelope": "envelope",
    "exposure.message": "message",
    "exposure.password": "password",
    # connection
    "conn.none": "No connection yet.",
    "conn.state": "State",
    "conn.plaintext": "PLAINTEXT: anyone on the path can read it",
    "conn.short_plain": "plaintext",
    "conn.tls": "TLS: encrypted",
    "conn.closed": "closed",
    "conn.server": "Server",
    "conn.watched": "Watched at",
    "conn.watched_socket": "the server's own socket (no relay)",
    "conn.watched_relay": "a relay between client and server ({relay})",
    "conn.version": "Version",
    "conn.cipher": "Cipher",
    "conn.cert": "Certificate",
    "conn.subject": "Subject",
    "conn.issuer": "Issuer",
    "conn.valid": "Valid",
    "conn.san": "Names (SAN)",
    "conn.fingerprint": "SHA-256",
    "conn.verified": "Verified",
    "conn.verified_yes": "✔ yes: chain and name checked",
    "conn.verified_no": "✘ NO: the client did not check who it talks to",
    "conn.verified_unknown": "not known here: only the client knows if it checked the certificate",
    "conn.failed": "✘ TLS failed: {reason}",
    "conn.messages": "Delivered",
    "conn.message": "{n} message(s), last {size} B {how}",
    "conn.over_tls": "over TLS",
    "conn.in_clear": "in the clear",
}

JA: dict[str, str] = {
    "vl.label": "ラボ: TLS 1.2 と TLS 1.3 を並べて比べる",
    "vl.run": "{scenario} を TLS 1.2 で、続いて TLS 1.3 で実行",
    "vl.running": "このコンピューターの中でセッションを2回実行しています…",
    "vl.failed": "セッションを実行できませんでした: {error}",
    "vl.what": "盗聴者に分かること",
    "vl.sni": "サーバー名（SNI）",
    "vl.version": "バージョン",
    "vl.cipher": "暗号スイート",
    "vl.certificate": "証明書",
    "vl.cert_read": "読める: {subjects}",
    "vl.cert_hidden": "暗号化されて送られ、見えない",
    "vl.round_trips": "最初のデータまでの往復回数",
    "vl.handshake_bytes": "それまでのバイト数",
    "ci.none": (
        "まだ証明書がありません。TLSハンドシェイクの先までラボを進めてください（s、p）。"
        "c をもう一度押すと接続の表示に戻ります。"
    ),
    "ci.none_watch": (
        "まだ証明書がありません。あなたのクライアントの TLS ハンドシェイクが終わるとここに"
        "表示されます。c をもう一度押すと接続の表示に戻ります。"
    ),
    "ci.trusted": (
        "✔ サンドボックスのCAを信頼するクライアントは、"
        "この証明書を {name} のものとして受け入れます:"
    ),
    "ci.not_trusted": (
        "✘ サンドボックスのCAを信頼するクライアントは、"
        "この証明書を {name} のものとしては拒否します:"
    ),
    "ci.client_yes": "ラボのクライアント（OpenSSL）も検証に成功しました。",
    "ci.client_no": "ラボのクライアントは検証していません（証明書を確かめないポリシーです）。",
    "ci.critical": "（critical）",
    "ci.check.trust anchor": "トラストアンカー",
    "ci.check.signed by the trusted CA": "信頼するCAの署名",
    "ci.check.AKI matches the CA's SKI": "AKI がCAの SKI と一致",
    "ci.check.valid now": "今が有効期間内",
    "ci.check.the name asked for is in the SAN": "求めた名前が SAN にある",
    "ci.check.meant for a TLS server (EKU serverAuth)": "TLSサーバー用（EKU）",
    "ci.check.within the CA's name constraints": "CAの名前制約の範囲内",
    "ci.check.path validation (RFC 5280)": "パス検証（RFC 5280）",
    "ci.role.leaf": "サーバーの証明書（リーフ。ハンドシェイクで送られたもの）",
    "ci.role.intermediate": "中間CAの証明書（ハンドシェイクで送られたもの）",
    "ci.role.ca": "クライアントが信頼するCA（トラストアンカー。送られない）",
    "ci.field.subject": "サブジェクト",
    "ci.field.issuer": "発行者",
    "ci.field.valid from": "有効期間の開始",
    "ci.field.valid until": "有効期間の終了",
    "ci.field.public key": "公開鍵",
    "ci.field.signature": "署名アルゴリズム",
    "ci.field.serial number": "シリアル番号",
    "ci.field.extensions": "拡張",
    "ci.field.SAN": "名前（SAN）",
    "ci.field.key usage": "鍵用途（Key Usage）",
    "ci.field.extended key usage": "拡張鍵用途（EKU）",
    "ci.field.basic constraints": "基本制約",
    "ci.field.SKI": "サブジェクト鍵識別子（SKI）",
    "ci.field.AKI": "機関鍵識別子（AKI）",
    "ci.field.name constraints": "名前制約",
    "ci.field.SHA-256": "SHA-256",
    "key.inspect": "証明書",
    "tls.view.listener": "盗聴者に見えるもの",
    "tls.view.endpoints": "両端（クライアントとサーバー）に見えるもの",
    "tls.view.handshake": "ハンドシェイク（フィールドごと）",
    "tls.opened": "{secret}で復号",
    "tls.cannot": "✘ 復号できません: {why}",
    "tls.more": "… さらに {n} 行",
    "tls.listener_reads": "盗聴者にも読める",
    "tls.listener_blind": "盗聴者には見えない",
    "tls.decrypted_with": "{secret}で復号",
    "tls.hs_head": "ハンドシェイク: {version}、{suite}（クライアント乱数 {random}…）",
    "tls.hs_none": (
        "まだ TLS ハンドシェイクがありません。STARTTLS の先までラボを進めてください（s、p）。"
    ),
    "tls.hs_msg": "{dir} {name}、{where}、{n} B",
    "tls.hs_at": "バイト {offset}",
    "tls.hs_in_record": "{offset} のレコードの中",
    "tls.hs_truncated": "（途中まで）",
    "tls.hs_columns": "フィールド・@ストリーム内の位置・長さ・値、その下にバイト列",
    "tlskey.client handshake traffic secret": (
        "クライアントのハンドシェイク・トラフィック・シークレット"
    ),
    "tlskey.server handshake traffic secret": (
        "サーバーのハンドシェイク・トラフィック・シークレット"
    ),
    "tlskey.client application traffic secret": (
        "クライアントのアプリケーション・トラフィック・シークレット"
    ),
    "tlskey.server application traffic secret": (
        "サーバーのアプリケーション・トラフィック・シークレット"
    ),
    "tlskey.client write key (from the master secret)": (
        "クライアントの書き込み鍵（マスター・シークレットから）"
    ),
    "tlskey.server write key (from the master secret)": (
        "サーバーの書き込み鍵（マスター・シークレットから）"
    ),
    "cannot.no secret for this session in the key log": (
        "鍵ログにこのセッションのシークレットがありません"
    ),
    "cannot.the authentication tag does not match: not this session's key": (
        "認証タグが一致しません: このセッションの鍵ではありません"
    ),
    "cannot.a cipher suite this view does not open": "この表示では開けない暗号スイートです",
    "cannot.the hellos that name the session and its cipher were not seen": (
        "セッションと暗号スイートを決める Hello が見えていません"
    ),
    "cannot.a record too short or without a content type": (
        "短すぎるか、内容の種類がないレコードです"
    ),
    "attack.read": "攻撃者が{what}を復号しました: {detail}",
    "attack.in_tls": "攻撃者がクライアントの TLS セッションを握っています: {detail}",
    "exposure.envelope": "エンベロープ",
    "exposure.message": "メッセージ本文",
    "exposure.password": "パスワード",
    "conn.none": "まだ接続していません。",
    "conn.state": "状態",
    "conn.plaintext": "平文: 経路上の誰でも読めます",
    "conn.short_plain": "平文",
    "conn.tls": "TLS: 暗号化",
    "conn.closed": "切断",
    "conn.server": "サーバー",
    "conn.watched": "観察場所",
    "conn.watched_socket": "サーバー自身のソケット(中継なし)",
    "conn.watched_relay": "クライアントとサーバーの間の中継({relay})",
    "conn.version": "バージョン",
    "conn.cipher": "暗号スイート",
    "conn.cert": "証明書",
    "conn.subject": "サブジェクト",
    "conn.issuer": "発行者",
    "conn.valid": "有効期間",
    "conn.san": "名前(SAN)",
    "conn.fingerprint": "SHA-256",
    "conn.verified": "検証",
    "conn.verified_yes": "✔ 済み: 証明書チェーンと名前を確認",
    "conn.verified_no": "✘ していません: 相手が誰か確認していません",
    "conn.verified_unknown": (
        "ここからは分かりません: 証明書を確認したかはクライアントだけが知っています"
    ),
    "conn.failed": "✘ TLS 失敗: {reason}",
    "conn.messages": "配送",
    "conn.message": "{n} 通、最後は {size} B({how})",
    "conn.over_tls": "TLS 経由",
    "conn.in_clear": "平文",
}
