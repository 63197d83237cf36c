"""Every datagram of an end-to-end test, captured on loopback with tshark and dissected by it.

Capture("file.pcap", ports) records UDP on the test's own ports while the test runs. check() then
has tshark dissect what hl2tpd sent and reports, as a list of strings, everything that is wrong:
a packet tshark finds malformed or flags with an error, an L2TP message of a kind or at a place we
never send it (RFC 2661 §5.8 numbering; §5 message order), and FSQ/FSR or a recovery request to a
peer that did not advertise the Failover Capability AVP (xl2tpd clears the tunnel on either:
docs/peer-behaviour.md §1.4).
"""
import collections
import os
import signal
import subprocess
import struct
import time

# RFC 2661 §3.2 / RFC 4951 §4 message types, by number.
SCCRQ, SCCRP, SCCCN, STOPCCN, HELLO = 1, 2, 3, 4, 6
ICRQ, ICRP, ICCN, CDN = 10, 11, 12, 14
FSQ, FSR = 21, 22
NAMES = {1: "SCCRQ", 2: "SCCRP", 3: "SCCCN", 4: "StopCCN", 6: "HELLO", 7: "OCRQ", 8: "OCRP",
         9: "OCCN", 10: "ICRQ", 11: "ICRP", 12: "ICCN", 14: "CDN", 15: "WEN", 16: "SLI",
         21: "FSQ", 22: "FSR"}
FAILOVER_CAPABILITY, TUNNEL_RECOVERY, SUGGESTED_CONTROL_SEQUENCE = 76, 77, 78
# tshark 4.0 does not decode the RFC 4951 AVPs (76-79) and flags them "Vendor-Specific AVP data".
ALLOWED_EXPERT = {"Vendor-Specific AVP data"}

FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ipv6.src", "udp.srcport", "ip.dst",
          "ipv6.dst", "udp.dstport", "l2tp.type", "l2tp.tunnel", "l2tp.session", "l2tp.Ns",
          "l2tp.Nr", "l2tp.avp.message_type", "l2tp.avp.type", "_ws.malformed",
          "_ws.expert.severity", "_ws.expert.message", "l2tp.avp.assigned_tunnel_id",
          "udp.payload"]


def plain_avps(payload):
    """{attribute type: value} of a control message's IETF AVPs that are not hidden, read from the
    raw datagram: tshark 4.0 does not decode the RFC 4951 AVPs (76-79)."""
    out, at = {}, 12  # after the control header (RFC 2661 §3.1: T, L and S set, no offset)
    while at + 6 <= len(payload):
        bits, vendor, kind = struct.unpack_from("!HHH", payload, at)
        length = bits & 0x3FF
        if length < 6 or at + length > len(payload):
            break
        if vendor == 0 and not bits & 0x4000:
            out[kind] = payload[at + 6:at + length]
        at += length
    return out


