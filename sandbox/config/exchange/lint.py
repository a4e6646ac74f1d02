"""`smtp-tutor exchange check`: what is wrong with connectors that Exchange itself accepts.

Each check is one function over the connectors, giving `Finding`s with their words in English
and Japanese (properties.md L45). `CHECKS` is the one list of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from sandbox.config.exchange.model import ExchangeConfig, ReceiveConnector, SendConnector
from sandbox.config.findings import Finding, Level, Words

_THUMBPRINT = re.compile(r"(?:[0-9A-Fa-f]{2}[ :]?){19}[0-9A-Fa-f]{2}")
_ISSUER_SUBJECT = re.compile(r"<I>.+<S>.+", re.DOTALL)

Check = Callable[[ExchangeConfig], Iterator[Finding]]


def _finding(key: str, level: Level, path: str, line: int, en: Words, ja: Words) -> Finding:
    return Finding(key, level, path, max(line, 1), {"en": en, "ja": ja})


def certificate_name(config: ExchangeConfig) -> Iterator[Finding]:
    connectors: list[ReceiveConnector | SendConnector] = [*config.receive, *config.send]
    for c in connectors:
        value = c.tls_certificate_name
        if not value or _ISSUER_SUBJECT.fullmatch(value):
            continue
        line = c.line_of("TlsCertificateName")
        if _THUMBPRINT.fullmatch(value.strip()):
            yield _finding(
                "certificate-thumbprint",
                Level.ERROR,
                config.path,
                line,
                Words(
                    f"-TlsCertificateName of '{c.name}' is a thumbprint",
                    "Exchange looks the certificate up by issuer and subject; a thumbprint names "
                    "none, so STARTTLS is offered with another certificate or not at all.",
                    "Write '<I>' + the issuer + '<S>' + the subject, as "
                    '$c = Get-ExchangeCertificate THUMBPRINT; "<I>$($c.Issuer)<S>$($c.Subject)" '
                    "prints it.",
                ),
                Words(
                    f"'{c.name}' の -TlsCertificateName が拇印 (thumbprint) になっている",
                    "Exchange は証明書を発行者とサブジェクトで探す。拇印では見つからず、"
                    "STARTTLS が別の証明書で提供されるか、提供されなくなる。",
                    "'<I>' + 発行者 + '<S>' + サブジェクト の形で書く。"
                    "Get-ExchangeCertificate の Issuer と Subject から作れる。",
                ),
            )
        else:
            yield _finding(
                "certificate-name-form",
                Level.WARNING,
                config.path,
                line,
                Words(
                    f"-TlsCertificateName of '{c.name}' is not in the <I>issuer<S>subject form",
                    "Exchange matches this value against its certificates by issuer and "
                    "subject; another form matches none.",
                    "Write it as <I>CN=Issuing CA, O=...<S>CN=mail.example.com.",
                ),
                Words(
                    f"'{c.name}' の -TlsCertificateName が <I>発行者<S>サブジェクト の形でない",
                    "Exchange はこの値を発行者とサブジェクトで証明書と照合する。"
                    "ほかの形ではどれにも一致しない。",
                    "<I>CN=発行CA, O=...<S>CN=mail.example.com の形で書く。",
                ),
            )


def _public_port_25(c: ReceiveConnector) -> bool:
    return c.anonymous and c.open_to_world and any(b.port == 25 for b in c.bindings)


def require_tls_public(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.receive:
        if c.require_tls and _public_port_25(c):
            yield _finding(
                "require-tls-internet",
                Level.ERROR,
                config.path,
                c.line_of("RequireTLS"),
                Words(
                    f"-RequireTLS $true on '{c.name}', the connector the internet sends to",
                    "Servers that cannot do TLS get '451 5.7.3 STARTTLS is required to send "
                    "mail' and your mail from them is delayed, then bounced; RFC 3207 says a "
                    "public MX must not require STARTTLS.",
                    "Keep -RequireTLS $false here; require TLS per partner on a connector "
                    "limited to their addresses (-RemoteIPRanges), or on the send side.",
                ),
                Words(
                    f"インターネットから受ける '{c.name}' に -RequireTLS $true",
                    "TLS を使えないサーバーは '451 5.7.3 STARTTLS is required to send mail' "
                    "を受け、そこからのメールは遅れ、やがて戻される。RFC 3207 は公開 MX が "
                    "STARTTLS を必須にしてはならないとしている。",
                    "ここは -RequireTLS $false のままにし、TLS の必須化は相手先の "
                    "-RemoteIPRanges に限ったコネクタか、送信側で行う。",
                ),
            )


def require_tls_without_tls(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.receive:
        if c.require_tls and "Tls" not in c.auth_mechanism:
            yield _finding(
                "require-tls-without-tls",
                Level.ERROR,
                config.path,
                c.line_of("RequireTLS"),
                Words(
                    f"'{c.name}' requires TLS but has no Tls in -AuthMechanism",
                    "Without Tls the connector never offers STARTTLS, so no sender can meet "
                    "the requirement: every message is refused.",
                    f"Add Tls: Set-ReceiveConnector '{c.name}' -AuthMechanism Tls, ... (keep "
                    "the others you need).",
                ),
                Words(
                    f"'{c.name}' は TLS を必須にしているが -AuthMechanism に Tls がない",
                    "Tls がないと STARTTLS を提示しないので、どの送信者も条件を満たせず、"
                    "すべてのメールが拒否される。",
                    "-AuthMechanism に Tls を加える (必要なほかの値も残す)。",
                ),
            )


def domain_validation(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.send:
        if c.tls_auth_level == "DomainValidation" and not c.tls_domain:
            yield _finding(
                "domain-validation-without-domain",
                Level.WARNING,
                config.path,
                c.line_of("TlsAuthLevel"),
                Words(
                    f"'{c.name}' uses DomainValidation without -TlsDomain",
                    "The certificate is then checked against each recipient domain; for an "
                    "address space such as * that is every domain on the internet, and most "
                    "will fail.",
                    "Name the host or domain the certificate must carry: -TlsDomain "
                    "mail.partner.example.",
                ),
                Words(
                    f"'{c.name}' が -TlsDomain なしで DomainValidation を使っている",
                    "証明書は宛先ドメインごとに照合される。* のようなアドレス空間では"
                    "インターネット上のすべてのドメインが対象になり、多くが失敗する。",
                    "証明書が持つべきホスト名かドメインを -TlsDomain で指定する。",
                ),
            )
        if c.tls_auth_level is not None and not c.require_tls:
            yield _finding(
                "tls-auth-level-without-require-tls",
                Level.WARNING,
                config.path,
                c.line_of("TlsAuthLevel"),
                Words(
                    f"-TlsAuthLevel on '{c.name}' without -RequireTLS $true",
                    "The level applies only when TLS is required; as it is, the connector sends "
                    "in plaintext when the other side offers no TLS, and checks nothing.",
                    "Add -RequireTLS $true, or remove -TlsAuthLevel.",
                ),
                Words(
                    f"'{c.name}' に -RequireTLS $true なしの -TlsAuthLevel",
                    "このレベルは TLS 必須のときだけ効く。今のままでは相手が TLS を"
                    "提示しなければ平文で送り、何も検証しない。",
                    "-RequireTLS $true を加えるか、-TlsAuthLevel を外す。",
                ),
            )


def partner_usage(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.receive:
        if "Partners" in c.permission_groups and not c.anonymous:
            yield _finding(
                "partner-needs-mutual-tls",
                Level.WARNING,
                config.path,
                c.line_of("Usage") if "Usage" in c.lines else c.line_of("PermissionGroups"),
                Words(
                    f"'{c.name}' admits only Partners: mutual TLS (Domain Security)",
                    "Partners are senders that present a certificate for a domain in "
                    "TLSReceiveDomainSecureList; a partner that only does STARTTLS is anonymous "
                    "and gets '530 5.7.1 Client was not authenticated'.",
                    "For a STARTTLS-only partner use -Usage Custom -PermissionGroups "
                    "AnonymousUsers -RequireTLS $true, limited to its -RemoteIPRanges.",
                ),
                Words(
                    f"'{c.name}' は Partners だけを受け付ける (相互 TLS、ドメイン セキュリティ)",
                    "Partners とは TLSReceiveDomainSecureList のドメインの証明書を提示する"
                    "送信者のこと。STARTTLS しかしない相手は匿名扱いになり、"
                    "'530 5.7.1 Client was not authenticated' を受ける。",
                    "STARTTLS だけの相手には -Usage Custom -PermissionGroups AnonymousUsers "
                    "-RequireTLS $true を、その相手の -RemoteIPRanges に限って使う。",
                ),
            )


def open_relay(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.receive:
        if c.relays_for_anyone and c.open_to_world:
            what = (
                "ExternalAuthoritative"
                if "ExternalAuthoritative" in c.auth_mechanism
                else "Ms-Exch-SMTP-Accept-Any-Recipient for ANONYMOUS LOGON"
            )
            line = c.line_of("anonymous_relay") if c.anonymous_relay else c.line_of("AuthMechanism")
            yield _finding(
                "open-relay",
                Level.ERROR,
                config.path,
                line,
                Words(
                    f"'{c.name}' is an open relay: {what}, open to every address",
                    "Anyone on the internet can send mail through it to any domain; spammers "
                    "find such servers within hours and your address lands on block lists.",
                    "Limit -RemoteIPRanges to the devices that must relay (e.g. 192.0.2.10), "
                    "and keep the Default Frontend connector for the internet.",
                ),
                Words(
                    f"'{c.name}' はオープン リレー: {what} をすべてのアドレスに許している",
                    "インターネットの誰でも、どのドメイン宛てにも中継できる。スパム業者は"
                    "数時間で見つけ、アドレスはブロックリストに載る。",
                    "-RemoteIPRanges を中継が必要な機器 (例 192.0.2.10) に限り、"
                    "インターネット向けは Default Frontend コネクタに任せる。",
                ),
            )


def basic_auth_in_clear(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.receive:
        if "BasicAuth" in c.auth_mechanism and "BasicAuthRequireTLS" not in c.auth_mechanism:
            yield _finding(
                "basic-auth-before-tls",
                Level.WARNING,
                config.path,
                c.line_of("AuthMechanism"),
                Words(
                    f"'{c.name}' offers BasicAuth before TLS",
                    "AUTH LOGIN/PLAIN is offered in the plaintext EHLO; a client that uses it "
                    "sends its password readable to anyone on the path (base64 hides nothing).",
                    "Add BasicAuthRequireTLS to -AuthMechanism (with Tls and BasicAuth).",
                ),
                Words(
                    f"'{c.name}' が TLS の前に BasicAuth を提示している",
                    "平文の EHLO で AUTH LOGIN/PLAIN が提示され、使ったクライアントの"
                    "パスワードは経路上の誰にでも読める (base64 は何も隠さない)。",
                    "-AuthMechanism に BasicAuthRequireTLS を (Tls、BasicAuth と共に) 加える。",
                ),
            )


def hub_on_port_25(config: ExchangeConfig) -> Iterator[Finding]:
    for c in config.receive:
        if c.role == "HubTransport" and any(b.port == 25 for b in c.bindings):
            given = "TransportRole" in c.lines
            how = "" if given else " (no -TransportRole: New-ReceiveConnector made it HubTransport)"
            how_ja = "" if given else " (-TransportRole なしのため HubTransport で作られた)"
            yield _finding(
                "hub-transport-on-port-25",
                Level.ERROR,
                config.path,
                c.line_of("TransportRole") if given else c.line_of("Bindings"),
                Words(
                    f"'{c.name}' binds port 25 in the Transport service{how}",
                    "The Front End Transport service already listens on port 25 (Default "
                    "Frontend); two services on one port means one of them cannot listen, and "
                    "mail flow stops.",
                    "Create it with -TransportRole FrontendTransport, or bind another port.",
                ),
                Words(
                    f"'{c.name}' がトランスポート サービスでポート 25 を使う{how_ja}",
                    "ポート 25 はフロントエンド トランスポート サービス (Default Frontend) が"
                    "すでに待ち受けている。二つのサービスが同じポートを使うと一方が待ち受けられず、"
                    "メールフローが止まる。",
                    "-TransportRole FrontendTransport で作るか、別のポートにする。",
                ),
            )


CHECKS: tuple[Check, ...] = (
    certificate_name,
    require_tls_public,
    require_tls_without_tls,
    domain_validation,
    partner_usage,
    open_relay,
    basic_auth_in_clear,
    hub_on_port_25,
)


def lint(config: ExchangeConfig) -> list[Finding]:
    """Every finding, in the order of their lines."""
    found = [f for check in CHECKS for f in check(config)]
    return sorted(found, key=lambda f: f.line)
