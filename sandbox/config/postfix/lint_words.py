# ruff: noqa: E501  (sentences, Japanese ones above all, break where they read well)
"""The words of every `postfix check` finding, in each language of the course (properties.md L22).

One entry per finding key: (level, {lang: (what, why, fix)}), each text a `str.format` template
over the finding's params. The linter (`lint.py`) decides; this table only says.
"""

from __future__ import annotations

from sandbox.config.findings import Finding, Level, Words

E, W, N = Level.ERROR, Level.WARNING, Level.NOTE

TEXTS: dict[str, tuple[Level, dict[str, tuple[str, str, str]]]] = {
    "obsolete": (W, {
        "en": ("{name} is obsolete; use {new}",
               "Postfix 2.3 replaced it with {new}, which says the same in one place.",
               "Write `{new} = {level}` and delete this line."),
        "ja": ("{name} は廃止されたパラメータです。{new} を使ってください",
               "Postfix 2.3 で {new} に置き換えられました。同じ意味を一か所で表せます。",
               "`{new} = {level}` と書き、この行を削除してください。"),
    }),
    "obsolete_ignored": (W, {
        "en": ("{name} is ignored: {new} is set, and it wins",
               "When {new} has a value, Postfix does not read {name} at all: this line only "
               "misleads whoever reads the file.",
               "Delete this line; {new} decides."),
        "ja": ("{name} は無視されます。{new} が設定されており、そちらが優先されます",
               "{new} に値があると Postfix は {name} を読みません。この行は読む人を誤解させるだけです。",
               "この行を削除してください。決めるのは {new} です。"),
    }),
    "encrypt_on_mx": (W, {
        "en": ("{service}: smtpd_tls_security_level = encrypt on the public port 25",
               "RFC 3207 says a publicly referenced MX must not require TLS: servers that cannot "
               "do TLS get `530 5.7.0 Must issue a STARTTLS command first` and their mail bounces.",
               "Use `may` on port 25; require TLS on submission (587) and 465 instead."),
        "ja": ("{service}: 公開のポート 25 で smtpd_tls_security_level = encrypt",
               "RFC 3207 により、公開された MX は TLS を必須にしてはいけません。TLS を使えない送信元は "
               "`530 5.7.0 Must issue a STARTTLS command first` を受け、メールは戻されます。",
               "ポート 25 は `may` にし、TLS の必須はサブミッション (587) と 465 で設定してください。"),
    }),
    "auth_before_tls": (W, {
        "en": ("{service}: SASL is on and smtpd_tls_auth_only = no",
               "AUTH is offered before STARTTLS, so a client may send its password in the clear, "
               "readable by anyone on the path.",
               "Set `smtpd_tls_auth_only = yes`."),
        "ja": ("{service}: SASL が有効で smtpd_tls_auth_only = no です",
               "STARTTLS の前に AUTH が提示されるため、クライアントがパスワードを平文で送り、"
               "経路上の誰にでも読まれるおそれがあります。",
               "`smtpd_tls_auth_only = yes` を設定してください。"),
    }),
    "wrappermode_in_main": (E, {
        "en": ("smtpd_tls_wrappermode = yes in main.cf",
               "In main.cf it applies to every smtpd service: port 25 and 587 would expect TLS "
               "from the first byte, and no STARTTLS client could talk to them.",
               "Delete it here; give only the port-465 service `-o smtpd_tls_wrappermode=yes` "
               "in master.cf."),
        "ja": ("main.cf に smtpd_tls_wrappermode = yes があります",
               "main.cf ではすべての smtpd サービスに効き、ポート 25 と 587 も最初のバイトから TLS を"
               "待つため、STARTTLS を使うクライアントは話せなくなります。",
               "ここからは削除し、master.cf のポート 465 のサービスにだけ "
               "`-o smtpd_tls_wrappermode=yes` を付けてください。"),
    }),
    "old_tls": (W, {
        "en": ("{name} allows {old}",
               "TLS 1.0 and 1.1 are deprecated (RFC 8996) and have known weaknesses; where TLS is "
               "mandatory, the floor should be TLS 1.2.",
               "Write `{name} = >=TLSv1.2` (or `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`)."),
        "ja": ("{name} が {old} を許しています",
               "TLS 1.0 と 1.1 は非推奨 (RFC 8996) で、既知の弱点があります。TLS が必須の場面では"
               "下限を TLS 1.2 にすべきです。",
               "`{name} = >=TLSv1.2` (または `!SSLv2, !SSLv3, !TLSv1, !TLSv1.1`) と書いてください。"),
    }),
    "chain_order": (E, {
        "en": ("{name}: {file} is in the wrong order",
               "Postfix wants the key first, then the server's own certificate, then the "
               "certificates that issued it; otherwise it cannot load the chain, disables TLS and "
               "answers STARTTLS with `454 4.7.0 TLS not available due to local problem`.",
               "List the key first and put the leaf certificate before its issuers ({expected})."),
        "ja": ("{name}: {file} の順序が誤っています",
               "Postfix は鍵、サーバー自身の証明書、それを発行した証明書の順を求めます。順が違うと"
               "チェーンを読めず TLS を無効にし、STARTTLS に "
               "`454 4.7.0 TLS not available due to local problem` と答えます。",
               "鍵を先頭にし、リーフ証明書を発行者より前に置いてください ({expected})。"),
    }),
    "key_mismatch": (E, {
        "en": ("the key {keyfile} does not match the certificate {cert}",
               "Postfix logs `warning: cannot get RSA private key from file` (or a key mismatch), "
               "disables TLS and answers STARTTLS with `454 4.7.0`.",
               "Name the key that belongs to this certificate (openssl x509 -noout -pubkey and "
               "openssl pkey -pubout print the same key when they match)."),
        "ja": ("鍵 {keyfile} が証明書 {cert} と一致しません",
               "Postfix は `warning: cannot get RSA private key from file` などを記録して TLS を無効にし、"
               "STARTTLS に `454 4.7.0` と答えます。",
               "この証明書の鍵を指定してください (一致すれば openssl x509 -noout -pubkey と "
               "openssl pkey -pubout が同じ鍵を出します)。"),
    }),
    "cert_unreadable": (E, {
        "en": ("{name}: cannot read {file}: {error}",
               "Postfix cannot load the certificate or key: it disables TLS and answers STARTTLS "
               "with `454 4.7.0 TLS not available due to local problem`.",
               "Name a file in the lab's folder that holds a PEM key or certificate."),
        "ja": ("{name}: {file} を読めません: {error}",
               "Postfix は証明書や鍵を読めないと TLS を無効にし、STARTTLS に "
               "`454 4.7.0 TLS not available due to local problem` と答えます。",
               "ラボのフォルダーにある PEM の鍵か証明書のファイルを指定してください。"),
    }),
    "leaf_only": (W, {
        "en": ("{file} holds the server's certificate without its issuer",
               "A sender that verifies (`smtp_tls_security_level = verify` or `secure`) trusts the "
               "root, not the intermediate that signed this certificate: without it, it cannot link "
               "the two ('unable to get local issuer certificate').",
               "Put the intermediate after the leaf: `smtpd_tls_chain_files = server.key, "
               "chain.pem`; `openssl s_client -showcerts` shows what the server sends."),
        "ja": ("{file} にはサーバー証明書だけがあり、発行者の証明書がありません",
               "検証する送信元 (`verify`・`secure`) が信頼するのはルートで、この証明書に署名した中間 CA "
               "ではありません。中間 CA がないとつなげられません ('unable to get local issuer certificate')。",
               "リーフの後に中間 CA を置いてください: `smtpd_tls_chain_files = server.key, chain.pem`。"
               "サーバーが送るものは `openssl s_client -showcerts` で分かります。"),
    }),
    "cert_expired": (E, {
        "en": ("the certificate in {file} expired on {date}",
               "A verifying client refuses it (`certificate has expired`); at `may`, senders fall "
               "back or defer, at `verify`/`secure` mail stops.",
               "Renew it; `openssl x509 -noout -enddate -checkend 0 -in {file}` checks it."),
        "ja": ("{file} の証明書は {date} に期限切れです",
               "検証するクライアントは拒否します (`certificate has expired`)。`verify`/`secure` の送信元"
               "からはメールが届かなくなります。",
               "更新してください。`openssl x509 -noout -enddate -checkend 0 -in {file}` で確かめられます。"),
    }),
    "cert_name": (W, {
        "en": ("the certificate in {file} is for {names}, not myhostname {host}",
               "A client that verifies the name (`smtp_tls_security_level = verify` or `secure`, or a "
               "mail program) refuses it: the name it connects to is not in the certificate.",
               "Use a certificate whose names include {host}, or set myhostname to one of its names."),
        "ja": ("{file} の証明書は {names} 用で、myhostname の {host} を含みません",
               "名前を検証するクライアント (`verify`・`secure` やメールソフト) は、接続した名前が証明書に"
               "ないため拒否します。",
               "{host} を含む証明書を使うか、myhostname を証明書の名前のひとつにしてください。"),
    }),
    "unknown_param": (W, {
        "en": ("unknown parameter {name}{hint}",
               "Postfix ignores a name it does not know (`postconf: warning: unused parameter`): "
               "the setting you meant does not happen.",
               "Check the spelling against `postconf -d`."),
        "ja": ("不明なパラメータ {name}{hint}",
               "Postfix は知らない名前を無視します (`postconf: warning: unused parameter`)。"
               "意図した設定は効きません。",
               "`postconf -d` で綴りを確かめてください。"),
    }),
    "not_simulated": (N, {
        "en": ("{name} is a real Postfix parameter, not simulated here",
               "Postfix uses it; the sandbox does not enact it, so the lab behaves as if it were "
               "left at its default.",
               "Nothing to fix; `postconf -d {name}` shows Postfix's default."),
        "ja": ("{name} は実在する Postfix のパラメータですが、ここでは再現されません",
               "Postfix はこれを使いますが、サンドボックスは再現しないため、既定値のままとして動きます。",
               "直す必要はありません。既定値は `postconf -d {name}` で分かります。"),
    }),
    "undefined_ref": (W, {
        "en": ("${ref} in {name} is never defined",
               "Postfix expands an undefined $name to nothing, silently: the value is not what the "
               "line says.",
               "Define {ref} or correct the name."),
        "ja": ("{name} の ${ref} はどこにも定義されていません",
               "Postfix は未定義の $name を黙って空文字に展開します。値は見た目と違うものになります。",
               "{ref} を定義するか、名前を直してください。"),
    }),
    "submission_no_sasl": (W, {
        "en": ("{service}: a submission service without SASL",
               "Port 587 is where users send mail with a password; without "
               "smtpd_sasl_auth_enable nobody can authenticate, and mail to other domains is "
               "refused (or the port is an open door, if mynetworks is wide).",
               "Add `-o smtpd_sasl_auth_enable=yes` to this service."),
        "ja": ("{service}: SASL のないサブミッションサービスです",
               "587 番はユーザーがパスワードで送信するポートです。smtpd_sasl_auth_enable がないと誰も認証"
               "できず、他ドメイン宛ては拒否されます。",
               "このサービスに `-o smtpd_sasl_auth_enable=yes` を付けてください。"),
    }),
    "submission_no_tls": (W, {
        "en": ("{service}: a submission service that does not require TLS",
               "Users' passwords and mail cross this port; RFC 8314 wants TLS required there.",
               "Add `-o smtpd_tls_security_level=encrypt` to this service."),
        "ja": ("{service}: TLS を必須にしていないサブミッションサービスです",
               "このポートはユーザーのパスワードとメールが通ります。RFC 8314 は TLS 必須を求めます。",
               "このサービスに `-o smtpd_tls_security_level=encrypt` を付けてください。"),
    }),
    "open_relay": (E, {
        "en": ("{service}: an open relay ({why})",
               "An unauthenticated client on the internet can send mail through this server to "
               "any domain: spammers find such servers within hours and block lists follow.",
               "Keep `permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination` "
               "(in that order) and a mynetworks of your own hosts only."),
        "ja": ("{service}: オープンリレーです ({why})",
               "認証していないインターネット上のクライアントが、このサーバー経由で任意のドメインへ送れます。"
               "スパム送信者は数時間で見つけ、ブロックリストに載ります。",
               "`permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination` の順を保ち、"
               "mynetworks は自分のホストだけにしてください。"),
    }),
    "reader_note": (N, {
        "en": ("{what}",
               "Postfix goes on, but only the last definition counts.",
               "Keep one definition of each parameter."),
        "ja": ("{what}",
               "Postfix は動きますが、有効なのは最後の定義だけです。",
               "各パラメータの定義はひとつにしてください。"),
    }),
}  # fmt: skip


def finding(key: str, path: str, line: int, **params: str) -> Finding:
    level, texts = TEXTS[key]
    words = {lang: Words(*(t.format(**params) for t in triple)) for lang, triple in texts.items()}
    return Finding(key, level, path, line, words)
