"""DANE for SMTP (RFC 7672): TLSA records computed from a certificate, read, matched and rolled
over."""
