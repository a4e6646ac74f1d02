"""The tutor's own words on screen (labels, buttons, notices), in English and Japanese.

Pure data, no Textual. Lesson content comes from the lesson files; this is only the chrome
around it.
`tr(lang, key, **values)` falls back to English for a key a language lacks.
"""

from __future__ import annotations

_EN: dict[str, str] = {
    # course
    "course.title": "smtp-tutor: SMTP, TLS and STARTTLS",
    "course.subtitle": "Pick a lesson, or press c to continue where you left off.",
    "course.continue": "Continue: {title}, step {step}",
    "course.start": "Start with: {title}",
    "course.minutes": "{minutes} min",
    "course.steps": "{done}/{total} steps",
    "status.not-started": "○ not started",
    "status.in-progress": "◐ in progress",
    "status.done": "✔ done",
    "course.empty": "No lessons found in {path}.",
    "course.errors": "Some lesson files have problems; run 'smtp-tutor lessons check' for details:",
    "confirm.reset_lesson": "Forget your progress in '{title}'?",
    "confirm.reset_all": "Forget your progress in every lesson?",
    "confirm.yes": "Yes, reset",
    "confirm.no": "No, keep it",
    "notice.reset_lesson": "Progress in '{title}' was reset.",
    "notice.reset_all": "All progress was reset.",
    "notice.corrupt": (
        "Your progress file could not be read, so it was set aside as {path} and a fresh one "
        "started. Nothing else was lost."
    ),
    "notice.save_failed": "Could not save your progress: {error}",
    "notice.load_failed": "Could not read your progress ({error}); starting without it.",
    "notice.language": "Language: English",
    "notice.no_lesson": "There is no lesson '{lesson}'.",
    # lesson
    "lesson.step": "Step {n}/{total}",
    "lesson.steps": "Steps",
    "lesson.beginner": "Beginner",
    "lesson.expert": "Expert",
    "lesson.next": "Next ▶",
    "lesson.prev": "◀ Previous",
    "lesson.open_in_step": "Still open in this step: {items}.",
    "lesson.all_done": "Step complete.",
    "lesson.lesson_done": "You finished this lesson. Press Esc to go back to the course.",
    "lesson.open.quiz": "a quiz",
    "lesson.open.quizs": "{n} quizzes",
    "lesson.open.transcript": "a walk-through",
    "lesson.open.transcripts": "{n} walk-throughs",
    "lesson.open.lab": "the lab",
    "lesson.open.labs": "{n} labs",
    # quiz
    "quiz.label": "Quiz",
    "quiz.check": "Check",
    "quiz.answer_placeholder": "Type your answer and press Enter",
    "quiz.right": "✔ Right.",
    "quiz.wrong": "✘ Not quite.",
    "quiz.try_again": "Try again.",
    "quiz.hint": "Hint: {hint}",
    "quiz.explain": "Why: {text}",
    "quiz.answer_was": "The answer: {answer}",
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
    "lab.goal_met": "✔ Goal met: {goal}. Step complete.",
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
    "lab.attack": "⚠ ATTACK MODE: {text}",
    "lab.conversation": "Conversation",
    "lab.eavesdropper": "Eavesdropper",
    "lab.connection": "Connection",
    "lab.elided": "… {n} lines not shown (too many to keep; the session went on) …",
    "lab.kept": "showing the last {n} lines",
    "lab.demo_account": "Demo account: {user} / {password} (sandbox only)",
    # eavesdropper
    "wire.injected": "INJECTED plaintext after STARTTLS: a correct server discards it",
    "wire.switch": "plaintext ends at byte {offset} ({side}): TLS from here",
    "wire.encrypted": "encrypted",
    "wire.bytes": "C→S {c} B · S→C {s} B",
    # connection
    "conn.none": "No connection yet.",
    "conn.state": "State",
    "conn.plaintext": "PLAINTEXT: anyone on the path can read it",
    "conn.tls": "TLS: encrypted",
    "conn.closed": "closed",
    "conn.server": "Server",
    "conn.via_tap": "via tap",
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
    "conn.failed": "✘ TLS failed: {reason}",
    "conn.messages": "Delivered",
    "conn.message": "{n} message(s), last {size} B {how}",
    "conn.over_tls": "over TLS",
    "conn.in_clear": "in the clear",
    # help
    "help.title": "Help",
    "help.close": "Close (Esc)",
    # keys
    "key.quit": "Quit",
    "key.help": "Help",
    "key.back": "Back",
    "key.open": "Open",
    "key.continue": "Continue",
    "key.language": "日本語",
    "key.reset": "Reset lesson",
    "key.reset_all": "Reset all",
    "key.next": "Next",
    "key.prev": "Previous",
    "key.steps": "Steps",
    "key.step": "Step",
    "key.play": "Play",
    "key.restart": "Restart",
    "key.type": "Type",
    "key.pane": "Pane",
    "cmd.open_lesson": "Open lesson: {title}",
    "cmd.open_lab": "Open lab: {name}",
    "cmd.language": "Switch language to 日本語",
    "cmd.language_help": "Show the course in Japanese",
    "cmd.reset": "Reset progress",
    "cmd.reset_help": "Forget the progress in every lesson (asks first)",
}

