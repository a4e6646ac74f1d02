"""The wire tap: a loopback relay that shows what an eavesdropper sees, decodes TLS records and lets
a lab tamper."""
