"""F1 help: for each part of the screen, what am I looking at and why it matters (en, ja).

Pure data (Markdown strings). `help_for(topic, lang)` falls back to the screen's general topic.
"""

from __future__ import annotations

from tutor.model.cjk import join_cjk_lines

_EN: dict[str, str] = {
    "course": """\
# The course

Each line is a lesson, in the order they build on each other: its title, a one-line summary,
about how many minutes it takes, and your progress (**○ not started**, **◐ in progress**,
**✔ done**, with steps done out of the total).

- **Enter** opens the highlighted lesson; **c** continues where you left off.
- A lesson's **number** opens it (**6** opens lesson 6). When a longer number starts with it
  (**1** while there is a lesson 12), the lesson is highlighted: **Enter** opens it, **2** opens
  lesson 12.
- **l** switches between English and Japanese; your progress is the same in both.
- **r** resets the highlighted lesson, **R** everything (you are asked first).
- **m** opens the mailbox: the mail the sandbox caught, with its headers and TLS.
- **w** watches your own client (swaks, openssl s_client) in the lab's three panes.
- **Ctrl+P** opens the command palette: open any lesson or lab, switch language or theme.

Your progress is saved after every completed step, on this computer only.
""",
    "steps": """\
# Steps

The lesson's steps. **✔** marks a step you completed, **▶** the one you are on. Pick one with the
arrow keys and **Enter** to jump to it. **t** shows or hides this list (it hides itself on a
narrow terminal).
""",
    "lesson": """\
# A lesson

One step at a time. Most of it is a conversation: the **Beginner** asks what you might be
wondering, the **Expert** answers. Then you check yourself:

- **Quizzes** tell you at once whether you were right, why each choice is right or wrong, and give
  a hint and a second try.
- **Walk-throughs** replay an SMTP session line by line and stop to let you predict what comes
  next.
- **Labs** open a real mail server and client on your own computer (nothing leaves it):
  **o** or the **Open the lab** button.

**n** goes to the next step, **p** to the previous one; **Next** tells you what is still open
in the step. **g** opens the glossary at the terms this lesson uses; **r** shows the whole lesson
as plain text, top to bottom in one column (for printing or a screen reader). **Esc** returns to
the course.
""",
    "quiz": """\
# Quiz

Pick an answer (arrow keys and **Enter**, or click), or type it for a free-text question. You
see at once whether it was right, and why. A wrong answer gives you a hint and a second try.
""",
    "transcript": """\
# Walk-through

An SMTP session in the notation of the RFCs: **C:** is what the client sends, **S:** what the
server answers, text in `<...>` is something that happens (such as the TLS handshake), and a
line starting with **#** is a comment. Press **Enter** (or **Continue**) to see the next line;
when it asks for your prediction, type the reply code (such as `250`) or the command (such as
`EHLO`).
""",
    "conversation": """\
# Conversation

What the mail client and the mail server say to each other, as the client lives it, marked the
way the `swaks` tool marks it:

- `->` the client sends, `<-` the server answers, **in plaintext**;
- `~>` and `<~` the same **inside TLS** (encrypted on the wire);
- `===` information from the tutor, `***` an error or an attack warning.

Watch for the moment the arrows change from `->` to `~>`: from there on, an eavesdropper sees
only encrypted records.

**Home** (or **g**) goes back to the start of the pane, **End** (or **G**) on to its end;
the arrows and **PgUp**/**PgDn** scroll.
""",
    "eavesdropper": """\
# Eavesdropper

The same session as someone on the network path sees it: the bytes on the wire. While the
session is in plaintext, every command and reply is readable, passwords included. After
`220 Ready to start TLS` a line marks the exact byte where plaintext ends; from there you see only
TLS records: the ClientHello (which still names the server: SNI), the ServerHello, then
*application data* with only its length and a few bytes of unreadable hex.

Lines marked **INJECTED** were sent in plaintext right after STARTTLS, the trick of a command
injection attack; a correct server throws them away.

**v** switches between *what a listener sees* and *what the endpoints see*: the same records,
with what is inside each one opened with this session's own keys (the SMTP lines or the
handshake messages) and the secret that protected it named. The listener's lines do not change.
**h** shows the handshake field by field: each field's offset in the stream (the `@N` of the
records), its length, its value and its bytes, and for each message whether a listener can read
it. **w** saves the session as a capture Wireshark and tshark open with no setting.

**Home** (or **g**) goes back to the start of the pane, **End** (or **G**) on to its end;
the arrows and **PgUp**/**PgDn** scroll.
""",
    "connection": """\
# Connection

The state of the connection: **plaintext** (anyone on the path can read it) or **TLS**, and
then what TLS agreed on: the protocol version, the cipher, and the server's certificate (who it
was issued to, by whom, how long it is valid, the names it covers).

**Verified** is the part that matters most: encryption to an unverified server can be
encryption to an attacker. *Verified* means the client checked the certificate chain up to a
CA it trusts and that the name matches the server it wanted.

**Watched at** says where the Eavesdropper sits. Most labs, and the watch screen, watch the
sandbox server's own socket: nothing relays in between. An attack lab puts a relay between
client and server, where the attacker changes bytes in flight, and watches there.

**c** opens the certificate inspector: the chain of this session field by field (subject,
issuer, validity, SAN, key usage, EKU, AKI/SKI, the sandbox CA's name constraints) and each
check that made the client trust it, or not. **c** again goes back.

**Home** (or **g**) goes back to the start of the pane, **End** (or **G**) on to its end;
the arrows and **PgUp**/**PgDn** scroll.
""",
    "command": """\
# Command line

Type an SMTP command yourself and press **Enter**: `EHLO client.test`, `STARTTLS`, `MAIL
FROM:<learner@sandbox.test>`, `RCPT TO:<friend@sandbox.test>`, `DATA`, `QUIT`... `AUTH PLAIN` or
`AUTH LOGIN` alone logs in with the sandbox's demo account and shows you the base64 it sends.
**Esc** leaves the command line.
""",
    "config_lab": """\
# Config lab

The configuration files on the left (or alone, on a narrow terminal), the lab that runs them on
the right. The bar on top says what to do; it turns green when the goal is met.

- **F4** checks the files as `postfix check` would (an Exchange script as `exchange check`):
  each finding is marked on its line.
- **F5** runs the files: the lab's server restarts with them, and probes (real clients) try each
  configured service.
- **F2** switches between the editor and the lab (both show on a wide terminal).
- **F8** puts the files back as the lab gave them (you are asked first).
- In the lab: **s** sends the next scripted command, **p** plays the rest, **r** starts again,
  **i** lets you type commands; **1**-**4** switch panes, the fourth is the server's Log.
- **Esc** leaves the editor first, then the lab. Your edits are kept.
""",
    "watch": """\
# Watch your own client

The sandbox, watched at its own socket (nothing relays in between): point your own client
(swaks, openssl s_client, a mail program) at the ports the top lines give, and each of its
sessions shows in the lab's three panes.

- **v** switches the Eavesdropper between what a listener on the wire sees and what the two ends
  see inside TLS; **h** shows the handshake field by field.
- **c** inspects the server's certificate chain in the Connection pane.
- **1**, **2**, **3** show the Conversation, the Eavesdropper and the Connection (on a narrow
  terminal one pane shows at a time, under tabs).
- **Esc** stops the servers and goes back to the course.

These keys work wherever the focus is.
""",
    "lab": """\
# Lab

A real mail server and client running on your own computer (loopback only), seen three ways:
Conversation, Eavesdropper and Connection. **s** sends the next scripted command, **p** plays
the rest, **r** starts again, **i** lets you type commands. On a narrow terminal, **1**, **2**,
**3** switch between the panes. **w** saves the session as a capture for Wireshark (its TLS
secrets inside). When the lab comes from a lesson, the bar on top says what to do
and turns green when the goal is met. **Esc** goes back.

In a lab world (lesson 8: MTA-STS, DANE), **t** opens the TLS-RPT report the sending client
wrote when something failed, and **e** edits what you publish for the world (its MTA-STS
policy, or its TLSA records): **F5** publishes, and the lab starts again with it.
""",
}

