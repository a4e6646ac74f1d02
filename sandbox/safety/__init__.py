"""The safety rails every part of the sandbox uses: terminal-safe text, private files written
atomically, loopback-only addresses."""
