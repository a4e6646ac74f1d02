"""The sandbox: a real SMTP server, client and wire tap on loopback.

It never imports `tutor` or `textual`.
"""
