"""A lab session as a pcapng capture Wireshark decrypts by itself: the pcapng format
(`pcapng`), IPv4 and TCP headers (`packets`), one synthesized TCP connection (`tcp`), the
session's connections from its `WireChunk` events (`legs`: one connection where the server's own
socket was watched, both legs of the wire tap where the bytes were relayed), and the private
files (`write`)."""
