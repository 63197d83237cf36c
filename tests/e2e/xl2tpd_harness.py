"""Debian's xl2tpd (1.3.18) as the peer of hl2tpd, for the interop tests.

Without /dev/ppp the real pppd exits at once and xl2tpd clears the call (docs/peer-behaviour.md
§1.6). Each xl2tpd therefore runs in a private mount namespace in which a stand-in that only keeps
the pty open is bind-mounted over /usr/sbin/pppd; the calls then stay up (no PPP negotiation
happens). It is driven through its control pipe and observed through its state dump and its log.
"""
import array
import collections
import fcntl
import os
import re
import subprocess
import termios
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_PPPD = os.path.join(HERE, "fake_pppd.sh")
XL2TPD = "/usr/sbin/xl2tpd"

# What xl2tpd logs when a peer clears something or when it gives up on a peer.
STOPCCN_RECEIVED = re.compile(r"control_finish: Connection closed to \S+, port")  # from the peer
CDN_RECEIVED = re.compile(r"control_finish: Connection closed to \S+, serial (\d+)")  # same
GAVE_UP = re.compile(r"[Mm]aximum retries exceeded")
# A call it hung up itself stays in its state dump for a while after its CDN was acknowledged.
CLOSED_CALL = re.compile(r"call_close: Call (\d+) to")
# A tunnel still waiting for its peer's SCCRP has no remote ID yet: xl2tpd may print it as -1.
TUNNEL_LINE = re.compile(r"Tunnel (\S+), ID = (\d+) \(local\), (-?\d+) \(remote\) to ([\d.]+):(\d+), "
                         r"control_seq_num = (\d+), control_rec_seq_num = (\d+)")
CALL_LINE = re.compile(r"Call (\S+) # \d+, ID = (\d+) \(local\), (\d+) \(remote\), serno = (\d+)")


