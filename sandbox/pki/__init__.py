"""The sandbox's certificates and TLS contexts: a name-constrained local CA, its leaf, and the
settings both sides use."""
