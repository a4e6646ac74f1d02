"""One TCP connection, synthesized: the three-way handshake, data in segments of at most MSS
bytes each acknowledged, and the FIN close, with sequence and acknowledgement numbers as a real
stack would count them (RFC 9293: SYN and FIN each take one number, everything modulo 2**32).

The tap's bytes say what crossed, not how the kernel cut it into segments, so a `TcpFlow` cuts
each chunk at MSS and has the receiver acknowledge it at once: a capture any reader follows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.capture.packets import ACK, FIN, MSS, PSH, SYN, frame, ipv4_packet, tcp_segment
from sandbox.capture.pcapng import LinkType, Packet


@dataclass(slots=True)
class Clock:
    """Packet times in microseconds, strictly increasing: a packet made "at" an earlier time
    than the last one goes one microsecond after it, so the file reads in order."""

    last_us: int = -1

    def at(self, ts_us: int) -> int:
        self.last_us = max(self.last_us + 1, ts_us)
        return self.last_us


@dataclass(slots=True)
class _End:
    address: tuple[str, int]
    seq: int  # the next sequence number this end sends
    ident: int = 0  # IPv4 identification, counted per sender


@dataclass(slots=True)
class TcpFlow:
    """A connection from `client` (the end that opens it) to `server`; each method returns the
    packets it makes, timed by the shared `clock` from `ts_us` on."""

    client: tuple[str, int]
    server: tuple[str, int]
    clock: Clock
    link: LinkType = LinkType.RAW
    client_isn: int = 0
    server_isn: int = 0
    mss: int = MSS
    _ends: dict[bool, _End] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 < self.mss <= 65495:
            raise ValueError(f"MSS must be 1-65495 bytes, not {self.mss}")
        self._ends = {
            True: _End(self.client, self.client_isn),
            False: _End(self.server, self.server_isn),
        }

    def _packet(
        self, from_client: bool, ts_us: int, flags: int, payload: bytes = b"", *, syn_mss: bool
    ) -> Packet:
        me, peer = self._ends[from_client], self._ends[not from_client]
        segment = tcp_segment(
            me.address,
            peer.address,
            seq=me.seq,
            ack=peer.seq,
            flags=flags,
            payload=payload,
            mss=self.mss if syn_mss else None,
        )
        me.seq += len(payload) + (1 if flags & (SYN | FIN) else 0)
        ip = ipv4_packet(me.address[0], peer.address[0], segment, me.ident)
        me.ident += 1
        return Packet(self.clock.at(ts_us), frame(self.link, me.address[0], peer.address[0], ip))

    def open(self, ts_us: int) -> list[Packet]:
        """SYN, SYN-ACK, ACK; both SYNs announce the MSS."""
        return [
            self._packet(True, ts_us, SYN, syn_mss=True),
            self._packet(False, ts_us, SYN | ACK, syn_mss=True),
            self._packet(True, ts_us, ACK, syn_mss=False),
        ]

    def send(self, from_client: bool, data: bytes, ts_us: int) -> list[Packet]:
        """`data` in segments of at most MSS bytes (PSH on the last), then the other end's ACK."""
        if not data:
            return []
        cuts = range(0, len(data), self.mss)
        packets = [
            self._packet(
                from_client,
                ts_us,
                ACK | (PSH if at + self.mss >= len(data) else 0),
                data[at : at + self.mss],
                syn_mss=False,
            )
            for at in cuts
        ]
        packets.append(self._packet(not from_client, ts_us, ACK, syn_mss=False))
        return packets

    def close(self, ts_us: int, *, client_first: bool = True) -> list[Packet]:
        """FIN from one end, the other's ACK, its own FIN, and the last ACK."""
        first = client_first
        return [
            self._packet(first, ts_us, FIN | ACK, syn_mss=False),
            self._packet(not first, ts_us, ACK, syn_mss=False),
            self._packet(not first, ts_us, FIN | ACK, syn_mss=False),
            self._packet(first, ts_us, ACK, syn_mss=False),
        ]

    def next_seq(self, from_client: bool) -> int:
        """The next sequence number an end sends, modulo 2**32 as the wire carries it."""
        return self._ends[from_client].seq % 2**32