class Xl2tpd:
    """One xl2tpd on `address`:`port`, an LNS accepting anyone, or a LAC with `lacs` LAC sections
    that each dial `lns` (one tunnel and one call each: xl2tpd places one call per section)."""

    def __init__(self, name, address, workdir, secret=None, lns=None, lacs=0, port=1701, debug=True):
        self.name, self.address, self.workdir = name, address, workdir
        self.conf = os.path.join(workdir, name + ".conf")
        self.pidfile = os.path.join(workdir, name + ".pid")
        self.control_pipe = os.path.join(workdir, name + ".ctl")
        self.log_path = os.path.join(workdir, name + ".log")
        self.lac_names = [f"hl{i}" for i in range(1, lacs + 1)]
        challenge = "yes" if secret else "no"
        lines = ["[global]", f"listen-addr = {address}", f"port = {port}", "access control = no",
                 f"debug tunnel = {'yes' if debug else 'no'}"]
        if secret:
            secrets = os.path.join(workdir, name + ".secrets")
            with open(secrets, "w") as f:
                f.write(f"* * {secret}\n")
            lines.append(f"auth file = {secrets}")
        if lns is None:
            lines += ["[lns default]", "ip range = 10.0.0.2-10.0.0.250", "local ip = 10.0.0.1",
                      f"hostname = {name}", f"challenge = {challenge}",
                      "require authentication = no"]
        for lac in self.lac_names:
            lines += [f"[lac {lac}]", f"lns = {lns}", f"hostname = {name}",
                      f"challenge = {challenge}", "autodial = no", "redial = no",
                      "require authentication = no"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self, timeout=10.0):
        log = open(self.log_path, "ab")
        # unshare and sh exec in place: the Popen's PID is xl2tpd's.
        self.proc = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c",
             'mount --bind "$0" /usr/sbin/pppd && exec "$1" -D -c "$2" -p "$3" -C "$4"',
             FAKE_PPPD, XL2TPD, self.conf, self.pidfile, self.control_pipe],
            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"xl2tpd {self.name} exited; see {self.log_path}")
            if "Listening on IP address" in self.log() and os.path.exists(self.control_pipe):
                return
            time.sleep(0.01)
        raise RuntimeError(f"xl2tpd {self.name} did not come up; see {self.log_path}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM: no StopCCN (docs/peer-behaviour.md §1.5)
            self.proc.wait()
        # Its stand-in pppds (children) end with it or on their own; nothing else is left behind.

    def control(self, command, timeout=10.0):
        # It takes one command per read of the pipe: two written back to back would run together
        # and the second be lost (a loaded CI machine once lost a call that way with a fixed pause
        # between commands). So each command waits until xl2tpd has read the one before it.
        with open(self.control_pipe, "w") as f:
            f.write(command + "\n")
            f.flush()
            deadline = time.monotonic() + timeout
            unread = array.array("i", [1])
            while time.monotonic() < deadline:
                fcntl.ioctl(f.fileno(), termios.FIONREAD, unread, True)
                if unread[0] == 0:
                    break
                time.sleep(0.005)
            else:
                raise RuntimeError(f"xl2tpd {self.name} did not read {command!r} from its pipe")
        time.sleep(0.02)

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def state(self, timeout=5.0):
        """Its state dump: [{name, local, remote, ns, nr, calls: [(local call, remote call)]}], each
        tunnel's calls newest first, as xl2tpd lists them."""
        marker = "====== xl2tpd statistics ========"
        before = self.log().count(marker)
        self.control("s")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if text.count(marker) > before and "================================" in \
                    text[text.rindex(marker):]:
                break
            time.sleep(0.01)
        else:
            raise RuntimeError(f"xl2tpd {self.name} did not dump its state")
        dump = text[text.rindex(marker):]
        tunnels = []
        # Its dump runs tunnels and calls together without newlines: in order, a call belongs to
        # the tunnel before it.
        for m in re.finditer(f"{TUNNEL_LINE.pattern}|{CALL_LINE.pattern}", dump):
            if m.group(0).startswith("Tunnel"):
                tunnels.append({"name": m.group(1), "local": int(m.group(2)),
                                "remote": int(m.group(3)), "ns": int(m.group(6)),
                                "nr": int(m.group(7)), "calls": []})
            elif tunnels:
                tunnels[-1]["calls"].append((int(m.group(9)), int(m.group(10))))
        return tunnels

    def sessions(self):
        """(our tunnel ID as xl2tpd knows it, its call ID, our call ID) of every call it holds."""
        state = self.state()
        # A closed call stays in its dump, and its local ID may be given to a new call later (seen
        # once in the interop test: a call set up after the restart took the ID of one closed
        # before it). Its log names the closed call by local ID only: of the calls listed with one
        # local ID, the oldest are the closed ones.
        closes = collections.Counter(int(c) for c in CLOSED_CALL.findall(self.log()))
        held = set()
        for t in state:
            seen = collections.Counter(local for local, _ in t["calls"])
            for local, remote in t["calls"]:
                seen[local] -= 1  # how many older calls with this ID are still to come
                if seen[local] >= closes[local]:
                    held.add((t["remote"], local, remote))
        return held

    def shared_tunnel_ids(self):
        """Local tunnel IDs that it has given to more than one live tunnel. xl2tpd 1.3.18 draws a
        tunnel's ID from /dev/urandom and does not look whether a live tunnel has it (new_tunnel()
        in its call.c); the newer tunnel then takes every message for the older one, which is lost.
        With n tunnels live the chance is about n*n/2/65536: some 30 tunnels in the LNS kill rounds
        make it one run in 150 (a CI run saw it: hl2tpd took the newer tunnel's SCCRQ for a
        retransmission of the older one's, as it must, and its answer was out of order there)."""
        seen = collections.Counter(t["local"] for t in self.state())
        return sorted(i for i, n in seen.items() if n > 1)

    def complaints(self, since=0):
        """What in its log (from offset `since`) says a peer cleared something or was given up on."""
        text = self.log()[since:]
        return {"stopccn": len(STOPCCN_RECEIVED.findall(text)),
                "cdn": CDN_RECEIVED.findall(text),
                "gave-up": len(GAVE_UP.findall(text))}
