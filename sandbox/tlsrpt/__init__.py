"""TLS-RPT (RFC 8460): reports of failed TLS deliveries, in the RFC's JSON."""
