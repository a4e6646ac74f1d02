"""The sandbox's notices in English, by key: one table, and `notice()` that fills it in.

A `Notice` carries its `key` and `params` (the facts in it, as strings) beside its English
`text`, so the headless demo prints the text as it always did, byte for byte, and a UI in another
language renders the same key with its own table (`tutor/ui/notice_words.py`). A test walks
every key here and proves each language has it with the same parameters.

Params are filled in already terminal-safe (`sandbox.safety.text`): they may hold network text.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping

from sandbox.events import Level, Notice

DECIDED: dict[str, str] = {
    "dane.signed": "signed TLSA records: TLS required, the certificate must match one",
    "dane.unsigned": "the zone is not signed: DANE is ignored (opportunistic TLS)",
    "dane.none": "no usable TLSA records (opportunistic TLS)",
    "sts.none": "no MTA-STS record (opportunistic TLS)",
    "sts.fetch": "the policy fetch failed: as if there were no policy (opportunistic TLS)",
    "sts.mode-none": "mode: none, the policy is withdrawn (opportunistic TLS)",
    "sts.mx": "enforce: the MX is not in the policy, nothing is sent",
    "sts.enforce": "enforce: TLS required, the certificate must verify for the MX name",
    "sts.testing": "testing: deliver anyway, report what would have failed",
    "plain": "no DNS-based policy for this level",
}
"""What a lab world's `dane` or `mta-sts` client decided, by key (`sandbox.labdns.world`), in
English (`tutor/ui/world_words.py` has the Japanese)."""

NOTICES: dict[str, str] = {
    # the lab (sandbox/lab)
    "lab.no_new_ehlo": "No TLS, so there is nothing to forget: no new EHLO.",
    "lab.new_session": "The connection was closed, so a new session starts.",
    "lab.no_demo_account": "There is no demo account on this server.",
    "attack.on": "ATTACK ON (a lab on purpose): {what}",
    # the tutor's client (sandbox/client)
    "client.trying": "Trying {where}...",
    "client.connected": "Connected to {where}.",
    "client.tls_started": "TLS started with cipher {version}:{cipher}:{bits}",
    "client.peer_subject": 'TLS peer subject DN="{subject}"',
    "client.verified": "Certificate verified for {host}",
    "client.not_verified": "Certificate NOT verified: any certificate is accepted",
    "client.closed": "Connection closed.",
    "client.starttls_refused": "STARTTLS refused ({code}): still plaintext",
    "client.starttls_missing": "STARTTLS not offered: going on in plaintext",
    "client.cleartext_auth": "AUTH goes over the wire in cleartext, on purpose",
    # ... and its errors (sandbox.client.framing.SmtpClientError), said as `***` lines
    "client.error": "{error}",
    "client.tls_failed": "TLS handshake failed: {reason}",
    "client.in_data": "the server is reading a message: end it with a '.' line",
    "client.needs_tls": "policy {policy}: {verb} is never sent without TLS",
    "client.cleartext_auth_refused": (
        "AUTH would send the password in cleartext (base64 hides nothing): start TLS first"
    ),
    "client.requires_tls.starttls-refused": (
        "policy {policy} requires TLS, but the server answered STARTTLS with {code}: quitting"
    ),
    "client.requires_tls.ehlo-refused": (
        "policy {policy} requires TLS, but the server refused EHLO, so it cannot offer "
        "STARTTLS: quitting"
    ),
    "client.requires_tls.not-offered": (
        "policy {policy} requires TLS, but the server does not offer STARTTLS: quitting"
    ),
    "client.starttls_inside_tls": "the server accepted STARTTLS inside TLS",
    "client.injected_after_220": (
        "the server sent more plaintext after its 220 to STARTTLS; someone on the path may "
        "have injected it, so the connection is dropped before TLS (RFC 3207)"
    ),
    "client.server_closed": "the server closed the connection",
    "client.server_closed_midway": "the server closed the connection in the middle of a reply",
    "client.refused": "{step} was refused: {reply}",
    # the sandbox server (sandbox/smtpd)
    "server.not_loopback": (
        "Listening on {host}, not loopback: other machines can reach this sandbox."
    ),
    "server.auth_before_tls": (
        "This lab lets AUTH run before TLS, on purpose: passwords will cross the wire readable."
    ),
    "server.busy": "Refused a connection with 421: {max} already open.",
    "server.kept": "Mail for {rcpts} was kept in the sandbox: it never leaves this machine.",
    "server.tls_failed": "TLS handshake failed: {reason}",
    "server.tls_client_left": (
        "The server's side: the client hung up during the TLS handshake (it refused the "
        "certificate, or gave up)."
    ),
    "server.relay_denied": (
        "Relay access denied for <{address}>: the sandbox is not an open relay."
    ),
    "server.injection_discarded": (
        "The server discarded {size} bytes of plaintext that arrived after STARTTLS and before "
        "TLS began: a command injection attempt (CVE-2011-0411)."
    ),
    "server.too_long": (
        "Closed a connection from {peer}: it lasted {seconds} s, the session time limit."
    ),
    "server.timeout": "Closed a connection from {peer}: timeout.",
    "server.too_many_errors": "Too many errors from {peer}: disconnected.",
    "server.auth_refused_before_tls": (
        "AUTH before TLS was refused: the password would have crossed the wire readable."
    ),
    "server.auth_lockout": "Too many failed AUTH attempts: connection closed.",
    "server.auth_in_clear": (
        "AUTH succeeded in plaintext: anyone on the path has just read the password "
        "(base64 is an encoding, not encryption)."
    ),
    "server.bare_newline_refused": (
        "The message held a bare CR or LF (a line end other than CRLF), the stuff of SMTP "
        "smuggling: refused, as smtpd_forbid_bare_newline does."
    ),
    "server.bare_newline_accepted": (
        "The message held a bare CR or LF (a line end other than CRLF), the stuff of SMTP "
        "smuggling: accepted."
    ),
    "server.storage_full": (
        "No room to keep more mail ({store} {bound}: {used} of {limit}): answered 452 4.3.1, "
        "as Postfix does when its queue is full. Nothing was stored."
    ),
    # the wire tap (sandbox/wire)
    "tap.busy": "Wire tap: refused a connection, {max} already open.",
    "tap.cannot_reach": "Wire tap: cannot reach {host}:{port} ({error}).",
    "tap.internal_error": "Wire tap: internal error: {error}",
    "tap.cannot_accept": "Wire tap: cannot accept connections ({error}); trying again in a second.",
    "tap.idle": "Wire tap: closed a connection idle for {seconds} s.",
    "tap.takeover_ended": "Wire tap: the take-over ended early ({error}).",
    "tap.capture_full": (
        "Eavesdropper: this connection passed {max} bytes; the session goes on, but the "
        "eavesdropper stops recording it."
    ),
    "tap.lines_full": (
        "Eavesdropper: the {side} sent more than {max} lines on this connection; the rest are "
        "not shown one by one (their bytes are still recorded)."
    ),
    "tap.records_full": (
        "Eavesdropper: the {side} sent more than {max} TLS records on this connection; the rest "
        "are not shown one by one (their bytes are still recorded)."
    ),
    "tap.not_tls": (
        "Eavesdropper: from byte {offset} the {side}'s data is not valid TLS ({error}); "
        "showing raw bytes only."
    ),
    # the attacks (sandbox/threats)
    "attack.could_not_start": "The attack could not start: {error}",
    "attack.answers_starttls": (
        "The attacker answers STARTTLS with '{reply}' in the server's place."
    ),
    "attack.deleted_starttls": "The attacker deleted '{line}' from the server's EHLO reply.",
    "attack.takes_starttls": (
        "The attacker keeps the client's STARTTLS from the server, answers '220' himself and "
        "will answer the TLS handshake with his own certificate."
    ),
    "attack.certificate_refused": (
        "The client refused the attacker's certificate ({reason}): the attack failed and "
        "nothing was relayed."
    ),
    "attack.injects_command": (
        "The attacker appends '{line}' to the client's STARTTLS, in the same write: a server "
        "that kept it would run it as if it came from inside TLS."
    ),
    "attack.injects_reply": (
        "The attacker appends a forged EHLO reply to the server's 220, in plaintext: a client "
        "that kept it would read it as the server's first words inside TLS."
    ),
    # the lab world's client (sandbox/labdns): what it decided, the report it wrote
    **{f"decided.{key}": f"The client decided: {why}." for key, why in DECIDED.items()},
    "tlsrpt.written": "TLS-RPT report (RFC 8460) written: {kinds}. Saved to {path}",
    # the config lab's probes (sandbox/config/postfix/probes.py): what decided each verdict
    "probe.reply": "{step} -> {reply}",
    "probe.reply_no_tls": "{step} (no TLS) -> {reply}",
    "probe.tls": "TLS {version}",
    "probe.tls_verified": "TLS {version} (verified)",
    "probe.ehlo_no_tls": "EHLO (no TLS) -> {keywords}",
    "probe.ehlo_no_tls_none": "EHLO (no TLS) -> (no keywords)",
    "probe.no_auth_in_tls": "EHLO (in TLS) offers no AUTH",
    "probe.wrapped_587": (
        "587 speaks TLS at once (smtpd_tls_wrappermode): submission uses STARTTLS"
    ),
    "probe.plain_465": (
        "465 speaks plaintext first: smtpd_tls_wrappermode=yes belongs on this service"
    ),
    "probe.no_service": "no smtpd service on port {port}",
    "probe.timeout": "no answer within {seconds} s",
    "probe.broke": "{error}",
    # the Exchange probes (sandbox/config/exchange/probes.py)
    "probe.no_connector": "no enabled receive connector binds port {port}",
    "probe.no_send_connector": "no enabled send connector covers {domain}",
    "probe.send_connector": "send connector '{name}': client policy {policy}",
    "probe.strip_sent": "STARTTLS stripped: MAIL went out in plaintext",
    "probe.strip_withheld": "STARTTLS stripped: nothing was sent",
    "probe.auth_in_clear": "EHLO (no TLS) offers AUTH",
    "probe.no_auth_in_clear": "EHLO (no TLS) offers no AUTH",
    "probe.auth_in_tls": "EHLO (in TLS) offers AUTH",
}
"""Every notice the sandbox can say, in English: `{name}` fields are its params."""


BUILT_IN = frozenset(NOTICES)
"""The keys the sandbox itself says: every language of the UI has each of them (a test checks)."""


def register(words: Mapping[str, str]) -> None:
    """Add an extension's notices (`Attack.notices`); ValueError if a key is taken."""
    if taken := sorted(set(words) & set(NOTICES)):
        raise ValueError(f"notice keys already in use: {', '.join(taken)}")
    NOTICES.update(words)


def unregister(keys: Iterable[str]) -> None:
    """Take away notices `register` added; the built-in ones stay."""
    for key in keys:
        if key not in BUILT_IN:
            NOTICES.pop(key, None)


def fields(template: str) -> frozenset[str]:
    """The `{name}` fields of a template."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def fill(key: str, **params: object) -> tuple[str, dict[str, str]]:
    """The English text of notice `key` and its params as strings.

    A key that is not in the table, or params that lack one of its fields, is a bug: KeyError
    or ValueError at once, so no notice reaches a screen without its words in every language.
    """
    template = NOTICES[key]
    values = {name: str(value) for name, value in params.items()}
    if not fields(template) <= set(values):
        raise ValueError(f"notice {key!r} needs {sorted(fields(template))}, got {sorted(values)}")
    return template.format(**values), values


def notice(level: Level, key: str, **params: object) -> Notice:
    """The notice `key`, with its params and its English text (see `fill`)."""
    text, values = fill(key, **params)
    return Notice(level=level, text=text, key=key, params=values)
