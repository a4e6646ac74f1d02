"""The lab: its transcript, panes and status, the config lab (tutor/ui/screens/lab_config.py,
tutor/ui/widgets/config_lab_block.py), and the Japanese names of goals and scenarios.
"""

from __future__ import annotations

EN: dict[str, str] = {
    # transcript
    "transcript.label": "Walk-through",
    "transcript.continue": "Continue ▶",
    "transcript.predict": "What comes next? Type your prediction (the reply code or command):",
    "transcript.predict_placeholder": "e.g. 250 or EHLO",
    "transcript.right": "✔ Right: {line}",
    "transcript.wrong": "✘ It was: {line}",
    "transcript.done": "End of the walk-through.",
    "transcript.client": "Client",
    "transcript.server": "Server",
    # lab
    "lab.label": "Lab",
    "lab.open": "Open the lab ({scenario})",
    "lab.goal": "Goal: {goal}",
    "lab.goal_met": "✔ Goal met: {goal}.",  # the step may have more to do: #open-items says
    "lab.goal_open": "Goal not met yet: {goal}",
    "lab.do": "To do: {text}",
    "lab.hint": "Hint: {text}",
    "lab.step": "Step",
    "lab.play": "Play",
    "lab.restart": "Restart",
    "lab.input_placeholder": "Type an SMTP command: EHLO client.test, STARTTLS, AUTH PLAIN, QUIT",
    "lab.next_command": "Next scripted command: {label} ({n}/{total})",
    "lab.script_done": "The script is done; type your own commands or restart.",
    "lab.starting": "Starting the sandbox...",
    "lab.start_failed": "The sandbox could not start: {error}",
    "lab.start_failed_todo": (
        "What to do: close other copies of smtp-tutor, check the data folder is writable, "
        "then press r to try again. If it keeps failing, run 'smtp-tutor demo starttls' to "
        "see the error."
    ),
    "lab.attack": "⚠ ATTACK MODE (a lab on purpose): {text}",
    "lab.policies": (
        "Client policy: {client} ({does}) · server: smtpd_tls_security_level = {server}"
    ),
    "lab.would_answer": (
        "Your client's policy ({policy}) keeps {verb} back until TLS is on. Asked on a separate "
        "connection, outside this session, the server answers: {reply}"
    ),
    "lab.conversation": "Conversation",
    "lab.eavesdropper": "Eavesdropper",
    "lab.connection": "Connection",
    "lab.log": "Log",
    # the config lab (tutor/ui/screens/lab_config.py, tutor/ui/widgets/config_lab_block.py)
    "config.label": "Config lab",
    "config.open": "Open the config lab ({name})",
    "config.title": "Config lab · {name}: {do}",
    "config.check": "Check (F4)",
    "config.run": "Run (F5)",
    "config.reset": "Reset (F8)",
    "config.ready": "Edit the files, then Check (F4) to lint them, or Run (F5) to run and "
    "probe them.",
    "config.clean": "postfix check: no findings.",
    "config.clean_exchange": "exchange check: no findings.",
    "config.connectors": "The lab's client is your send connector '{send}' for {domain} "
    "(client policy {policy}); its server, your receive connector '{receive}' (port {port}).",
    "config.probing": "Probing your configuration with real sessions…",
    "config.probed": "{ok} of {n} probes pass: F2 shows each one beside the session.",
    "config.probe_ok": "✔ {what}",
    "config.probe_bad": "✘ {what}: {said}",
    "config.service": "The lab runs your {service} service (port {port}): "
    "smtpd_tls_security_level={level}, smtpd_tls_wrappermode={wrapper}.",
    "config.save_failed": "Your edit could not be saved: {error}",
    "config.confirm_reset": "Forget your edits in '{name}' and start again from the lesson's "
    "files?",
    "config.was_reset": "The lesson's starting files are back; your edit is forgotten.",
    "config.goal": "every probe passes ({n} probes)",  # after "Goal: " (lab.goal)
    "lab.elided": "… {n} lines not shown (too many to keep; the session went on) …",
    "lab.kept": "showing the last {n} lines",
    "lab.demo_account": "Demo account: {user} / {password} (sandbox only)",
    "lab.policy_published": "Published {path}: the lab starts again, serving your policy.",
    "lab.policy_save_failed": "Your policy could not be saved: {error}",
    "policy.title": "mta-sts.txt of example.test (your policy)",
    "policy.about": "Served at https://mta-sts.example.test/.well-known/mta-sts.txt; the MX "
    "is {mx}. Checked as you type, as 'smtp-tutor mta-sts check' does. F5 publishes it (the "
    "lab starts again with it), Esc leaves it unpublished.",
    "policy.summary": "{problems} problem(s), {warnings} warning(s)",
    "policy.unreadable": "problem: {error}",
    "policy.publish": "Publish (F5)",
    "policy.cancel": "Cancel (Esc)",
    "tlsa.title": "TLSA records of _25._tcp.sandbox.test (yours, one a line)",
    "tlsa.about": "Published in the lab world's zone for the MX {mx}. Each line is checked as "
    "'smtp-tutor dane check' does, against the sandbox server's certificate. F5 publishes "
    "them (the lab starts again), Esc leaves them unpublished.",
    "tlsa.summary": "{matched} record(s) match the sandbox certificate, {problems} problem(s)",
    "tlsa.empty": "No record yet: type one, e.g. '3 1 1 ' and the SHA-256 of the public key.",
    "tlsa.bad": "problem: line {n}: {error}",
    "tlsa.unusable": "problem: line {n}: usage {usage} is not used by SMTP senders (RFC 7672: "
    "only 2 and 3)",
    "tlsa.match": "ok: line {n} matches the sandbox server's certificate",
    "tlsa.nomatch": "problem: line {n} does not match the sandbox server's certificate",
    "lab.report_title": "TLS-RPT report (RFC 8460)",
    "lab.report_saved": "The sending client wrote this report; saved to {path}",
    "lab.capture_saved": (
        "Capture saved to {path} (0600, its TLS secrets inside). Read it: tshark -r {path} -Y "
        "smtp, or open it in Wireshark and filter smtp: no key log setting is needed."
    ),
    "lab.capture_empty": "Nothing to capture yet: step or play the lab first (s, p).",
    "lab.capture_failed": "The capture could not be saved: {error}",
    # eavesdropper
    "wire.injected": "INJECTED plaintext after STARTTLS: a correct server discards it",
    "lines.more": "{n} lines more, the last:",
    "wire.switch": "plaintext ends at byte {offset} ({side}): TLS from here",
    "wire.encrypted": "encrypted",
    "wire.bytes": "C→S {c} B · S→C {s} B",
}

