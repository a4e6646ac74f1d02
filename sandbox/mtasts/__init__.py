"""MTA-STS (RFC 8461): policies and their TXT record read and checked, and the lab's HTTPS policy
server on loopback."""
