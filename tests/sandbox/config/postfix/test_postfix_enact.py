"""A Postfix configuration enacted by the sandbox, on real loopback sockets (properties.md
L7-L13). Reply codes and texts are Postfix 3.7's for the same configuration."""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from sandbox.config.postfix.enact import Enactment, enact
from sandbox.config.postfix.reader import ConfigError, read_postfix
from sandbox.pki import tlsconfig
from sandbox.pki.labkeys import ensure_lab_keys
from sandbox.smtpd.server import SandboxServer

Start = Callable[..., Awaitable[SandboxServer]]
Connect = Callable[..., Awaitable[Any]]

TLS_MAIN = """\
myhostname = mail.sandbox.test
smtpd_tls_chain_files = server.key, chain.pem
smtpd_tls_security_level = may
smtpd_sasl_auth_enable = yes
smtpd_tls_auth_only = yes
"""
MASTER = """\
smtp       inet n - y - - smtpd
submission inet n - y - - smtpd
  -o smtpd_tls_security_level=encrypt
smtps      inet n - y - - smtpd
  -o smtpd_tls_wrappermode=yes
"""


def plan(lab: Path, main: str, master: str | None = None) -> Enactment:
    ensure_lab_keys(lab)
    (lab / "main.cf").write_text(main)
    if master is not None:
        (lab / "master.cf").write_text(master)
    config = read_postfix(str(lab / "main.cf"), str(lab / "master.cf") if master else None)
    return enact(config, lab)


def trusting(lab: Path, **kwargs: Any) -> ssl.SSLContext:
    return tlsconfig.client_context(lab / "root.pem", **kwargs)


async def serve(start: Start, enactment: Enactment, key: str = "smtp/inet") -> SandboxServer:
    listener = next(x for x in enactment.listeners if x.service.key == key)
    return await start(listener.policy, chain=listener.chain)


# --- L7: each parameter lands in the service's policy ----------------------------------------

POLICY_CASES = [
    # (main.cf lines after TLS_MAIN, service, field, value)
    ("", "smtp/inet", "tls_level", "may"),
    ("", "submission/inet", "tls_level", "encrypt"),
    ("", "smtps/inet", "implicit_tls", True),
    ("", "smtp/inet", "max_message_size", 10240000),
    ("message_size_limit = 2048\n", "smtp/inet", "max_message_size", 2048),
    ("smtpd_recipient_limit = 3\n", "smtp/inet", "max_recipients", 3),
    ("", "smtp/inet", "helo_required", False),
    ("smtpd_helo_required = yes\n", "smtp/inet", "helo_required", True),
    ("smtpd_tls_auth_only = no\n", "smtp/inet", "auth_only_after_tls", False),
    ("smtpd_sasl_auth_enable = no\n", "smtp/inet", "sasl_enabled", False),
    ("smtpd_tls_protocols = >=TLSv1.3\n", "smtp/inet", "min_tls_version",
     ssl.TLSVersion.TLSv1_3),
    ("smtpd_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1, !TLSv1.2\n", "smtp/inet",
     "min_tls_version", ssl.TLSVersion.TLSv1_3),
    ("smtpd_tls_mandatory_protocols = >=TLSv1.3\n", "smtp/inet", "min_tls_version",
     ssl.TLSVersion.TLSv1_2),  # mandatory protocols apply at encrypt only
    ("smtpd_tls_mandatory_protocols = >=TLSv1.3\n", "submission/inet", "min_tls_version",
     ssl.TLSVersion.TLSv1_3),
    ("smtpd_tls_protocols = <=TLSv1.2\n", "smtp/inet", "max_tls_version",
     ssl.TLSVersion.TLSv1_2),
    ("smtpd_tls_mandatory_ciphers = high\n", "submission/inet", "tls_ciphers", "high"),
    ("smtpd_tls_loglevel = 1\n", "smtp/inet", "tls_loglevel", 1),
    ("smtpd_tls_received_header = yes\n", "smtp/inet", "tls_received_header", True),
    ("", "smtp/inet", "hostname", "mail.sandbox.test"),
    ("", "smtp/inet", "local_domains", ("mail.sandbox.test", "localhost.sandbox.test",
                                         "localhost")),
    ("mynetworks = 192.0.2.0/24, [::1]/128\n", "smtp/inet", "mynetworks",
     ("192.0.2.0/24", "::1/128")),
    ("", "smtp/inet", "relay_restrictions",
     ("permit_mynetworks", "permit_sasl_authenticated", "defer_unauth_destination")),
    ("smtpd_relay_restrictions = permit_sasl_authenticated reject_unauth_destination\n",
     "smtp/inet", "relay_restrictions",
     ("permit_sasl_authenticated", "reject_unauth_destination")),
    ("smtpd_use_tls = yes\nsmtpd_tls_security_level =\n", "smtp/inet", "tls_level", "may"),
    ("smtpd_enforce_tls = yes\nsmtpd_tls_security_level =\n", "smtp/inet", "tls_level",
     "encrypt"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "service", "field", "value"), POLICY_CASES)
