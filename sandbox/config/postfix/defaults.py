"""Postfix's defaults for the parameters the sandbox enacts or that values commonly name.

From `postconf -d` of Postfix 3.7 with `compatibility_level = 3.6` (what a new install writes),
except `myhostname`: Postfix asks the machine for its name, the sandbox never does (E5) and uses
its own. `mydomain` is computed from `myhostname` as Postfix computes it (`expand.py`).
"""

from __future__ import annotations

SANDBOX_HOSTNAME = "sandbox.test"

DEFAULTS: dict[str, str] = {
    "compatibility_level": "3.6",
    "myhostname": SANDBOX_HOSTNAME,
    "myorigin": "$myhostname",
    "mydestination": "$myhostname, localhost.$mydomain, localhost",
    "mynetworks_style": "host",
    "mynetworks": "127.0.0.0/8 [::1]/128",
    "relay_domains": "",
    "mail_name": "Postfix",
    "smtpd_banner": "$myhostname ESMTP $mail_name",
    "message_size_limit": "10240000",
    "smtpd_recipient_limit": "1000",
    "smtpd_helo_required": "no",
    "smtpd_hard_error_limit": "20",
    "smtpd_client_connection_count_limit": "50",
    "smtpd_timeout": "300s",
    "smtpd_relay_restrictions": (
        "permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination"
    ),
    "smtpd_recipient_restrictions": "",
    "relay_domains_reject_code": "554",
    "smtpd_sasl_auth_enable": "no",
    "smtpd_tls_security_level": "",
    "smtpd_use_tls": "no",
    "smtpd_enforce_tls": "no",
    "smtpd_tls_auth_only": "no",
    "smtpd_tls_wrappermode": "no",
    "smtpd_tls_protocols": ">=TLSv1",
    "smtpd_tls_mandatory_protocols": ">=TLSv1",
    "smtpd_tls_ciphers": "medium",
    "smtpd_tls_mandatory_ciphers": "medium",
    "smtpd_tls_exclude_ciphers": "",
    "smtpd_tls_loglevel": "0",
    "smtpd_tls_received_header": "no",
    "smtpd_tls_chain_files": "",
    "smtpd_tls_cert_file": "",
    "smtpd_tls_key_file": "$smtpd_tls_cert_file",
    "smtp_tls_security_level": "",
    "smtp_use_tls": "no",
    "smtp_enforce_tls": "no",
    "smtp_tls_CAfile": "",
    "smtp_tls_policy_maps": "",
    "smtp_tls_protocols": ">=TLSv1",
    "smtp_tls_mandatory_protocols": ">=TLSv1",
    "smtp_tls_verify_cert_match": "hostname",
    "smtp_tls_secure_cert_match": "nexthop, dot-nexthop",
}
"""Name -> default raw value (expanded like any other value)."""
