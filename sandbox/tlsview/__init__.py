"""Seeing inside TLS: the learner's own session decrypted with its own secrets, and annotated."""
