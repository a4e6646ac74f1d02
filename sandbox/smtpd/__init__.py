"""The sandbox mail server: aiosmtpd's SMTP with the fixes it needs, its policy, mailbox and demo
accounts."""