class Capture:
    def __init__(self, path, ports=(1701,)):
        self.path, self.ports = path, ports
        self.proc = None

    def __enter__(self):
        filt = " or ".join(f"udp port {p}" for p in self.ports)
        self.err_path = self.path + ".err"
        self.proc = subprocess.Popen(["tshark", "-n", "-q", "-i", "lo", "-f", filt, "-w", self.path],
                                     stdout=subprocess.DEVNULL, stderr=open(self.err_path, "w"))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(self.err_path) as f:
                if "Capture started" in f.read():
                    return self
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"tshark did not start capturing; see {self.err_path}")

    def __exit__(self, *exc):
        time.sleep(0.2)  # the last datagrams are still on their way through the kernel
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)
        os.remove(self.err_path)

    def packets(self):
        out = subprocess.run(
            ["tshark", "-n", "-r", self.path, "-T", "fields", "-E", "separator=|", "-E",
             "occurrence=a", "-E", "aggregator=,"] + sum((["-e", f] for f in FIELDS), []),
            capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            v = dict(zip(FIELDS, line.split("|")))
            v["src"] = (v["ip.src"] or v["ipv6.src"], int(v["udp.srcport"]))
            v["dst"] = (v["ip.dst"] or v["ipv6.dst"], int(v["udp.dstport"]))
            yield v


def check(capture, ours, capable_peers=True, restarts=()):
    """What is wrong with what hl2tpd sent from the (address, port) endpoints in `ours`. `restarts`
    are the wall-clock times at which an hl2tpd started: across one, a failover-protocol reset may
    give an Ns a new message (RFC 4951 §3.2.2), which otherwise only its retransmissions repeat."""
    problems, counts = [], collections.Counter()
    restarts = sorted(restarts)
    # RFC 4951 §3.2.1-3.2.2: a recovery SCCRQ names the old tunnel (sender's ID, receiver's ID); the
    # SCCRP answering it may suggest the numbers both ends reset the old tunnel to. The Ns a
    # stream may then jump to: (sender, receiver, tunnel) -> the suggested next Ns.
    recovery_requests, reset_to = {}, {}
    # Per stream (sender, receiver, tunnel ID): the highest Ns so far, and per Ns the type of the
    # message it carried and in which incarnation of the sender.
    streams = collections.defaultdict(lambda: {"top": None, "carried": {}})
    for p in capture.packets():
        # Both ends' recovery requests and answers, ours or not: either may reset a stream of ours.
        _learn_suggested_reset(p, int(p["l2tp.tunnel"] or 0), recovery_requests, reset_to)
        if p["src"] not in ours:
            continue
        counts["datagrams"] += 1
        where = f"frame {p['frame.number']}"
        if p["_ws.malformed"]:
            problems.append(f"{where}: tshark finds it malformed")
        for message in filter(None, p["_ws.expert.message"].split(",")):
            if message not in ALLOWED_EXPERT:
                problems.append(f"{where}: tshark: {message}")
        if p["l2tp.type"] != "1":
            counts["data"] += 1
            continue
        ns, nr = int(p["l2tp.Ns"] or 0), int(p["l2tp.Nr"] or 0)
        tunnel, session = int(p["l2tp.tunnel"] or 0), int(p["l2tp.session"] or 0)
        if not p["l2tp.avp.message_type"]:
            counts["ZLB"] += 1
            continue
        mtype = int(p["l2tp.avp.message_type"].split(",")[0])
        avps = {int(a) for a in filter(None, p["l2tp.avp.type"].split(","))}
        name = NAMES.get(mtype, str(mtype))
        counts[name] += 1
        where += f" ({name} tid={tunnel} sid={session} Ns={ns})"
        if mtype not in NAMES:
            problems.append(f"{where}: a message type we never send")
        if not capable_peers and (mtype in (FSQ, FSR) or TUNNEL_RECOVERY in avps):
            problems.append(f"{where}: RFC 4951 message to a peer without the capability")
        # §5.1: the control connection opens with SCCRQ (tunnel 0, Ns 0), SCCRP (Ns 0), SCCCN (Ns 1).
        if mtype == SCCRQ and (tunnel != 0 or ns != 0):
            problems.append(f"{where}: SCCRQ must carry tunnel 0 and Ns 0")
        if mtype == SCCRP and ns != 0:
            problems.append(f"{where}: SCCRP must carry Ns 0")
        if mtype == SCCCN and ns != 1:
            problems.append(f"{where}: SCCCN must carry Ns 1")
        if mtype in (ICRQ, SCCRQ) and session != 0:
            problems.append(f"{where}: must carry session 0")
        if mtype in (ICRP, ICCN) and session == 0:
            problems.append(f"{where}: must name the peer's session")
        # §5.8: each new message takes the next Ns; only a retransmission repeats one, unchanged
        # (or, after a restart, a failover-protocol reset gives it a new message).
        if mtype == SCCRQ:
            continue  # each opens its own stream, under tunnel 0
        when_sent = float(p["frame.time_epoch"])
        incarnation = sum(1 for r in restarts if r <= when_sent)
        stream = streams[(p["src"], p["dst"], tunnel)]
        if mtype in (SCCRP, SCCCN) and not _copy_of_opening(stream, mtype, ns, incarnation, when_sent):
            # A new tunnel. The peer may give it the ID of a tunnel closed earlier (RFC 2661 leaves
            # reuse open, and a restarted peer cannot know which IDs it used): a fresh stream,
            # whose Ns 0 was the SCCRQ when we send the SCCCN.
            stream = streams[(p["src"], p["dst"], tunnel)] = {
                "top": None if mtype == SCCRP else 0, "carried": {}}
        if ns in stream["carried"]:
            before, when, _ = stream["carried"][ns]
            if before != mtype and when == incarnation:
                problems.append(f"{where}: Ns {ns} already carried {NAMES.get(before, before)}")
            counts["retransmissions"] += before == mtype
        elif reset_to.get((p["src"], p["dst"], tunnel)) == ns:
            stream["top"] = (ns - 1) % 65536  # the RFC 4951 reset to the suggested numbers
            del reset_to[(p["src"], p["dst"], tunnel)]
        elif stream["top"] is not None and ns != (stream["top"] + 1) % 65536:
            problems.append(f"{where}: Ns {ns} where {(stream['top'] + 1) % 65536} was due")
        if ns not in stream["carried"] and (stream["top"] is None or ns == (stream["top"] + 1) % 65536):
            stream["top"] = ns
        if stream["carried"].get(ns, (None, None))[:2] != (mtype, incarnation):
            stream["carried"][ns] = (mtype, incarnation, when_sent)  # a copy keeps the first's time
    return problems, counts


def _learn_suggested_reset(p, tunnel, recovery_requests, reset_to):
    """Notes a recovery SCCRQ, and for the SCCRP that answers it with a Suggested Control Sequence,
    where each end's numbering of the old tunnel may go: the answering end's next Ns becomes the
    suggested Nr, the recovering end's the suggested Ns (RFC 4951 §5.3)."""
    if p["l2tp.type"] != "1" or not p["l2tp.avp.message_type"] or not p["udp.payload"]:
        return
    mtype = int(p["l2tp.avp.message_type"].split(",")[0])
    if mtype not in (SCCRQ, SCCRP):
        return
    avps = plain_avps(bytes.fromhex(p["udp.payload"].replace(":", "")))
    if mtype == SCCRQ and TUNNEL_RECOVERY in avps and len(avps[TUNNEL_RECOVERY]) == 10:
        sender_old, receiver_old = struct.unpack("!4xH2xH", avps[TUNNEL_RECOVERY])
        assigned = int(p["l2tp.avp.assigned_tunnel_id"].split(",")[0] or 0)
        recovery_requests[(p["src"], p["dst"], assigned)] = (sender_old, receiver_old)
    elif mtype == SCCRP and len(avps.get(SUGGESTED_CONTROL_SEQUENCE, b"")) == 6:
        request = recovery_requests.get((p["dst"], p["src"], tunnel))
        if request is None:
            return
        sender_old, receiver_old = request
        suggested_ns, suggested_nr = struct.unpack("!2xHH", avps[SUGGESTED_CONTROL_SEQUENCE])
        # The answering end (this SCCRP's sender) sends on the old tunnel under the recovering
        # end's old ID; the recovering end under ours.
        reset_to[(p["src"], p["dst"], sender_old)] = suggested_nr
        reset_to[(p["dst"], p["src"], receiver_old)] = suggested_ns


# How long after its first copy a message may still be sent again: our RFC 2661 §5.8 back-off
# (channel_config.hpp: copies at 1, 3, 7 and 15 s, the tunnel cleared at 31 s by default) plus a
# margin for slower settings in a test's configuration.
RETRANSMISSION_SPAN = 60.0


def _copy_of_opening(stream, mtype, ns, incarnation, when_sent):
    """Whether an SCCRP or SCCCN repeats the one that opened this stream. An SCCRP is sent again only
    while nothing followed it (§5.1: the SCCCN that would let us send more acknowledges it); an
    SCCCN also after what followed it, while it is unacknowledged, so within the back-off's span."""
    before = stream["carried"].get(ns)
    if before is None or before[:2] != (mtype, incarnation):
        return False
    if mtype == SCCRP:
        return stream["top"] == 0
    return when_sent - before[2] <= RETRANSMISSION_SPAN


def judge(capture, ours, report, **kw):
    """check(), with each problem (the first 20) and an empty capture passed to the test's own
    `report(condition, what)`; prints and returns the counts."""
    problems, counts = check(capture, ours, **kw)
    print(f"capture, hl2tpd's datagrams: {dict(counts)}", flush=True)
    for problem in problems[:20]:
        report(False, f"capture: {problem}")
    report(counts["datagrams"] > 0, "capture: saw hl2tpd's datagrams")
    return counts