def test_l7_each_parameter_lands_in_the_services_policy(
    tmp_path: Path, extra: str, service: str, field: str, value: object
) -> None:
    enactment = plan(tmp_path, TLS_MAIN + extra, MASTER)
    listener = next(x for x in enactment.listeners if x.service.key == service)
    assert getattr(listener.policy, field) == value


def test_l7_each_smtpd_service_is_a_listener_with_its_port(tmp_path: Path) -> None:
    enactment = plan(tmp_path, TLS_MAIN, MASTER + "pickup unix n - y 60 1 pickup\n")
    assert [(x.service.key, x.port) for x in enactment.listeners] == [
        ("smtp/inet", 25), ("submission/inet", 587), ("smtps/inet", 465)
    ]  # fmt: skip
    chain = enactment.listeners[0].chain
    assert chain is not None
    assert (chain.key_file, chain.cert_file) == (tmp_path / "server.key", tmp_path / "chain.pem")


CONFIG_ERRORS = [
    ("smtpd_tls_security_level = always\n", "main.cf", 6, "invalid smtpd_tls_security_level"),
    ("smtpd_tls_auth_only = maybe\n", "main.cf", 6, "bad boolean configuration"),
    ("message_size_limit = big\n", "main.cf", 6, "bad numerical configuration"),
    ("smtpd_tls_protocols = >=TLSv2\n", "main.cf", 6, "unknown protocol 'TLSv2'"),
    ("smtpd_tls_protocols = <=TLSv1.1\n", "main.cf", 6, "only TLS below 1.2"),
    ("smtpd_tls_chain_files = /etc/ssl/private/key.pem, chain.pem\n", "main.cf", 6,
     "outside the lab's folder"),
    ("smtpd_tls_chain_files = ../server.key, chain.pem\n", "main.cf", 6,
     "outside the lab's folder"),
    ("smtpd_tls_chain_files =\nsmtpd_tls_cert_file = chain.pem\n"
     "smtpd_tls_key_file = /root/x.key\n", "main.cf", 8,
     "outside the lab's folder"),
    ("smtpd_relay_restrictions = permit_mynetworks\n", "main.cf", 6,
     "specify at least one working instance of: reject_unauth_destination"),
    ("smtpd_tls_chain_files =\n", "master.cf", 3, "No server certs available"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "file", "line", "what"), CONFIG_ERRORS)
def test_l8_a_value_postfix_refuses_is_an_error_at_its_line(
    tmp_path: Path, extra: str, file: str, line: int, what: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        plan(tmp_path, TLS_MAIN + extra, MASTER)
    assert (Path(caught.value.path).name, caught.value.line) == (file, line)
    assert what in caught.value.what


def test_l8_a_key_path_through_a_link_out_of_the_lab_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "real.key").write_text("not a key")
    lab = tmp_path / "lab"
    ensure_lab_keys(lab)
    (lab / "sneaky.key").symlink_to(outside / "real.key")
    with pytest.raises(ConfigError, match="outside the lab's folder") as caught:
        plan(lab, TLS_MAIN + "smtpd_tls_chain_files = sneaky.key, chain.pem\n")
    assert caught.value.line == 6


