"""`smtp-tutor lessons new DIR`: a new lesson pack a teacher fills in.

A manifest, one lesson in each language (a question and an answer, a walk-through, a quiz and a
lab, so every kind of block is there to copy) and a glossary with one entry. What it writes
passes `lessons check` and opens with `--lessons DIR` as it is. It never overwrites: the folder
must be new or empty, and each file is created exclusively, without following a link.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tutor.model.langs import LANGS
from tutor.model.pack import MANIFEST, PACK_ID, TUTOR_VERSION

LESSON_NAME = "01-first-lesson.md"


class ScaffoldError(Exception):
    """Why a pack cannot be made there (one line for the command line)."""


_LESSON = {
    "en": """---
id: first-lesson
title: "A first lesson"
summary: What a lesson of this pack looks like; replace it with your own.
minutes: 5
scenario: starttls
---

# A first lesson

Write a lesson as a beginner's questions and an expert's answers. Each `## heading` is a step.
See the smtp-tutor lessons/README.md for every kind of block.

## What the server says first

**Q:** Who speaks first in an SMTP session?

**A:** The server: it greets the client with a `220` banner as soon as the connection opens.

```transcript
# The connection is open. Who speaks first, and with which code?
? S: 220 sandbox.test ESMTP
C: EHLO client.test
S: 250 sandbox.test
```

```quiz
question: Which reply code does the server greet a client with?
choices:
  - 220
  - 250
  - 354
answer: 1
hint: It is the first line of the walk-through above.
explain: 220 is the banner ("service ready"); 250 means OK, 354 asks for the message.
```

## Try it in the sandbox

Watch a real session upgrade to TLS.

```lab
mode: step
do: Step through the session until TLS is established.
goal: tls-established
hint: Press s to take one step; the handshake follows STARTTLS and its 220.
```
""",
    "ja": """---
id: first-lesson
title: "最初のレッスン"
summary: このパックのレッスンの形の見本です。自分のレッスンに置き換えてください。
minutes: 5
scenario: starttls
---

# 最初のレッスン

レッスンは、初心者の質問と専門家の答えで書きます。`## 見出し` ひとつがひとつのステップです。
ブロックの種類は smtp-tutor の lessons/README.md にすべてあります。

## サーバーが最初に言うこと

**Q:** SMTP のセッションで最初に話すのはどちらですか？

**A:** サーバーです。接続が開くとすぐに `220` のバナーでクライアントにあいさつします。

```transcript
# 接続が開きました。最初に話すのはどちらで、どのコードでしょう？
? S: 220 sandbox.test ESMTP
C: EHLO client.test
S: 250 sandbox.test
```

```quiz
question: サーバーはどの応答コードでクライアントにあいさつしますか？
choices:
  - 220
  - 250
  - 354
answer: 1
hint: 上のウォークスルーの最初の行です。
explain: 220 はバナー（サービス準備完了）です。250 は OK、354 は本文を求める応答です。
```

## サンドボックスで試す

本物のセッションが TLS に切り替わるところを見ます。

```lab
mode: step
do: TLS が確立するまで、セッションを 1 ステップずつ進めます。
goal: tls-established
hint: s キーで 1 ステップ進みます。ハンドシェイクは STARTTLS とその 220 のあとです。
```
""",
}

_GLOSSARY = {
    "en": """# This pack's glossary in English; glossary/ja.toml has the same ids.
# Each [id] is one entry: `term` as the lessons write it, `also` other spellings,
# `means` the definition (Markdown), `see` related ids.

[banner]
term = "banner"
also = ["220 banner"]
means = \"\"\"The server's first line in an SMTP session: a `220` reply with its name, sent as soon
as the connection opens.\"\"\"
""",
    "ja": """# このパックの用語集（日本語）。glossary/en.toml と同じ id を使います。
# [id] ごとに 1 項目: `term` はレッスンでの書き方、`also` は別の書き方、
# `means` は定義（Markdown）、`see` は関連する項目の id です。

[banner]
term = "バナー"
also = ["220 バナー"]
means = \"\"\"SMTP のセッションでサーバーが最初に送る行です。接続が開くとすぐに、サーバーの名前を
添えた `220` の応答を送ります。\"\"\"
""",
}


def pack_id_for(name: str) -> str:
    """A pack id from a folder name: lower case, other characters as '-'."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._")[:64].strip("-._")
    return slug or "my-pack"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def manifest_text(pack_id: str, title: str) -> str:
    requires = ".".join(TUTOR_VERSION.split(".")[:2])
    langs = ", ".join(f'"{lang}"' for lang in LANGS)
    return (
        "# This lesson pack's manifest: `smtp-tutor lessons check DIR` checks it.\n"
        "# Progress is kept by pack id and lesson id: keep the id when the pack changes.\n"
        f"id = {_toml_string(pack_id)}\n"
        f"title = {_toml_string(title)}\n"
        'version = "0.1"\n'
        f"languages = [{langs}]\n"
        f"requires-tutor = {_toml_string(requires)}  # the oldest smtp-tutor that shows it\n"
    )


def _create(path: Path, text: str) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def scaffold(root: Path, *, pack_id: str | None = None, title: str | None = None) -> list[Path]:
    """Write a new pack in `root` (new, or an empty folder); the files made, in order."""
    if root.is_symlink():
        raise ScaffoldError(f"{root} is a symbolic link; give a new folder")
    if root.exists():
        if not root.is_dir():
            raise ScaffoldError(f"{root} exists and is not a folder")
        if any(root.iterdir()):
            raise ScaffoldError(f"{root} is not empty; give a new or empty folder")
    name = root.resolve().name
    pid = pack_id if pack_id is not None else pack_id_for(name)
    if not PACK_ID.match(pid):
        raise ScaffoldError(f"pack id {pid!r}: lowercase letters, digits, '.', '_' or '-'")
    shown_title = (title or name or pid).strip() or pid
    try:
        root.mkdir(parents=True, exist_ok=True)
        files = [(root / MANIFEST, manifest_text(pid, shown_title))]
        for lang in LANGS:
            files.append((root / lang / LESSON_NAME, _LESSON[lang]))
            files.append((root / "glossary" / f"{lang}.toml", _GLOSSARY[lang]))
        for path, text in files:
            path.parent.mkdir(exist_ok=True)
            _create(path, text)
    except OSError as exc:
        raise ScaffoldError(f"cannot create the pack in {root}: {exc.strerror or exc}") from None
    return [path for path, _ in files]
