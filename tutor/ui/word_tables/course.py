"""The course, a lesson's chrome, grading and quizzes (tutor/ui/screens/course.py,
tutor/ui/screens/lesson.py, tutor/ui/screens/learner_name.py, tutor/ui/widgets/grade.py,
tutor/ui/widgets/quiz.py, tutor/ui/widgets/session_quiz.py).
"""

from __future__ import annotations

EN: dict[str, str] = {
    # course
    "course.title": "smtp-tutor: SMTP, TLS and STARTTLS",
    "course.subtitle": "Pick a lesson, or press c to continue where you left off.",
    "course.continue": "Continue: {title}, step {step}",
    "course.start": "Start with: {title}",
    "course.minutes": "{minutes} min",
    "course.steps": "{done}/{total} steps",
    "course.id": "id: {id}",
    "course.open_hint": "Enter or a number ({first}-{last}) opens a lesson",
    "course.typed": "Lesson {number}: Enter opens it; or type the next digit (lesson {more})",
    "course.all_done": "Every lesson is done. Pick one to go over it again.",
    "status.not-started": "○ not started",
    "status.in-progress": "◐ in progress",
    "status.done": "✔ done",
    "course.empty": "No lessons found in {path}.",
    "course.errors": "Some lesson files have problems; run 'smtp-tutor lessons check' for details:",
    # smtp-tutor serve: the learner's name (tutor/ui/screens/learner_name.py)
    "learner.title": "Who is learning?",
    "learner.question": "What is your name? Your progress is kept under it.",
    "learner.hint": "Letters, digits, - _ . (up to {max}). Next time, open the page with "
    "?learner=NAME to skip this question.",
    "learner.ok": "Start",
    "learner.bad": "Use letters, digits, - _ . only (up to {max}), not starting with a dot.",
    "learner.welcome": "Welcome, {name}. Your progress is kept as {name}.",
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
    "notice.no_lesson": (
        "There is no lesson '{lesson}': give its number in the course list ({first}-{last}) "
        "or its id, such as '{example}'."
    ),
    # lesson
    "lesson.step": "Step {n}/{total}",
    "lesson.steps": "Steps",
    "lesson.beginner": "Beginner",
    "lesson.expert": "Expert",
    "lesson.next": "Next ▶",
    "lesson.prev": "◀ Previous",
    "lesson.open_in_step": "Still open in this step: {items}.",
    "lesson.all_done": "Step complete.",
    "lesson.lesson_done": "✔ You finished '{title}'.",
    "lesson.lesson_done_next": "✔ You finished '{title}'. Next: '{next}' (press c).",
    "lesson.left_open": "Step {n} is not finished yet (still open: {items}).",
    "lesson.open.sep": ", ",  # between the items still open
    "lesson.open.quiz": "a quiz",
    "lesson.open.quizs": "{n} quizzes",
    "lesson.open.transcript": "a walk-through",
    "lesson.open.transcripts": "{n} walk-throughs",
    "lesson.open.lab": "the lab",
    "lesson.open.labs": "{n} labs",
    "lesson.open.block": "an exercise",
    "lesson.open.blocks": "{n} exercises",
    # grade (a graded lesson's result: tutor/ui/widgets/grade.py)
    "grade.label": "Result",
    "grade.score": "Score: {score}% ({points} of {total}). Pass mark: {mark}%.",
    "grade.passed": "✔ Passed.",
    "grade.failed": "✘ Not passed yet.",
    "grade.quizzes": "Questions right at the first try: {met} of {total}",
    "grade.labs": "Lab goals met: {met} of {total}",
    "grade.challenges": "Configurations fixed: {met} of {total}",
    "grade.open": "Not done yet: {n}. A lab or a fix done now still counts; an answer does not "
    "change after its first try.",
    "grade.retake": "To take it again from the start, reset this lesson from the course (r).",
    "grade.none": "There is nothing to score in this lesson.",
    # quiz
    "quiz.label": "Quiz",
    "quiz.check": "Check",
    "quiz.answer_placeholder": "Type your answer and press Enter",
    "quiz.how_choice": "Press a number key (1-{n}), or choose with ↑↓ and Enter.",
    "quiz.how_text": "Type your answer in the box and press Enter.",
    "quiz.right": "✔ Right.",
    "quiz.wrong": "✘ Not quite.",
    "quiz.try_again": "Try again.",
    "quiz.hint": "Hint: {hint}",
    "quiz.explain": "Why: {text}",
    "quiz.answer_was": "The answer: {answer}",
    "sq.label": "Quiz: your own session",
    "sq.how": "The answer is what your last lab session did. Type it and press Enter.",
    "sq.no_session": (
        "No lab session has got that far yet: open the lab (o), play it past STARTTLS (p), "
        "then answer. Nothing was counted."
    ),
    "sq.right": "✔ Right: your session's answer is {answer}.",
    "sq.answer_was": "Your session's answer: {answer}",
}

JA: dict[str, str] = {
    "course.title": "smtp-tutor: SMTP・TLS・STARTTLS 入門",
    "course.subtitle": "レッスンを選ぶか、c キーで前回の続きから始めます。",
    "course.continue": "続きから: {title}(ステップ {step})",
    "course.start": "最初のレッスン: {title}",
    "course.minutes": "{minutes} 分",
    "course.steps": "{done}/{total} ステップ",
    "course.id": "ID: {id}",
    "course.open_hint": "Enter か番号（{first}-{last}）でレッスンを開く",
    "course.typed": "レッスン {number}：Enter で開きます。続けて数字を打つとレッスン {more}",
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
}
