"""main.cf and master.cf read as Postfix reads them (properties.md L1-L3).

Expected values were taken from `postconf -c DIR -n/-x` of Postfix 3.7 on the same text.
"""

from __future__ import annotations

import pytest

from sandbox.config.postfix.reader import (
    ConfigError,
    PostfixConfig,
    read_main_cf,
    read_master_cf,
)

MAIN_CASES = [
    # (main.cf text, parameter, expanded value)
    ("myhostname = mail.example.org\n", "myhostname", "mail.example.org"),
    ("myhostname=mail.example.org   \n", "myhostname", "mail.example.org"),
    ("myhostname = a\n  b\n\tc\n", "myhostname", "a b c"),
    ("myhostname = a\n\n  # comment inside\n  b\n", "myhostname", "a b"),
    ("smtpd_banner = x # not a comment\n", "smtpd_banner", "x # not a comment"),
    ("mydomain = example.org\nmyhostname = mail.$mydomain\n", "myhostname", "mail.example.org"),
    ("mydomain = example.org\nmyhostname = mail.${mydomain}\n", "myhostname", "mail.example.org"),
    ("mydomain = example.org\nmyhostname = mail.$(mydomain)\n", "myhostname", "mail.example.org"),
    ("myhostname = mail.$mydomain\nmydomain = example.org\n", "myhostname", "mail.example.org"),
    ("smtpd_banner = $$myhostname\n", "smtpd_banner", "$myhostname"),
    ("smtpd_banner = ${myhostname?set}\n", "smtpd_banner", "set"),
    ("smtpd_banner = ${relayhost?set}\n", "smtpd_banner", ""),
    ("smtpd_banner = ${relayhost:empty}\n", "smtpd_banner", "empty"),
    ("smtpd_banner = ${relayhost?{a}:{b}}\n", "smtpd_banner", "b"),
    ("smtpd_banner = ${myhostname?{a}:{b}}\n", "smtpd_banner", "a"),
    ("smtpd_banner = cost $ 5\n", "smtpd_banner", "cost $ 5"),
    ("myhostname = first\nmyhostname = second\n", "myhostname", "second"),
    ("", "smtpd_banner", "sandbox.test ESMTP Postfix"),
    ("myhostname = mail.example.org\n", "mydomain", "example.org"),
    ("myhostname = mail.example.org\n", "mydestination",
     "mail.example.org, localhost.example.org, localhost"),
    ("myhostname = mail\n", "mydomain", "localdomain"),
    ("", "smtpd_relay_restrictions",
     "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"),
    ("", "smtpd_tls_security_level", ""),
    ("", "message_size_limit", "10240000"),
    ("", "no_such_parameter", ""),
]  # fmt: skip


@pytest.mark.parametrize(("text", "name", "value"), MAIN_CASES)
def test_l1_main_cf_values_as_postconf_expands_them(text: str, name: str, value: str) -> None:
    assert read_main_cf(text, "main.cf").value(name) == value


def test_l1_last_definition_wins_and_the_earlier_one_is_a_note() -> None:
    main = read_main_cf("myhostname = a\nmydomain = x.test\nmyhostname = b\n", "/lab/main.cf")
    param = main.params["myhostname"]
    assert (param.raw, param.line, param.earlier) == ("b", 3, (1,))
    assert [str(n) for n in main.notes] == [
        "/lab/main.cf:3: overriding earlier entry: myhostname=a"
    ]


def test_l1_raw_value_and_line_are_kept() -> None:
    main = read_main_cf("# c\nmyhostname = mail.$mydomain\n  x\nmydomain = example.org\n")
    assert main.params["myhostname"].raw == "mail.$mydomain x"
    assert (main.line("myhostname"), main.line("mydomain"), main.line("mynetworks")) == (2, 4, 0)


def test_l1_an_indented_first_line_is_ignored_with_a_note_as_postfix_does() -> None:
    main = read_main_cf("  myhostname = a\nmydomain = b.test\n", "main.cf")
    assert "myhostname" not in main.params
    assert [n.line for n in main.notes] == [1]
    assert "must not start with whitespace" in main.notes[0].what


MAIN_ERRORS = [
    ("myhostname a\n", 1, "missing '=' after parameter name"),
    ("# x\n= a\n", 2, "missing parameter name"),
    ("my-host = a\n", 1, "not a parameter name"),
    ("a = $a\n", 1, "$a refers to itself (a -> a)"),
    ("x = 1\na = $b\nb = ${c?x}\nc = $a\n", 2, "(a -> b -> c -> a)"),
    ("a = ${b\n", 1, "unmatched '{'"),
    ("a = ${?x}\n", 1, "not a parameter name"),
    ("a = ${b=x}\n", 1, "expected ?, : or }"),
    ("x = 1\na = b\0c\n", 2, "NUL byte"),
    (b"x = 1\ny = 2\na = \xff\n", 3, "byte 0xff is not UTF-8"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "what"), MAIN_ERRORS)