_JA: dict[str, str] = {
    "course.title": "smtp-tutor: SMTP・TLS・STARTTLS 入門",
    "course.subtitle": "レッスンを選ぶか、c キーで前回の続きから始めます。",
    "course.continue": "続きから: {title}(ステップ {step})",
    "course.start": "最初のレッスン: {title}",
    "course.minutes": "{minutes} 分",
    "course.steps": "{done}/{total} ステップ",
    "status.not-started": "○ 未着手",
    "status.in-progress": "◐ 学習中",
    "status.done": "✔ 完了",
    "course.empty": "{path} にレッスンがありません。",
    "course.errors": (
        "問題のあるレッスンファイルがあります。'smtp-tutor lessons check' で確認してください:"
    ),
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
    "notice.no_lesson": "レッスン '{lesson}' はありません。",
    "lesson.step": "ステップ {n}/{total}",
    "lesson.steps": "ステップ",
    "lesson.beginner": "初心者",
    "lesson.expert": "専門家",
    "lesson.next": "次へ ▶",
    "lesson.prev": "◀ 前へ",
    "lesson.open_in_step": "このステップで未完了: {items}。",
    "lesson.all_done": "このステップは完了です。",
    "lesson.lesson_done": "このレッスンを修了しました。Esc でコース一覧に戻ります。",
    "lesson.open.quiz": "クイズ {n} 問",
    "lesson.open.quizs": "クイズ {n} 問",
    "lesson.open.transcript": "ウォークスルー {n} 件",
    "lesson.open.transcripts": "ウォークスルー {n} 件",
    "lesson.open.lab": "ラボ",
    "lesson.open.labs": "ラボ {n} 件",
    "quiz.label": "クイズ",
    "quiz.check": "答え合わせ",
    "quiz.answer_placeholder": "答えを入力して Enter",
    "quiz.right": "✔ 正解です。",
    "quiz.wrong": "✘ 不正解です。",
    "quiz.try_again": "もう一度どうぞ。",
    "quiz.hint": "ヒント: {hint}",
    "quiz.explain": "解説: {text}",
    "quiz.answer_was": "正解: {answer}",
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
    "lab.attack": "⚠ 攻撃モード: {text}",
    "lab.conversation": "会話",
    "lab.eavesdropper": "盗聴者の視点",
    "lab.connection": "接続",
    "lab.elided": "… {n} 行を省略(多すぎるため。セッションは続いています)…",
    "lab.kept": "最後の {n} 行を表示",
    "lab.demo_account": "デモアカウント: {user} / {password}(サンドボックス専用)",
    "wire.injected": "STARTTLS の後に注入された平文: 正しいサーバーは破棄します",
    "wire.switch": "平文はバイト {offset} で終わり({side})、ここから TLS",
    "wire.encrypted": "暗号化",
    "wire.bytes": "C→S {c} B・S→C {s} B",
    "conn.none": "まだ接続していません。",
    "conn.state": "状態",
    "conn.plaintext": "平文: 経路上の誰でも読めます",
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
    "key.step": "1手",
    "key.play": "再生",
    "key.restart": "やり直し",
    "key.type": "入力",
    "key.pane": "ペイン",
    "cmd.open_lesson": "レッスンを開く: {title}",
    "cmd.open_lab": "ラボを開く: {name}",
    "cmd.language": "Switch language to English",
    "cmd.language_help": "コースを英語で表示します",
    "cmd.reset": "進捗をリセット",
    "cmd.reset_help": "すべてのレッスンの進捗を消去します(確認あり)",
}

_TABLES = {"en": _EN, "ja": _JA}


def goal_label(lang: str, goal: str) -> str:
    """What goal `goal` asks for, in words (tutor.goals has the English summaries)."""
    text = _TABLES.get(lang, _EN).get(f"goal.{goal}")
    if text:
        return text
    from tutor.goals import GOALS

    found = GOALS.get(goal)
    return found.summary if found else goal


def scenario_summary(lang: str, name: str) -> str:
    """One sentence about lab scenario `name` (sandbox.catalog has the English ones)."""
    text = _TABLES.get(lang, _EN).get(f"scenario.{name}")
    if text:
        return text
    from sandbox.catalog import SCENARIOS

    info = SCENARIOS.get(name)
    return info.summary if info else ""


def tr(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with `{name}` fields filled from `values`."""
    text = _TABLES.get(lang, _EN).get(key) or _EN[key]
    return text.format(**values) if values else text