JA: dict[str, str] = {
    "transcript.label": "ウォークスルー",
    "transcript.continue": "進む ▶",
    "transcript.predict": "次は何が来るでしょう? 予想を入力してください(応答コードかコマンド):",
    "transcript.predict_placeholder": "例: 250 や EHLO",
    "transcript.right": "✔ 正解: {line}",
    "transcript.wrong": "✘ 正しくは: {line}",
    "transcript.done": "ウォークスルーはここまでです。",
    "transcript.client": "クライアント",
    "transcript.server": "サーバー",
    "lab.label": "ラボ",
    "lab.open": "ラボを開く({scenario})",
    "lab.goal": "目標: {goal}",
    "lab.goal_met": "✔ 目標達成: {goal}。",
    "lab.goal_open": "目標はまだ達成されていません: {goal}",
    "lab.do": "やること: {text}",
    "lab.hint": "ヒント: {text}",
    "lab.step": "1手進む",
    "lab.play": "再生",
    "lab.restart": "やり直し",
    "lab.input_placeholder": "SMTP コマンドを入力(EHLO client.test、STARTTLS、QUIT など)",
    "lab.next_command": "次のコマンド: {label}({n}/{total})",
    "lab.script_done": "スクリプトは終わりました。自分でコマンドを入力するか、やり直してください。",
    "lab.starting": "サンドボックスを起動しています...",
    "lab.start_failed": "サンドボックスを起動できませんでした: {error}",
    "lab.start_failed_todo": (
        "対処: ほかの smtp-tutor を閉じ、データフォルダーに書き込めるか確認してから r で再試行して"
        "ください。それでも失敗する場合は 'smtp-tutor demo starttls' でエラーを確認してください。"
    ),
    "lab.attack": "⚠ 攻撃モード（わざと見せるラボ）: {text}",
    "lab.policies": (
        "クライアントのポリシー: {client}（{does}）・サーバー: smtpd_tls_security_level = {server}"
    ),
    "lab.would_answer": (
        "クライアントのポリシー（{policy}）は、TLS が始まるまで {verb} を送りません。この"
        "セッションとは別の接続で試すと、サーバーの答えは: {reply}"
    ),
    "lab.conversation": "会話",
    "lab.eavesdropper": "盗聴者の視点",
    "lab.connection": "接続",
    "lab.log": "ログ",
    # 設定ラボ(tutor/ui/screens/lab_config.py、tutor/ui/widgets/config_lab_block.py)
    "config.label": "設定ラボ",
    "config.open": "設定ラボを開く({name})",
    "config.title": "設定ラボ · {name}: {do}",
    "config.check": "チェック(F4)",
    "config.run": "実行(F5)",
    "config.reset": "リセット(F8)",
    "config.ready": "ファイルを編集し、チェック(F4)で検査するか、"
    "実行(F5)で動かしてプローブします。",
    "config.clean": "postfix check: 指摘はありません。",
    "config.clean_exchange": "exchange check: 指摘はありません。",
    "config.connectors": "ラボのクライアントは {domain} 宛てのあなたの送信コネクタ '{send}'"
    "(クライアントのポリシー {policy})、サーバーはあなたの受信コネクタ '{receive}'"
    "(ポート {port})です。",
    "config.probing": "実際のセッションで設定をプローブしています…",
    "config.probed": (
        "プローブ {n} 件中 {ok} 件が通りました。F2 でラボ側に切り替えると、1 件ずつ見られます。"
    ),
    "config.probe_ok": "✔ {what}",
    "config.probe_bad": "✘ {what}: {said}",
    "config.service": "ラボはあなたの {service} サービス(ポート {port})を動かしています: "
    "smtpd_tls_security_level={level}、smtpd_tls_wrappermode={wrapper}。",
    "config.save_failed": "編集内容を保存できませんでした: {error}",
    "config.confirm_reset": "「{name}」の編集を破棄し、レッスンの最初のファイルに戻しますか?",
    "config.was_reset": "レッスンの最初のファイルに戻しました。編集内容は破棄されました。",
    "config.goal": "すべてのプローブが通る({n} 件)",  # 「目標: 」の後 (lab.goal)
    "lab.elided": "… {n} 行を省略(多すぎるため。セッションは続いています)…",
    "lab.kept": "最後の {n} 行を表示",
    "lab.demo_account": "デモアカウント: {user} / {password}(サンドボックス専用)",
    "lab.policy_published": "{path} を公開しました。ラボはあなたのポリシーを配って始め直します。",
    "lab.policy_save_failed": "ポリシーを保存できませんでした: {error}",
    "policy.title": "example.test の mta-sts.txt(あなたのポリシー)",
    "policy.about": "https://mta-sts.example.test/.well-known/mta-sts.txt で配られます。MX は "
    "{mx} です。'smtp-tutor mta-sts check' と同じように、入力するたびに確認します。F5 で公開し"
    "(ラボはそれで始め直します)、Esc で公開せずに戻ります。",
    "policy.summary": "問題 {problems} 件、警告 {warnings} 件",
    "policy.unreadable": "問題: {error}",
    "policy.publish": "公開 (F5)",
    "policy.cancel": "取り消し (Esc)",
    "tlsa.title": "_25._tcp.sandbox.test の TLSA レコード(あなたのもの、1 行に 1 つ)",
    "tlsa.about": "ラボの世界のゾーンに、MX {mx} のものとして公開されます。各行を "
    "'smtp-tutor dane check' と同じように、サンドボックスのサーバーの証明書と比べます。F5 で公開し"
    "(ラボは始め直します)、Esc で公開せずに戻ります。",
    "tlsa.summary": "サンドボックスの証明書に一致するレコード {matched} 件、問題 {problems} 件",
    "tlsa.empty": (
        "まだレコードがありません。たとえば '3 1 1 ' と公開鍵の SHA-256 を入力しましょう。"
    ),
    "tlsa.bad": "問題: {n} 行目: {error}",
    "tlsa.unusable": "問題: {n} 行目: usage {usage} は SMTP の送信側が使いません(RFC 7672: "
    "2 と 3 だけ)",
    "tlsa.match": "ok: {n} 行目はサンドボックスのサーバーの証明書に一致します",
    "tlsa.nomatch": "問題: {n} 行目はサンドボックスのサーバーの証明書に一致しません",
    "lab.report_title": "TLS-RPT レポート（RFC 8460）",
    "lab.report_saved": "送信側のクライアントが書いたレポートです。保存先 {path}",
    "lab.capture_saved": (
        "キャプチャを {path} に保存しました(0600、TLS の鍵入り)。読むには tshark -r {path} -Y "
        "smtp。Wireshark で開いて smtp で絞り込んでも見えます。鍵ログの設定は要りません。"
    ),
    "lab.capture_empty": "まだキャプチャするものがありません。先にラボを進めてください(s、p)。",
    "lab.capture_failed": "キャプチャを保存できませんでした: {error}",
    "wire.injected": "STARTTLS の後に注入された平文: 正しいサーバーは破棄します",
    "lines.more": "さらに {n} 行、最後の行:",
    "wire.switch": "平文はバイト {offset} で終わり({side})、ここから TLS",
    "wire.encrypted": "暗号化",
    "wire.bytes": "C→S {c} B・S→C {s} B",
    "goal.session-complete": "セッションが正常に終わる(QUIT のあとに 221)",
    "goal.tls-established": "TLS ハンドシェイクが完了する",
    "goal.certificate-verified": "TLS ハンドシェイクが完了し、クライアントが証明書と名前を検証する",
    "goal.certificate-rejected": "証明書を検証できず TLS ハンドシェイクが失敗する",
    "goal.ehlo-after-tls": "クライアントが TLS の中で EHLO を送り直す",
    "goal.message-delivered": "サンドボックスがメッセージを受け取る",
    "goal.message-delivered-over-tls": "TLS の中を通ったメッセージをサンドボックスが受け取る",
    "goal.auth-seen-in-clear": "AUTH が平文で通信路を流れる(危険性を見せるため、わざと)",
    "goal.auth-inside-tls": "AUTH が TLS の中だけで成功する",
    "goal.sent-and-reported": (
        "ラボの世界のクライアントが配送し、失敗したことを TLS-RPT レポートが伝える"
    ),
    "goal.withheld-and-reported": (
        "ラボの世界のクライアントが何も送らず、その理由を TLS-RPT レポートが伝える"
    ),
    "goal.dane-matched": (
        "ラボの世界の DANE クライアントが署名済みの TLSA を見つけ、証明書がその 1 つに一致し、"
        "メッセージが TLS の中で送られる"
    ),
    "goal.policy-ignored": (
        "ラボの世界のクライアントが使えるポリシーを見つけられず、日和見 TLS に戻って配送する"
    ),
    "goal.mail-withheld": "ポリシーが求める TLS がないため、クライアントがメールの送信をやめる",
    "goal.injection-discarded": "STARTTLS の前後に注入された平文が検出され、効果がない",
    "scenario.plaintext": (
        "TLS なし: コマンドもメッセージも AUTH のパスワードも、通信路上で読めてしまいます"
        "(サンドボックスの中だけで、わざと見せています)。"
    ),
    "scenario.starttls": (
        "送信ポートで平文のまま始まり、STARTTLS で TLS に切り替わります。AUTH とメッセージは "
        "TLS の中を通ります。"
    ),
    "scenario.implicit-tls": (
        "465 番ポート方式: 最初のバイトから TLS なので、SMTP は通信路上で一切読めません。"
    ),
    "scenario.strip": "中間者がサーバーの EHLO 応答から STARTTLS を消します。",
    "scenario.strip-454": "中間者がサーバーの代わりに STARTTLS へ 454 と答えます。",
    "scenario.strip-502": "中間者がサーバーの代わりに STARTTLS へ 502 と答えます。",
    "scenario.impersonate": (
        "中間者が自分で TLS ハンドシェイクに応じ、別の認証局の証明書を見せます。"
    ),
    "scenario.impersonate-wrong-name": (
        "中間者が正しい認証局の、ただし別の名前の証明書を見せます。"
    ),
    "scenario.inject-command": (
        "STARTTLS と同じ書き込みで平文の MAIL FROM が送り込まれます。サーバーはこれを破棄"
        "しなければなりません。"
    ),
    "scenario.inject-response": (
        "サーバーの 220 の後に平文の応答行が続きます。クライアントはこれを拒否しなければ"
        "なりません。"
    ),
    "scenario.postfix-key-mismatch": (
        "main.cf が証明書に合わない鍵を指しています。Postfix は STARTTLS を提示しますが 454 4.7.0 "
        "と答え、TLS を必須とする送信側はメールを保留（deferred）にします。"
    ),
    "scenario.postfix-key-unreadable": (
        "main.cf が存在しない鍵ファイルを指しています。"
        "ログには「cannot get RSA private key」と出て、STARTTLS には 454 4.7.0 が返り、"
        "TLS を必須とする送信側はメールを保留にします。"
    ),
    "scenario.postfix-expired-cert": (
        "サーバー証明書の有効期限が切れています。検証する送信側はハンドシェイクで止まります"
        "（certificate has expired）。openssl x509 -checkend で確かめられます。"
    ),
    "scenario.postfix-leaf-only": (
        "チェーンファイルにサーバー証明書しか入っていません。ルートだけを信頼する検証側は"
        "証明書チェーンをつなげません（unable to get local issuer certificate）。"
    ),
    "scenario.postfix-wrong-name": (
        "証明書がサーバーの名前ではなく other.test 用です。名前を検証する送信側は拒否します。"
    ),
    "scenario.postfix-encrypt-on-mx": (
        "公開のポート 25 に encrypt を設定しています。TLS を使えない送信側は "
        "530 5.7.0 Must issue a STARTTLS command first を受け取り、メールは届きません。"
    ),
    "scenario.postfix-auth-before-tls": (
        "submission で smtpd_tls_auth_only = no にしています。STARTTLS の前に AUTH が提示され、"
        "パスワードが平文のまま回線を通ります。"
    ),
}
