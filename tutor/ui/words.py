"""The tutor's own words on screen (labels, buttons, notices), in English and Japanese.

Pure data, no Textual. Lesson content comes from the lesson files; this is only the chrome
around it.
`tr(lang, key, **values)` falls back to English for a key a language lacks.
"""

from __future__ import annotations

from tutor.ui.words_ja import JA

_EN: dict[str, str] = {
    # course
    "course.title": "smtp-tutor: SMTP, TLS and STARTTLS",
    "course.subtitle": "Pick a lesson, or press c to continue where you left off.",
    "course.continue": "Continue: {title}, step {step}",
    "course.start": "Start with: {title}",
    "course.minutes": "{minutes} min",
    "course.steps": "{done}/{total} steps",
    "course.id": "id: {id}",
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
    "config.reset": "Reset",
    "config.ready": "Edit the files, then Check (F4) to lint them, or Run (F5) to run and "
    "probe them.",
    "config.clean": "postfix check: no findings.",
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
    "conn.verified_unknown": "not known here: only the client knows if it checked the certificate",
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
    "key.palette": "palette",  # Ctrl+P, on the right of every footer
    "key.open_lab": "Open lab",
    "key.step": "Step",
    "key.run_config": "Run config",
    "key.check_config": "Check config",
    "key.switch_side": "Editor/Lab",
    "key.reset_config": "Reset config",
    "key.play": "Play",
    "key.restart": "Restart",
    "key.type": "Type",
    "key.capture": "Capture",
    "key.tls_view": "Listener/endpoints",
    "key.handshake": "Handshake",
    "key.pane": "Pane",
    "cmd.open_lesson": "Open lesson: {title}",
    "cmd.open_lab": "Open lab: {name}",
    "cmd.language": "Switch language to 日本語",
    "cmd.language_help": "Show the course in Japanese",
    "cmd.reset": "Reset progress",
    "cmd.reset_help": "Forget the progress in every lesson (asks first)",
    "cmd.mailbox": "Mailbox: the mail the sandbox caught",
    "cmd.mailbox_help": "Each message with its headers and the TLS it came over (m on the course)",
    "cmd.watch": "Watch your own client",
    "cmd.watch_help": "The sandbox behind the wire tap, for swaks or openssl (w on the course)",
    # a lesson as plain text (lessons show, the reading view): tutor/ui/plain_lesson.py
    "plain.title": "Lesson {n}: {title}",
    "plain.about": "About {minutes} minutes, {steps} steps.",
    "plain.step": "Step {n} of {total}: {title}",
    "plain.q": "Q (beginner): {text}",
    "plain.a": "A (expert): {text}",
    "plain.quiz": "Quiz {n}: {question}",
    "plain.quiz_type": "(Type your answer.)",
    "plain.hint": "Hint: {text}",
    "plain.walk": "Walk-through {n} (C: the client, S: the server; say what goes in each blank):",
    "plain.predict": "(predict this line)",
    "plain.lab": "Lab in the sandbox ({scenario}; in the tutor press o, or run "
    "'smtp-tutor demo {scenario}'):",
    "plain.lab_do": "Do: {text}",
    "plain.lab_goal": "Goal: {text}",
    "plain.custom": "An exercise the tutor shows ({kind}).",
    "plain.answers": "Answers",
    "plain.answer_choice": "Quiz {n}: {choice}. {text}",
    "plain.answer_text": "Quiz {n}: {text}",
    "plain.or": " or ",
    "plain.answer_walk": "Walk-through {n}:",
    # the glossary screen, the reading view and their palette entries (tutor/ui/pack_app.py)
    "glossary.title": "Glossary",
    "glossary.lesson_title": "Glossary: the terms of '{title}' (type to search every term)",
    "glossary.search": "Search every term and definition",
    "glossary.none": "This course has no glossary.",
    "glossary.no_match": "No term or definition says '{query}'.",
    "glossary.problems": "(some entries have problems: run 'smtp-tutor lessons check')",
    "glossary.also": "Also written: {names}",
    "glossary.see": "See also: {terms}",
    "key.glossary": "Glossary",
    "key.mailbox": "Mailbox",
    "key.watch": "Watch",
    "key.read": "Read as text",
    "cmd.glossary": "Glossary",
    "cmd.glossary_help": "Short definitions of the words the course uses",
    "cmd.glossary_term": "Glossary: {term}",
    "cmd.read_lesson": "Read as plain text: {title}",
    "cmd.read_lesson_help": "The whole lesson from top to bottom in one column, for screen readers",
    "cmd.found_in": "Lesson {n}, step {step} ({title})",
    "cmd.found_in_help": "Open the lesson at the step that says it",
}

TABLES: dict[str, dict[str, str]] = {"en": _EN, "ja": JA}
"""One table per language of tutor.model.langs.LANGS, with the same keys (a test checks)."""


def goal_label(lang: str, goal: str) -> str:
    """What goal `goal` asks for, in words (tutor.model.goals has the English summaries)."""
    text = TABLES.get(lang, _EN).get(f"goal.{goal}")
    if text:
        return text
    from tutor.model.goals import GOALS

    found = GOALS.get(goal)
    return found.summary if found else goal


def scenario_summary(lang: str, name: str) -> str:
    """One sentence about lab scenario `name` (sandbox.lab.catalog has the English ones)."""
    text = TABLES.get(lang, _EN).get(f"scenario.{name}")
    if text:
        return text
    from sandbox.lab.catalog import SCENARIOS

    info = SCENARIOS.get(name)
    return info.summary if info else ""


def tr(lang: str, key: str, **values: object) -> str:
    """The text for `key` in `lang`, with `{name}` fields filled from `values`."""
    text = TABLES.get(lang, _EN).get(key) or _EN[key]
    return text.format(**values) if values else text