def test_l3_main_cf_errors_name_file_and_line(text: str | bytes, line: int, what: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_main_cf(text, "lab/main.cf")
    assert (caught.value.path, caught.value.line) == ("lab/main.cf", line)
    assert what in caught.value.what
    assert str(caught.value).startswith(f"lab/main.cf:{line}: ")


def test_l3_deep_chains_and_exponential_growth_are_errors() -> None:
    chain = "".join(f"p{i} = $p{i + 1}\n" for i in range(150)) + "p150 = end\n"
    with pytest.raises(ConfigError, match="nesting"):
        read_main_cf(chain)
    doubling = "p0 = xxxxxxxx\n" + "".join(f"p{i + 1} = $p{i}$p{i}\n" for i in range(40))
    with pytest.raises(ConfigError, match="expands to more than"):
        read_main_cf(doubling)
    shared = "big = " + "x" * 100_000 + "\n" + "".join(f"p{i} = $big\n" for i in range(100))
    with pytest.raises(ConfigError, match="expands to more than"):
        read_main_cf(shared)
    nested = "a = " + "${myhostname?" * 500 + "x" + "}" * 500 + "\n"
    with pytest.raises(ConfigError, match="nesting"):
        read_main_cf(nested)


MASTER = """\
# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       y       -       -       smtpd
submission inet n       -       y       -       -       smtpd
  -o syslog_name=postfix/submission
  -o smtpd_tls_security_level=encrypt
# a comment between the overrides
  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }
  -o myhostname=submit.$mydomain
127.0.0.1:smtps inet n  -       y       -       -       smtpd -v -o smtpd_tls_wrappermode=yes
pickup    unix  n       -       y       60      1       pickup
"""


def test_l2_master_cf_services_fields_and_overrides() -> None:
    smtp, submission, smtps, pickup = read_master_cf(MASTER, "lab/master.cf")
    assert (smtp.key, smtp.port, smtp.command, smtp.line) == ("smtp/inet", 25, "smtpd", 2)
    assert (submission.port, smtps.port, pickup.port) == (587, 465, None)
    assert [(o.name, o.value, o.line) for o in submission.overrides] == [
        ("syslog_name", "postfix/submission", 4),
        ("smtpd_tls_security_level", "encrypt", 5),
        ("smtpd_client_restrictions", "permit_sasl_authenticated, reject", 7),
        ("myhostname", "submit.$mydomain", 8),
    ]
    assert (smtps.args, [o.name for o in smtps.overrides]) == (("-v",), ["smtpd_tls_wrappermode"])
    assert (pickup.private, pickup.chroot, pickup.wakeup, pickup.maxproc) == ("n", "y", "60", "1")


def test_l2_effective_value_is_main_cf_then_the_services_overrides() -> None:
    main = read_main_cf(
        "myhostname = mail.example.org\nsmtpd_tls_security_level = may\n", "main.cf"
    )
    config = PostfixConfig(main, tuple(read_master_cf(MASTER, "master.cf")), "master.cf")
    smtp, submission = config.service("smtp"), config.service("submission/inet")
    assert config.value("smtpd_tls_security_level", smtp) == "may"
    assert config.value("smtpd_tls_security_level", submission) == "encrypt"
    # an override of myhostname changes every value that says $myhostname, in that service only
    assert config.value("smtpd_banner", submission) == "submit.example.org ESMTP Postfix"
    assert config.value("smtpd_banner", smtp) == "mail.example.org ESMTP Postfix"
    assert config.where("smtpd_tls_security_level", submission) == ("master.cf", 5)
    assert config.where("smtpd_tls_security_level", smtp) == ("main.cf", 2)
    assert [s.key for s in config.smtpd_services()] == [
        "smtp/inet", "submission/inet", "127.0.0.1:smtps/inet"
    ]  # fmt: skip


MASTER_ERRORS = [
    ("smtp inet n - y - smtpd\n", 1, "8 fields"),
    ("smtp inet n - y - - smtpd\nsmtp inet n - y - - smtpd\n", 2, "duplicate service smtp/inet"),
    ("smtp tcp n - y - - smtpd\n", 1, 'field "type"'),
    ("smtp inet x - y - - smtpd\n", 1, 'field "private"'),
    ("smtp inet n - y soon - smtpd\n", 1, 'field "wakeup"'),
    ("smtp inet n - y - many smtpd\n", 1, 'field "maxproc"'),
    ("imap inet n - y - - smtpd\n", 1, "unknown port 'imap'"),
    ("99999 inet n - y - - smtpd\n", 1, "unknown port"),
    ("smtp inet n - y - - smtpd\n  -o\n", 2, "-o needs name=value"),
    ("smtp inet n - y - - smtpd\n  -o nothing\n", 2, "-o needs name=value"),
    ("smtp inet n - y - - smtpd -o { a = b\n", 1, "missing '}'"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "line", "what"), MASTER_ERRORS)
def test_l3_master_cf_errors_name_file_and_line(text: str, line: int, what: str) -> None:
    with pytest.raises(ConfigError) as caught:
        read_master_cf(text, "lab/master.cf")
    assert (caught.value.path, caught.value.line) == ("lab/master.cf", line)
    assert what in caught.value.what


def test_l1_an_undefined_name_expands_to_nothing_with_a_note() -> None:
    main = read_main_cf("smtpd_banner = $myhostname $nosuch\n\nrelayhost = ${nosuch?x}\n", "m.cf")
    assert main.value("smtpd_banner") == "sandbox.test "
    assert [str(n) for n in main.undefined] == [
        "m.cf:1: undefined parameter: nosuch",
        "m.cf:3: undefined parameter: nosuch",
    ]