def test_l8_an_override_in_master_cf_is_placed_in_master_cf(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        plan(tmp_path, TLS_MAIN, "smtp inet n - y - - smtpd\n  -o smtpd_tls_wrappermode=1\n")
    assert (Path(caught.value.path).name, caught.value.line) == ("master.cf", 2)


# --- L9-L13: what the listeners answer ----------------------------------------------------------


async def test_l9_encrypt_on_submission_530_then_mail_after_starttls(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    enactment = plan(tmp_path, TLS_MAIN, MASTER)
    server = await serve(start_server, enactment, "submission/inet")
    wire = await connect(server)
    ehlo = await wire.cmd("EHLO client.test")
    assert "STARTTLS" in ehlo and "AUTH" not in ehlo  # smtpd_tls_auth_only
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("530 5.7.0 ")
    assert "AUTH PLAIN LOGIN" in await wire.upgrade(
        trusting(tmp_path)  # the chain verifies up to the lab's root, for mail.sandbox.test
    ) or "AUTH LOGIN PLAIN" in await wire.cmd("EHLO client.test")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert (await wire.cmd("RCPT TO:<b@mail.sandbox.test>")).startswith("250")
    assert (await wire.cmd("DATA")).startswith("354")
    assert (await wire.cmd("Subject: hi\r\n\r\nhello\r\n.")).startswith("250 2.0.0 Ok: queued")


@pytest.mark.parametrize(
    ("chain", "missing"),
    [("other.key, chain.pem", False), ("server.key, wrong-order.pem", False),
     ("missing.key, chain.pem", True)],
)  # fmt: skip
async def test_l10_a_key_that_cannot_be_used_answers_starttls_454(
    tmp_path: Path, start_server: Start, connect: Connect, chain: str, missing: bool
) -> None:
    enactment = plan(tmp_path, TLS_MAIN + f"smtpd_tls_chain_files = {chain}\n")
    server = await serve(start_server, enactment)
    problem = server.tls_problem  # the fact a Postfix log line is made from
    assert problem is not None and problem.missing is missing
    assert problem.chain.named == tuple(chain.split(", ")) and problem.chain.chain_files
    wire = await connect(server)
    assert "STARTTLS" in await wire.cmd("EHLO client.test")  # still offered, as Postfix does
    assert await wire.cmd("STARTTLS") == "454 4.7.0 TLS not available due to local problem"
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")


async def test_l10_the_right_chain_in_other_forms_loads(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    for extra in (
        "smtpd_tls_chain_files = server-chain.pem\n",
        "smtpd_tls_chain_files = server.key, server.pem, intermediate.pem\n",
        "smtpd_tls_cert_file = chain.pem\nsmtpd_tls_key_file = server.key\n",
    ):
        server = await serve(start_server, plan(tmp_path, TLS_MAIN + extra))
        assert server.tls_problem is None, extra
        wire = await connect(server)
        assert "250" in await wire.upgrade(trusting(tmp_path)), extra


async def test_l11_helo_required_answers_503_as_postfix(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    required = await serve(start_server, plan(tmp_path, TLS_MAIN + "smtpd_helo_required = yes\n"))
    wire = await connect(required)
    assert await wire.cmd("MAIL FROM:<a@sandbox.test>") == "503 5.5.1 Error: send HELO/EHLO first"
    assert (await wire.cmd("HELO client.test")).startswith("250")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    relaxed = await serve(start_server, plan(tmp_path, TLS_MAIN))
    wire = await connect(relaxed)
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")  # Postfix's default


async def test_l11_without_sasl_no_auth_is_offered(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    server = await serve(start_server, plan(tmp_path, TLS_MAIN + "smtpd_sasl_auth_enable = no\n"))
    wire = await connect(server)
    assert "AUTH" not in await wire.upgrade(trusting(tmp_path))
    assert await wire.cmd("AUTH PLAIN AGRlbW8AZGVtbw==") == (
        "503 5.5.1 Error: authentication not enabled"
    )


RELAY_CASES = [
    # (main.cf lines, RCPT address, reply)
    ("mynetworks = 192.0.2.0/24\nsmtpd_relay_restrictions = permit_mynetworks, "
     "reject_unauth_destination\n", "x@example.org",
     "554 5.7.1 <x@example.org>: Relay access denied"),
    ("mynetworks = 192.0.2.0/24\n", "x@example.org",
     "454 4.7.1 <x@example.org>: Relay access denied"),
    ("mynetworks = 192.0.2.0/24\n", "x@mail.sandbox.test", "250 2.1.5 Ok"),
    ("mynetworks = 127.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, "
     "reject_unauth_destination\n", "x@example.org", "250 2.1.5 Ok"),
    ("mynetworks = 192.0.2.0/24\nrelay_domains = partner.test\n", "x@partner.test",
     "250 2.1.5 Ok"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "rcpt", "reply"), RELAY_CASES)
async def test_l12_relay_restrictions_as_postfix_decides_them(
    tmp_path: Path, start_server: Start, connect: Connect, extra: str, rcpt: str, reply: str
) -> None:
    server = await serve(start_server, plan(tmp_path, TLS_MAIN + extra))
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("MAIL FROM:<a@sandbox.test>")).startswith("250")
    assert await wire.cmd(f"RCPT TO:<{rcpt}>") == reply


async def test_l12_recipient_limit_answers_452(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    server = await serve(start_server, plan(tmp_path, TLS_MAIN + "smtpd_recipient_limit = 2\n"))
    wire = await connect(server)
    await wire.cmd("EHLO client.test")
    await wire.cmd("MAIL FROM:<a@sandbox.test>")
    assert (await wire.cmd("RCPT TO:<b@mail.sandbox.test>")).startswith("250")
    assert (await wire.cmd("RCPT TO:<c@mail.sandbox.test>")).startswith("250")
    assert await wire.cmd("RCPT TO:<d@mail.sandbox.test>") == "452 4.5.3 Error: too many recipients"


async def test_l13_wrapper_mode_speaks_tls_from_the_first_byte(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    server = await serve(start_server, plan(tmp_path, TLS_MAIN, MASTER), "smtps/inet")
    wire = await connect(server, tls=trusting(tmp_path), server_hostname="mail.sandbox.test")
    assert "STARTTLS" not in await wire.cmd("EHLO client.test")


async def test_l13_a_tls_13_floor_refuses_a_tls_12_client(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    main = TLS_MAIN + "smtpd_tls_mandatory_protocols = >=TLSv1.3\n"
    server = await serve(start_server, plan(tmp_path, main, MASTER), "submission/inet")
    old = trusting(tmp_path)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    wire = await connect(server)
    assert (await wire.cmd("EHLO client.test")).startswith("250")
    assert (await wire.cmd("STARTTLS")).startswith("220")
    with pytest.raises(ssl.SSLError):
        await wire.starttls(old, server_hostname="mail.sandbox.test")
    wire = await connect(server)
    ehlo = await wire.upgrade(trusting(tmp_path))
    assert ehlo.startswith("250")
    version = wire.writer.get_extra_info("ssl_object").version()
    assert version == "TLSv1.3"


# --- L17: the client side ------------------------------------------------------------------------

POLICY_MAP = """\
# destination        level
partner.test         encrypt
.partner.test        verify
[mx.other.test]:25   secure   match=nexthop
"""


def test_l17_client_level_ca_file_and_policy_map(tmp_path: Path) -> None:
    (tmp_path / "tls_policy").write_text(POLICY_MAP)
    client = plan(
        tmp_path,
        TLS_MAIN + "smtp_tls_security_level = may\nsmtp_tls_CAfile = root.pem\n"
        "smtp_tls_policy_maps = hash:tls_policy, inline:{ solo.test=none }\n",
    ).client
    assert client.ca_file == tmp_path / "root.pem"
    assert [client.level_for(d) for d in ("example.test", "partner.test", "a.b.partner.test")] == [
        "may", "encrypt", "verify"
    ]  # fmt: skip
    assert client.level_for("other.test", next_hop="mx.other.test") == "secure"
    assert client.level_for("solo.test") == "none"
    entry = client.entry_for("x.partner.test")
    assert entry is not None and (Path(entry.path).name, entry.line) == ("tls_policy", 3)


def test_l17_client_level_defaults_and_the_obsolete_pair(tmp_path: Path) -> None:
    assert plan(tmp_path, TLS_MAIN).client.level == "none"  # Postfix's default is empty: none
    assert plan(tmp_path, TLS_MAIN + "smtp_use_tls = yes\n").client.level == "may"
    assert plan(tmp_path, TLS_MAIN + "smtp_enforce_tls = yes\n").client.level == "encrypt"


CLIENT_ERRORS = [
    ("smtp_tls_security_level = dane\n", "main.cf", 6, "not simulated"),
    ("smtp_tls_security_level = strict\n", "main.cf", 6, "invalid smtp_tls_security_level"),
    ("smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n", "main.cf", 6, "outside the lab"),
    ("smtp_tls_policy_maps = hash:/etc/postfix/tls_policy\n", "main.cf", 6, "outside the lab"),
    ("smtp_tls_policy_maps = tls_policy\n", "main.cf", 6, "a table is type:name"),
    ("smtp_tls_policy_maps = mysql:tls\n", "main.cf", 6, "not simulated"),
    ("smtp_tls_policy_maps = hash:missing\n", "main.cf", 6, "cannot read the policy map"),
    ("smtp_tls_policy_maps = hash:bad_policy\n", "bad_policy", 2, "invalid smtp_tls_security"),
    ("smtp_tls_policy_maps = hash:bad_policy\n", "bad_policy", 3, "needs a TLS level"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "file", "line", "what"), CLIENT_ERRORS)
def test_l17_client_errors_name_file_and_line(
    tmp_path: Path, extra: str, file: str, line: int, what: str
) -> None:
    bad = "ok.test may\nbad.test sometimes\n" if line == 2 else "ok.test may\n\nlonely.test\n"
    (tmp_path / "bad_policy").write_text(bad)
    with pytest.raises(ConfigError) as caught:
        plan(tmp_path, TLS_MAIN + extra)
    assert (Path(caught.value.path).name, caught.value.line) == (file, line)
    assert what in caught.value.what


@pytest.mark.parametrize(("setting", "shown"), [("yes", True), ("no", False)])
async def test_l7_tls_received_header_names_the_cipher_only_when_asked(
    tmp_path: Path, start_server: Start, connect: Connect, setting: str, shown: bool
) -> None:
    enactment = plan(tmp_path, TLS_MAIN + f"smtpd_tls_received_header = {setting}\n")
    listener = enactment.listeners[0]
    server = await start_server(listener.policy, chain=listener.chain, maildir=tmp_path / "mail")
    wire = await connect(server)
    await wire.upgrade(trusting(tmp_path))
    await wire.cmd("MAIL FROM:<a@sandbox.test>")
    await wire.cmd("RCPT TO:<b@mail.sandbox.test>")
    await wire.cmd("DATA")
    assert (await wire.cmd("Subject: hi\r\n\r\nhello\r\n.")).startswith("250")
    [saved] = (tmp_path / "mail" / "new").iterdir()
    header = saved.read_bytes().split(b"\r\n\r\n")[0]
    assert b"with ESMTPS id" in header
    assert (b"(using TLSv1.3 with cipher" in header) is shown


async def test_l10_wrapper_mode_without_a_usable_key_closes_at_once(
    tmp_path: Path, start_server: Start
) -> None:
    import asyncio

    main = TLS_MAIN + "smtpd_tls_chain_files = other.key, chain.pem\n"
    server = await serve(start_server, plan(tmp_path, main, MASTER), "smtps/inet")
    reader, writer = await asyncio.open_connection(server.host, server.port)
    try:
        assert await asyncio.wait_for(reader.read(), 15) == b""  # no greeting, no TLS: closed
    finally:
        writer.close()


def test_l7_may_without_certificates_offers_no_starttls(tmp_path: Path) -> None:
    enactment = plan(tmp_path, "myhostname = mail.sandbox.test\nsmtpd_tls_security_level = may\n")
    [listener] = enactment.listeners
    assert listener.policy.tls_level == "none" and listener.chain is None
    assert any("No server certs available" in n.what for n in enactment.notes)


def test_l8_a_bad_myhostname_is_placed_where_it_is_set(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        plan(tmp_path, TLS_MAIN, "smtp inet n - y - - smtpd\n  -o myhostname=bad_host!\n")
    assert (Path(caught.value.path).name, caught.value.line) == ("master.cf", 2)
    assert "is not a host name" in caught.value.what


async def test_l11_at_encrypt_auth_is_offered_only_inside_tls(
    tmp_path: Path, start_server: Start, connect: Connect
) -> None:
    enactment = plan(tmp_path, TLS_MAIN + "smtpd_tls_auth_only = no\n", MASTER)
    server = await serve(start_server, enactment, "submission/inet")
    wire = await connect(server)
    assert "AUTH" not in await wire.cmd("EHLO client.test")  # as Postfix at level encrypt
    assert "AUTH" in await wire.upgrade(trusting(tmp_path))
    smtp = await serve(start_server, enactment, "smtp/inet")  # may: auth_only = no offers it
    wire = await connect(smtp)
    assert "AUTH" in await wire.cmd("EHLO client.test")
