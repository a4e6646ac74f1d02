"""The tutor's own words on screen in Japanese (see tutor.ui.words; same keys as English)."""

from __future__ import annotations

JA: dict[str, str] = {
    "course.title": "smtp-tutor: SMTP・TLS・STARTTLS 入門",
    "course.subtitle": "レッスンを選ぶか、c キーで前回の続きから始めます。",
    "course.continue": "続きから: {title}(ステップ {step})",
    "course.start": "最初のレッスン: {title}",
    "course.minutes": "{minutes} 分",
    "course.steps": "{done}/{total} ステップ",
    "course.id": "ID: {id}",
    "course.all_done": "すべてのレッスンを修了しました。復習したいレッスンを選んでください。",
    "status.not-started": "○ 未着手",
    "status.in-progress": "◐ 学習中",
    "status.done": "✔ 完了",
    "course.empty": "{path} にレッスンがありません。",
    "course.errors": (
        "問題のあるレッスンファイルがあります。'smtp-tutor lessons check' で確認してください:"
    ),
    # smtp-tutor serve: 学習者の名前 (tutor/ui/screens/learner_name.py)
    "learner.title": "学習者",
    "learner.question": "お名前を入力してください。進捗はこの名前で保存されます。",
    "learner.hint": "文字・数字・- _ . (最大 {max} 文字)。次回はページを ?learner=名前 "
    "付きで開くと、この質問は出ません。",
    "learner.ok": "開始",
    "learner.bad": "文字・数字・- _ . のみ (最大 {max} 文字、先頭にドットは不可) です。",
    "learner.welcome": "ようこそ、{name} さん。進捗は {name} として保存されます。",
    "confirm.reset_lesson": "「{title}」の進捗を消去しますか?",
    "confirm.reset_all": "すべてのレッスンの進捗を消去しますか?",
    "confirm.yes": "はい、消去する",
    "confirm.no": "いいえ",
    "notice.reset_lesson": "「{title}」の進捗を消去しました。",
    "notice.reset_all": "すべての進捗を消去しました。",
    "notice.corrupt": (
        "進捗ファイルが読めなかったため {path} として退避し、新しく始めました。"
        "ほかに失われたものはありません。"
    ),
    "notice.save_failed": "進捗を保存できませんでした: {error}",
    "notice.load_failed": "進捗を読み込めませんでした({error})。進捗なしで始めます。",
    "notice.language": "言語: 日本語",
    "notice.no_lesson": (
        "レッスン '{lesson}' はありません。コース一覧の番号（{first}〜{last}）か、"
        "'{example}' のような ID を指定してください。"
    ),
    "lesson.step": "ステップ {n}/{total}",
    "lesson.steps": "ステップ",
    "lesson.beginner": "初心者",
    "lesson.expert": "専門家",
    "lesson.next": "次へ ▶",
    "lesson.prev": "◀ 前へ",
    "lesson.open_in_step": "このステップで未完了: {items}。",
    "lesson.all_done": "このステップは完了です。",
    "lesson.lesson_done": "✔ 「{title}」を修了しました。",
    "lesson.lesson_done_next": "✔ 「{title}」を修了しました。次は「{next}」です（c キー）。",
    "lesson.left_open": "ステップ {n} はまだ完了していません（未完了: {items}）。",
    "lesson.open.sep": "、",
    "lesson.open.quiz": "クイズ {n} 問",
    "lesson.open.quizs": "クイズ {n} 問",
    "lesson.open.transcript": "ウォークスルー {n} 件",
    "lesson.open.transcripts": "ウォークスルー {n} 件",
    "lesson.open.lab": "ラボ",
    "lesson.open.labs": "ラボ {n} 件",
    "lesson.open.block": "演習",
    "lesson.open.blocks": "演習 {n} 件",
    "grade.label": "結果",
    "grade.score": "得点: {score}%（{total} 問中 {points}）。合格点: {mark}%。",
    "grade.passed": "✔ 合格です。",
    "grade.failed": "✘ まだ合格点に届いていません。",
    "grade.quizzes": "1 回目で正解した問題: {total} 問中 {met}",
    "grade.labs": "達成したラボの目標: {total} 件中 {met}",
    "grade.challenges": "直した設定: {total} 件中 {met}",
    "grade.open": "未完了: {n} 件。ラボや設定の修正は今からでも得点になります。"
    "問題の答えは 1 回目のものが数えられます。",
    "grade.retake": "最初から受け直すには、コース画面でこのレッスンをリセットします（r）。",
    "grade.none": "このレッスンには採点するものがありません。",
    "quiz.label": "クイズ",
    "quiz.check": "答え合わせ",
    "quiz.answer_placeholder": "答えを入力して Enter",
    "quiz.how_choice": "数字キー（1〜{n}）を押すか、↑↓ で選んで Enter を押します。",
    "quiz.how_text": "答えを入力欄に書いて Enter を押します。",
    "quiz.right": "✔ 正解です。",
    "quiz.wrong": "✘ 不正解です。",
    "quiz.try_again": "もう一度どうぞ。",
    "quiz.hint": "ヒント: {hint}",
    "quiz.explain": "解説: {text}",
    "quiz.answer_was": "正解: {answer}",
    "sq.label": "クイズ: あなた自身のセッション",
    "sq.how": (
        "答えは、あなたが最後に動かしたラボのセッションの中にあります。入力して Enter を押します。"
    ),
    "sq.no_session": (
        "まだそこまで進んだラボのセッションがありません。ラボを開き（o）、STARTTLS の先まで再生して"
        "（p）から答えてください。今回の回答は数えていません。"
    ),
    "sq.right": "✔ 正解です。あなたのセッションの答えは {answer} です。",
    "sq.answer_was": "あなたのセッションの答え: {answer}",
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
    "lab.goal_met": "✔ 目標達成: {goal}。このステップは完了です。",
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
    "config.reset": "リセット",
    "config.ready": "ファイルを編集し、チェック(F4)で検査するか、"
    "実行(F5)で動かしてプローブします。",
    "config.clean": "postfix check: 指摘はありません。",
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
    "conn.via_tap": "盗聴点経由",
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
    "goal.session-complete": "セッションが正常に終わる(QUIT のあとに 221)",
    "goal.tls-established": "TLS ハンドシェイクが完了する",
    "goal.certificate-verified": "TLS ハンドシェイクが完了し、クライアントが証明書と名前を検証する",
    "goal.certificate-rejected": "証明書を検証できず TLS ハンドシェイクが失敗する",
    "goal.ehlo-after-tls": "クライアントが TLS の中で EHLO を送り直す",
    "goal.message-delivered": "サンドボックスがメッセージを受け取る",
    "goal.message-delivered-over-tls": "TLS の中を通ったメッセージをサンドボックスが受け取る",
    "goal.auth-seen-in-clear": "AUTH が平文で通信路を流れる(危険性を見せるため、わざと)",
    "goal.auth-inside-tls": "AUTH が TLS の中だけで成功する",
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
    "help.title": "ヘルプ",
    "help.close": "閉じる (Esc)",
    "key.quit": "終了",
    "key.help": "ヘルプ",
    "key.back": "戻る",
    "key.open": "開く",
    "key.continue": "続きから",
    "key.language": "English",
    "key.reset": "進捗消去",
    "key.reset_all": "全消去",
    "key.next": "次へ",
    "key.prev": "前へ",
    "key.steps": "ステップ一覧",
    "key.palette": "パレット",
    "key.open_lab": "ラボを開く",
    "key.step": "1手",
    "key.run_config": "設定を実行",
    "key.check_config": "設定をチェック",
    "key.switch_side": "エディタ/ラボ",
    "key.reset_config": "設定をリセット",
    "key.play": "再生",
    "key.restart": "やり直し",
    "key.type": "入力",
    "key.capture": "キャプチャ",
    "key.tls_view": "盗聴者/両端",
    "key.handshake": "ハンドシェイク",
    "key.pane": "ペイン",
    "cmd.open_lesson": "レッスンを開く: {title}",
    "cmd.open_lab": "ラボを開く: {name}",
    "cmd.language": "Switch language to English",
    "cmd.language_help": "コースを英語で表示します",
    "cmd.reset": "進捗をリセット",
    "cmd.reset_help": "すべてのレッスンの進捗を消去します(確認あり)",
    "cmd.mailbox": "メールボックス: サンドボックスが受け取ったメール",
    "cmd.mailbox_help": "各メッセージをヘッダーと受信時の TLS とともに表示(コース画面の m)",
    "cmd.watch": "自分のクライアントを観察",
    "cmd.watch_help": "ワイヤタップの奥のサンドボックスに swaks や openssl で接続(コース画面の w)",
    # レッスンをプレーンテキストで（lessons show、読み上げ用の表示）: tutor/ui/plain_lesson.py
    "plain.title": "レッスン {n}: {title}",
    "plain.about": "約 {minutes} 分、{steps} ステップ。",
    "plain.step": "ステップ {n}/{total}: {title}",
    "plain.q": "Q（初心者）: {text}",
    "plain.a": "A（専門家）: {text}",
    "plain.quiz": "クイズ {n}: {question}",
    "plain.quiz_type": "（答えを入力します。）",
    "plain.hint": "ヒント: {text}",
    "plain.walk": "ウォークスルー {n}（C: クライアント、S: サーバー。空欄に入る行を答えます）:",
    "plain.predict": "（この行を予想）",
    "plain.lab": "サンドボックスでのラボ（{scenario}。チューターでは o キー、または "
    "'smtp-tutor demo {scenario}' を実行）:",
    "plain.lab_do": "やること: {text}",
    "plain.lab_goal": "ゴール: {text}",
    "plain.custom": "チューターで表示される演習（{kind}）。",
    "plain.answers": "解答",
    "plain.answer_choice": "クイズ {n}: {choice}. {text}",
    "plain.answer_text": "クイズ {n}: {text}",
    "plain.or": "、または ",
    "plain.answer_walk": "ウォークスルー {n}:",
    # 用語集の画面、テキストで読む画面と、そのコマンドパレットの項目（tutor/ui/pack_app.py）
    "glossary.title": "用語集",
    "glossary.lesson_title": "用語集: 「{title}」の用語（入力するとすべての用語を検索）",
    "glossary.search": "すべての用語と定義を検索",
    "glossary.none": "このコースには用語集がありません。",
    "glossary.no_match": "「{query}」を含む用語も定義もありません。",
    "glossary.problems": (
        "（問題のある項目があります。'smtp-tutor lessons check' を実行してください）"
    ),
    "glossary.also": "別の書き方: {names}",
    "glossary.see": "関連: {terms}",
    "key.glossary": "用語集",
    "key.mailbox": "メールボックス",
    "key.watch": "観察",
    "key.read": "テキストで読む",
    "cmd.glossary": "用語集",
    "cmd.glossary_help": "コースで使う言葉の短い定義",
    "cmd.glossary_term": "用語集: {term}",
    "cmd.read_lesson": "プレーンテキストで読む: {title}",
    "cmd.read_lesson_help": "レッスン全体を上から下へ 1 列で表示します（スクリーンリーダー向け）",
    "cmd.found_in": "レッスン {n}、ステップ {step}（{title}）",
    "cmd.found_in_help": "そのことが書かれているステップでレッスンを開きます",
}
