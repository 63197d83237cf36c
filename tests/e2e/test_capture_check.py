"""The capture check itself (capture.py), on a pcap written here: it must pass well-formed, well-placed
messages and name each wrong one (ctest label interop; needs tshark).
"""
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture as cap  # noqa: E402

OURS = ("127.0.0.1", 1701)
PEER = ("127.0.0.2", 1701)


def avp(kind, value, m=True, length=None):
    return struct.pack("!HHH", (0x8000 if m else 0) | (length or 6 + len(value)), 0, kind) + value


def control(tid, sid, ns, nr, body):
    return struct.pack("!HHHHHH", 0xC802, 12 + len(body), tid, sid, ns, nr) + body


def message(mtype, *avps):
    return avp(0, struct.pack("!H", mtype)) + b"".join(avps)


def udp_ipv4(src, dst, payload):
    udp = struct.pack("!HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(map(int, src[0].split("."))), bytes(map(int, dst[0].split("."))))
    return ip + udp


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
        for i, (src, dst, payload, *at) in enumerate(packets):  # at: the second it was sent
            frame = udp_ipv4(src, dst, payload)
            f.write(struct.pack("<IIII", at[0] if at else 1000 + i, 0, len(frame), len(frame)) + frame)


class Recorded:
    """A finished Capture, as check() takes it."""
    def __init__(self, path):
        self.path = path
    packets = cap.Capture.packets


def run(packets, **kw):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.pcap")
        write_pcap(path, packets)
        return cap.check(Recorded(path), {OURS}, **kw)


def main():
    failures = []
    hello = message(cap.HELLO)
    icrq = message(cap.ICRQ, avp(14, b"\x00\x09"), avp(15, b"\x00\x00\x00\x01"),
                   avp(18, b"\x00\x00\x00\x01"))
    good = [
        (OURS, PEER, control(7, 0, 5, 0, hello)),
        (OURS, PEER, control(7, 0, 5, 0, hello)),  # a retransmission
        (OURS, PEER, control(7, 0, 6, 0, icrq)),
        (OURS, PEER, control(7, 0, 7, 0, b"")),  # a ZLB
        (PEER, OURS, control(3, 0, 99, 0, b"\x00")),  # the peer's datagrams are not judged
    ]
    problems, counts = run(good)
    if problems or counts["retransmissions"] != 1 or counts["ICRQ"] != 1:
        failures.append(f"well-formed traffic: {problems} {dict(counts)}")
    # The peer gives a new tunnel the ID of one closed earlier: our SCCRP, or our SCCCN once its
    # back-off is long over, opens a new stream; copies of them do not.
    reused = [
        (OURS, PEER, control(7, 0, 0, 1, message(cap.SCCRP)), 1000),
        (OURS, PEER, control(7, 0, 0, 1, message(cap.SCCRP)), 1001),  # a retransmission
        (OURS, PEER, control(7, 0, 1, 1, hello), 1002),
        (OURS, PEER, control(7, 0, 0, 1, message(cap.SCCRP)), 1003),  # a new tunnel, ID 7 again
        (OURS, PEER, control(7, 0, 1, 1, icrq), 1004),
        (OURS, PEER, control(8, 0, 1, 1, message(cap.SCCCN)), 1005),
        (OURS, PEER, control(8, 0, 2, 1, hello), 1006),
        (OURS, PEER, control(8, 0, 1, 1, message(cap.SCCCN)), 1007),  # a retransmission
        (OURS, PEER, control(8, 0, 3, 1, hello), 1008),
        (OURS, PEER, control(8, 0, 1, 1, message(cap.SCCCN)), 1009),  # still a retransmission
        (OURS, PEER, control(8, 0, 4, 1, hello), 1010),
        (OURS, PEER, control(8, 0, 1, 1, message(cap.SCCCN)), 1100),  # a new tunnel, ID 8 again
        (OURS, PEER, control(8, 0, 2, 1, icrq), 1101),
        (OURS, PEER, control(9, 0, 1, 1, message(cap.SCCCN)), 1102),
        (OURS, PEER, control(9, 0, 2, 1, hello), 1103),
        (OURS, PEER, control(9, 0, 0, 1, message(cap.SCCRP)), 1104),  # we answer ID 9's new tunnel
        (OURS, PEER, control(9, 0, 1, 1, icrq), 1105),
    ]
    problems, counts = run(reused)
    if problems or counts["retransmissions"] != 3:
        failures.append(f"a peer reusing tunnel IDs: {problems} {dict(counts)}")
    # RFC 4951: a peer recovers our tunnel 7 (its old 3) through recovery tunnel 40; our SCCRP
    # suggests Ns 170 / Nr 300, and our numbering of the old tunnel jumps to 300 once we reset. The
    # same jump elsewhere, with no suggestion behind it, is still wrong.
    recovery = [
        (OURS, PEER, control(3, 0, 12, 0, hello), 1000),
        (OURS, PEER, control(3, 0, 13, 0, hello), 1001),
        (OURS, PEER, control(5, 0, 20, 0, hello), 1001),
        (PEER, OURS, control(0, 0, 0, 0, message(cap.SCCRQ, avp(9, b"\x00\x28"),
                                                   avp(77, struct.pack("!4xH2xH", 3, 7)))), 1002),
        (OURS, PEER, control(40, 0, 0, 1, message(cap.SCCRP, avp(9, b"\x00\x29"),
                                                   avp(78, struct.pack("!2xHH", 170, 300), m=False))),
         1003),
        (OURS, PEER, control(3, 0, 14, 0, hello), 1004),  # before our reset: the old numbering
        (OURS, PEER, control(3, 0, 300, 170, hello), 1005),  # the reset
        (OURS, PEER, control(3, 0, 301, 171, hello), 1006),
        (OURS, PEER, control(5, 0, 300, 0, hello), 1007),  # no reset here: Ns 21 was due
    ]
    problems, _ = run(recovery)
    if problems != ["frame 9 (HELLO tid=5 sid=0 Ns=300): Ns 300 where 21 was due"]:
        failures.append(f"an RFC 4951 reset: {problems}")
    bad = good[:3] + [
        (OURS, PEER, control(7, 0, 9, 0, hello)),  # Ns 7 was due
        (OURS, PEER, control(7, 0, 6, 0, message(cap.CDN, avp(1, b"\x00\x03"), avp(14, b"\x00\x09")))),
        (OURS, PEER, control(7, 0, 10, 0, message(cap.FSQ, avp(79, b"\x00" * 4, m=False)))),
        (OURS, PEER, control(7, 0, 11, 0, hello + avp(8, b"", length=60))),  # AVP past the end
        (OURS, PEER, control(9, 4, 0, 0, message(cap.SCCRQ))),  # SCCRQ on a live tunnel
    ]
    problems, _ = run(bad, capable_peers=False)
    text = "\n".join(problems)
    for expected in ("Ns 9 where 7 was due", "Ns 6 already carried ICRQ",
                     "RFC 4951 message to a peer without the capability", "malformed",
                     "SCCRQ must carry tunnel 0"):
        if expected not in text:
            failures.append(f"not reported: {expected!r}; reported:\n{text}")
    for f in failures:
        print("FAIL:", f)
    print(f"capture check: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
