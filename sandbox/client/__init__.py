"""The tutor's own step-by-step SMTP client: its wire format, connection, TLS policy and reply
parser."""
