"""The sandbox: a real SMTP server, client and wire tap on loopback. Never imports `tutor` or `textual`."""
