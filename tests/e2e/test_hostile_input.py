"""Hostile input against running daemons (issue 6; ctest label e2e).

An LNS and a LAC carry calls; then malformed and unexpected datagrams of every kind are sent to the
LNS from the LAC's host and from a stranger (127.0.0.3), with floods. Checked: both daemons live,
the live tunnels and sessions untouched on both ends, each kind counted in `show statistics`, memory
bounded, and a new legitimate tunnel served during a flood.
"""
import os
import random
import shutil
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture as cap  # noqa: E402
import hl2tp_harness as h  # noqa: E402

failures = []
sent = {}


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


def control(tid, sid, ns, nr, body, ver=2, length=None):
    n = 12 + len(body) if length is None else length
    return struct.pack("!HHHHHH", 0xC800 | ver, n, tid, sid, ns, nr) + body


def avp(attr, value, m=True, h=False, length=None):
    n = 6 + len(value) if length is None else length
    return struct.pack("!HHH", (0x8000 if m else 0) | (0x4000 if h else 0) | n, 0, attr) + value


def message_type(t):
    return avp(0, struct.pack("!H", t))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    rng = random.Random(7)
    workdir = tempfile.mkdtemp(prefix="hl2tp-hostile-")
    capdir = tempfile.mkdtemp(prefix="hl2tp-hostile-capture-")  # lac_and_lns empties workdir
    try:
        # What the daemons answer to all this is captured and dissected afterwards (capture.py).
        with cap.Capture(os.path.join(capdir, "hostile.pcap")) as capture, \
                h.lac_and_lns(workdir) as (lac, lns):
            lac.ctl("call", lac.lns_endpoint, "--count", "200", "--tunnels", "2")
            check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 200, 10),
                  "set-up")
            before = (lac.sessions(), lns.sessions())
            tunnels = lns.ctl("show", "tunnel", "extensive")["tunnels"]
            live = tunnels[0]["local-tunnel-id"]
            stats0 = lns.ctl("show", "statistics")["statistics"]
            rss0 = rss_kb(lns.proc.pid)
            from_lac_host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            from_lac_host.bind(("127.0.0.1", 0))
            stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            stranger.bind(("127.0.0.3", 0))
            target = ("127.0.0.2", 1701)

            def send(kind, sock, data):
                sock.sendto(data, target)
                sent[kind] = sent.get(kind, 0) + 1

            hello = control(live, 0, 0, 0, message_type(6))
            for n in range(len(hello)):
                send("truncated", from_lac_host, hello[:n])
            for n in (0, 5, 11, 13, 200, 65535):
                send("bad length", from_lac_host, control(live, 0, 0, 0, message_type(6), length=n))
            for bad in (avp(0, b"\x00\x06", length=3), avp(0, b"\x00\x06", length=60),
                        message_type(6) + avp(8, b"", length=5)):
                send("bad AVP", from_lac_host, control(live, 0, 0, 0, bad))
            for _ in range(50):
                garbage = bytes(rng.randrange(256) for _ in range(rng.randrange(2, 40)))
                send("hidden garbage", from_lac_host,
                     control(live, 0, 0, 0, message_type(10) + avp(15, garbage, h=True)))
            for ver in (1, 3, 15):
                send("wrong version", from_lac_host, control(live, 0, 0, 0, message_type(6), ver=ver))
            for ns, nr in ((30000, 0), (0, 30000), (65535, 65535)):
                send("Ns/Nr jump", from_lac_host, control(live, 0, ns, nr, message_type(6)))
            # The live tunnel's ID is the daemon's random choice: an ID drawn equal to it is no
            # unknown tunnel.
            unknown = [t for t in (rng.randrange(1, 65536) | 1 for _ in range(101)) if t != live]
            for tunnel_id in unknown[:100]:
                send("unknown tunnel", from_lac_host,
                     control(tunnel_id, 0, 0, 0, message_type(6)))
            for _ in range(100):
                payload = bytes(rng.randrange(256) for _ in range(30))
                send("data, unknown session", from_lac_host,
                     struct.pack("!HHH", 0x4002, 38, live) + struct.pack("!H", rng.randrange(1, 65536)) + payload)
            # Floods, while a legitimate tunnel is being set up.
            sccrq = control(0, 0, 0, 0, message_type(1) + avp(2, b"\x01\x00") + avp(7, b"evil")
                            + avp(3, b"\x00\x00\x00\x03") + avp(9, b"\x12\x34"))
            flooders = []
            for _ in range(50):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.3", 0))
                flooders.append(s)
            lac.ctl("call", lac.lns_endpoint, "--count", "10", "--tunnels", "3")  # one new tunnel
            for i in range(5000):
                send("SCCRQ flood (unlisted host)", flooders[i % len(flooders)], sccrq)
            recovery = control(0, 0, 0, 0, message_type(1) + avp(2, b"\x01\x00") + avp(7, b"lac")
                               + avp(3, b"\x00\x00\x00\x03") + avp(9, b"\x43\x21")
                               + avp(77, struct.pack("!HHHHH", 0, 0, 1234, 0, live ^ 0x5555)))
            for _ in range(500):
                send("recovery SCCRQ, wrong IDs", from_lac_host, recovery)
            fsq = control(live, 0, 0, 0, avp(0, struct.pack("!H", 21), m=False)
                          + avp(79, struct.pack("!HHHHH", 0, 0, 1, 0, 2)))
            for _ in range(2000):
                send("FSQ flood (out of sequence)", from_lac_host, fsq)
            # Issue 13, points 1 and 2, against the real daemon: a HELLO with the live tunnel's ID
            # and the very Ns it expects, from another port of the LAC's host; then recovery
            # requests naming the live tunnel from there, without the secret, every 2 s. Neither
            # may touch the tunnel: the LAC's own traffic goes on being taken and acknowledged.
            extensive = lns.ctl("show", "tunnel", "extensive")["tunnels"]
            tunnel = next(t for t in extensive if t["local-tunnel-id"] == live)
            channel = tunnel["control-channel"]
            neighbour = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            neighbour.bind(("127.0.0.1", 0))
            send("HELLO from another port", neighbour,
                 control(live, 0, channel["expected-ns"], channel["next-ns"], message_type(6)))
            for i in range(3):
                forged = control(0, 0, 0, 0, message_type(1) + avp(2, b"\x01\x00")
                                 + avp(7, b"lac") + avp(3, b"\x00\x00\x00\x03")
                                 + avp(9, struct.pack("!H", 0x4322 + i)) + avp(11, b"\x5a" * 16)
                                 + avp(5, b"\x00" * 8)
                                 + avp(77, struct.pack("!HHHHH", 0, 0, tunnel["remote-tunnel-id"],
                                                       0, live)))
                send("forged recovery request, right IDs, no secret", neighbour, forged)
                lac.ctl("call", lac.lns_endpoint, "--count", "1", "--tunnels", "3")
                time.sleep(2.0)
            time.sleep(1.0)

            check(lns.proc.poll() is None and lac.proc.poll() is None, "both daemons are alive")
            check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 213, 10),
                  f"the live sessions are untouched and the new calls served: {h.mirrored(lac, lns)}")
            check(before[0] <= lac.sessions(), "every session of before is still held by the LAC")
            check(len(lac.tunnel_pairs()) == 3, "the new legitimate tunnel was served during the flood")
            stats = lns.ctl("show", "statistics")["statistics"]
            grew = {k: stats[k] - stats0.get(k, 0) for k in stats}
            lac_stats = lac.ctl("show", "statistics")["statistics"]
            check(lac_stats["control-retransmitted"] == 0,
                  f"the LAC never had to retransmit ({lac_stats['control-retransmitted']})")
            for counter, least in (("decode-errors", 10), ("unknown-tunnel", 100),
                                   ("wrong-peer", 1), ("recovery-requests-abandoned", 2),
                                   ("unlisted-peer", 5000), ("recovery-requests-refused", 500),
                                   ("data-messages-dropped", 100)):
                check(grew[counter] >= least, f"{counter} counted {grew[counter]} (at least {least})")
            rss = rss_kb(lns.proc.pid)
            check(rss - rss0 < 50_000, f"memory bounded: RSS grew {rss - rss0} KiB")
            with open(lns.log_path) as f:
                lines = f.read().count("recovery-refused")
            check(lines < 100, f"refusals are logged rate-limited ({lines} lines for 500)")
            print("sent:", ", ".join(f"{k} {v}" for k, v in sent.items()))
            print("counted:", ", ".join(f"{k} +{v}" for k, v in grew.items() if v))
        cap.judge(capture, {("127.0.0.1", 1701), ("127.0.0.2", 1701)}, check, restarts=h.STARTS)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(capdir, ignore_errors=True)
    print(f"hostile input: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
