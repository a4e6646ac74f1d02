"""A lab session as a pcapng capture Wireshark decrypts by itself: the pcapng format
(`pcapng`), IPv4 and TCP headers (`packets`), one synthesized TCP connection (`tcp`), both legs of
the wire tap from the session's `WireChunk` events (`legs`), and the private files (`write`)."""