_JA: dict[str, str] = {
    "course": """\
# コース

1 行が 1 レッスンで、積み上げの順に並んでいます。タイトル、1 行の概要、所要時間の目安、進捗
(**○ 未着手**、**◐ 学習中**、**✔ 完了**、完了ステップ数/全ステップ数)を表示します。

- **Enter** で選択中のレッスンを開き、**c** で前回の続きから再開します。
- レッスンの**番号**を打つとそのレッスンを開きます（**6** でレッスン 6）。その番号で始まる
  もっと大きな番号があるとき（レッスン 12 があるときの **1**）は、レッスンを選択するだけで、
  **Enter** で開き、**2** と続けるとレッスン 12 を開きます。
- **l** で日本語と英語を切り替えます。進捗は両方の言語で共通です。
- **r** で選択中のレッスンの進捗を、**R** ですべての進捗を消去します(確認あり)。
- **m** でメールボックスを開き、サンドボックスが受け取ったメールをヘッダーと TLS とともに見ます。
- **w** で自分のクライアント（swaks、openssl s_client）の通信をラボの 3 つのペインで観察します。
- **Ctrl+P** でコマンドパレットを開き、レッスンやラボを開く、言語やテーマを切り替える
  ことができます。

進捗はステップを終えるたびにこのコンピューターにだけ保存されます。
""",
    "steps": """\
# ステップ一覧

レッスンのステップです。**✔** は完了したステップ、**▶** は今いるステップです。矢印キーで選んで
**Enter** で移動します。**t** でこの一覧を表示/非表示にします(狭い端末では自動で隠れます)。
""",
    "lesson": """\
# レッスン

1 ステップずつ進みます。中心は会話です。**初心者**があなたの疑問を代わりに質問し、**専門家**が答え
ます。そのあと理解を確かめます:

- **クイズ**: 正解かどうか、各選択肢がなぜ正しい/誤りなのかをすぐに表示します。不正解ならヒントと
  もう一度のチャンスがあります。
- **ウォークスルー**: SMTP のやり取りを 1 行ずつ再生し、次の行を予想してもらうところで止まります。
- **ラボ**: 本物のメールサーバーとクライアントをこのコンピューターの中だけで動かします(外部には
  一切接続しません)。**o** キーか **ラボを開く** ボタンで開きます。

**n** で次のステップ、**p** で前のステップへ。**次へ** はこのステップで未完了の
項目を教えてくれます。**g** でこのレッスンに出てくる用語の用語集を開きます。**r** で
レッスン全体をプレーンテキストで上から下へ 1 列に表示します（印刷やスクリーンリーダー
向け）。**Esc** でコース一覧に戻ります。
""",
    "quiz": """\
# クイズ

答えを選ぶ(矢印キーと **Enter**、またはクリック)か、記述式なら入力します。正解かどうかと、その
理由がすぐに表示されます。不正解ならヒントが出て、もう一度答えられます。
""",
    "transcript": """\
# ウォークスルー

RFC の表記による SMTP セッションです。**C:** はクライアントが送る内容、**S:** はサーバーの応答、
`<...>` は起きる出来事(TLS ハンドシェイクなど)、**#** で始まる行は解説です。**Enter**(または
**進む**)で次の行を表示します。予想を求められたら、応答コード(`250` など)かコマンド(`EHLO`
など)を入力してください。
""",
    "conversation": """\
# 会話

メールクライアントとメールサーバーのやり取りを、クライアントから見たとおりに表示します。記号は
`swaks` ツールと同じです:

- `->` はクライアントの送信、`<-` はサーバーの応答で、**平文**です。
- `~>` と `<~` は同じものが **TLS の中**(通信路上では暗号化)で送られたことを示します。
- `===` はチュートリアルからの情報、`***` はエラーや攻撃の警告です。

矢印が `->` から `~>` に変わる瞬間に注目してください。そこから先、盗聴者には暗号化された
レコードしか見えません。

**Home**(または **g**)でペインの先頭に戻り、**End**(または **G**)で末尾へ進みます。
矢印キーと **PgUp**/**PgDn** でスクロールします。
""",
    "eavesdropper": """\
# 盗聴者の視点

同じセッションを、ネットワークの経路上にいる第三者が見たとおりに表示します(通信路上のバイト)。
平文のあいだは、コマンドも応答もパスワードもすべて読めます。`220 Ready to start TLS` のあと、
平文が終わる正確なバイト位置に線を引きます。そこから先は TLS レコードだけです。ClientHello
(サーバー名 SNI はまだ見えます)、ServerHello、そして長さと読めない 16 進数の先頭しか分からない
*application data* が続きます。

**注入** と表示された行は、STARTTLS の直後に平文で送り込まれたもので、コマンド注入攻撃の手口です。
正しいサーバーはこれを破棄します。

**v** で「盗聴者に見えるもの」と「両端に見えるもの」を切り替えます。同じレコードの中身を、この
セッション自身の鍵で開いて(SMTP の行やハンドシェイクのメッセージ)、守っていたシークレットの名前と
一緒に表示します。盗聴者の行は変わりません。**h** でハンドシェイクをフィールドごとに表示します。
各フィールドのストリーム内の位置(レコードの `@N` と同じ)、長さ、値、バイト列と、メッセージごとに
盗聴者が読めるかどうかが分かります。**w** でセッションをキャプチャとして保存します。Wireshark や
tshark で設定なしに開けます。

**Home**(または **g**)でペインの先頭に戻り、**End**(または **G**)で末尾へ進みます。
矢印キーと **PgUp**/**PgDn** でスクロールします。
""",
    "connection": """\
# 接続

接続の状態です。**平文**(経路上の誰でも読める)か **TLS** か。TLS なら、合意したプロトコルの
バージョン、暗号スイート、サーバー証明書(誰に、誰が発行したか、有効期間、対象の名前)を表示します。

いちばん大事なのは **検証** です。検証していない相手との暗号化は、攻撃者との暗号化かもしれません。
「検証済み」とは、信頼する認証局までの証明書チェーンと、接続したいサーバー名との一致をクライアントが
確認したという意味です。

**観察場所** は、盗聴者の視点がどこで見ているかを示します。ほとんどのラボと自分のクライアントの
観察画面では、サンドボックスのサーバー自身のソケットを見ています。間で中継するものはありません。
攻撃のラボでは、クライアントとサーバーの間に中継を置き、攻撃者がそこで通信を書き換えるので、
その中継で見ています。

**c** で証明書インスペクターを開きます。このセッションの証明書チェーンをフィールドごとに
(サブジェクト、発行者、有効期間、SAN、鍵用途、EKU、AKI/SKI、サンドボックスのCAの名前制約)
表示し、クライアントが信頼した(またはしなかった)理由を1つずつ確かめます。もう一度 **c** で戻ります。

**Home**(または **g**)でペインの先頭に戻り、**End**(または **G**)で末尾へ進みます。
矢印キーと **PgUp**/**PgDn** でスクロールします。
""",
    "command": """\
# コマンド入力

SMTP コマンドを自分で入力して **Enter** を押します: `EHLO client.test`、`STARTTLS`、
`MAIL FROM:<learner@sandbox.test>`、`RCPT TO:<friend@sandbox.test>`、`DATA`、`QUIT` など。
`AUTH PLAIN` または `AUTH LOGIN` だけを入力すると、サンドボックスのデモアカウントでログインし、
送られる base64 を表示します。**Esc** で入力欄から離れます。
""",
    "config_lab": """\
# 設定ラボ

左に設定ファイル（狭い端末ではファイルだけ）、右にそれを動かすラボがあります。上のバーにやることが
表示され、目標を達成すると緑に変わります。

- **F4** で `postfix check` と同じようにファイルをチェックし（Exchange のスクリプトは
  `exchange check` と同じように）、指摘をその行に表示します。
- **F5** でファイルを実行します。ラボのサーバーがその設定で起動し直し、プローブ（本物の
  クライアント）が設定した各サービスを試します。
- **F2** でエディタとラボを切り替えます（広い端末では両方が並びます）。
- **F8** でファイルをラボの最初の状態に戻します（確認あり）。
- ラボでは **s** で次のコマンドを 1 つ送り、**p** で残りを再生、**r** でやり直し、**i** で自分で
  コマンドを入力します。**1**〜**4** でペインを切り替えます（4 つめはサーバーのログ）。
- **Esc** でまずエディタから離れ、もう一度でラボを閉じます。編集内容は保存されます。
""",
    "watch": """\
# 自分のクライアントを観察する

サンドボックスのサーバーを、そのソケットで直接観察します（間で中継するものはありません）。
上の行に出ているポートに自分のクライアント（swaks、openssl s_client、メールソフト）をつなぐと、
そのセッションがラボと同じ 3 つのペインに表示されます。

- **v** で盗聴者のペインを、通信路の盗聴者に見えるものと、TLS の内側で両端に見えるものとで
  切り替えます。**h** でハンドシェイクを項目ごとに表示します。
- **c** で接続のペインにサーバーの証明書チェーンの詳細を表示します。
- **1**、**2**、**3** で会話・盗聴者・接続のペインを表示します（狭い端末ではタブで 1 つずつ）。
- **Esc** でサーバーを止めてコースに戻ります。

これらのキーはどこにフォーカスがあっても使えます。
""",
    "lab": """\
# ラボ

このコンピューターの中だけ(ループバック)で動く本物のメールサーバーとクライアントを、会話・盗聴者の
視点・接続の 3 つの面から見ます。**s** で次のコマンドを 1 つ送り、**p** で残りを再生、**r** で
やり直し、**i** で自分でコマンドを入力します。狭い端末では **1**、**2**、**3** でペインを
切り替えます。**w** でセッションを Wireshark 用のキャプチャ(TLS の鍵入り)として保存します。
レッスンから開いたラボでは、上部にやることが表示され、目標を達成すると緑に変わります。
**Esc** で戻ります。

ラボの世界(レッスン 8: MTA-STS、DANE)では、**t** で、失敗があったときに送信側のクライアントが
書いた TLS-RPT のレポートを開き、**e** で、その世界に公開するもの(MTA-STS のポリシー、または
TLSA レコード)を編集します。**F5** で公開すると、ラボはそれで始め直します。
""",
}

_TABLES = {"en": _EN, "ja": _JA}
TOPICS = tuple(_EN)


def help_for(topic: str, lang: str) -> str:
    """The help Markdown for `topic` in `lang` (English when missing)."""
    table = _TABLES.get(lang, _EN)
    return join_cjk_lines(table.get(topic) or _EN.get(topic) or _EN["course"])
