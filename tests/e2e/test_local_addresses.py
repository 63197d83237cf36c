"""Replies leave from the address the peer used (issue 13, point 5; RFC 2661 §8.1).

An LNS that listens on a wildcard address, or on two addresses, must answer an SCCRQ sent to one of
its addresses from that address, and send every later message of the tunnel from it, also after a
restart (the address is part of the tunnel's stored state). A peer drops a reply from another
address: with the wrong source no tunnel comes up at all.

Each case runs real hl2tpd processes that bind their own sockets (no socket activation), on
addresses of 127.0.30.0/24 and ports of their own, so that this test can run beside the others.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hl2tp_harness as h  # noqa: E402

LAC = "127.0.30.1"
failures = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


class Process:
    """An hl2tpd that binds its own `listen` addresses."""

    def __init__(self, workdir, name, role, listen, peers, port_for_metrics):
        self.name, self.workdir = name, workdir
        self.socket_path = os.path.join(workdir, name + ".sock")
        self.log_path = os.path.join(workdir, name + ".log")
        self.config = os.path.join(workdir, name + ".toml")
        lines = [f'role = "{role}"', f'host-name = "{name}"',
                 "listen = [" + ", ".join(f'"{a}"' for a in listen) + "]",
                 "accept-unlisted-peers = false",
                 "[store]", f'path = "{os.path.join(workdir, name + ".db")}"',
                 "[management]", f'socket = "{self.socket_path}"',
                 "[metrics]", f'address = "127.0.30.9:{port_for_metrics}"']
        for peer in peers:
            lines += ["[[peer]]", f'address = "{peer}"']
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self):
        log = open(self.log_path, "a")
        env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
        self.proc = subprocess.Popen([h.HL2TPD, "-c", self.config], stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            if self.ctl("show", "summary") is not None:
                return
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} did not come up")

    def ctl(self, *args):
        r = subprocess.run([h.HL2TPCTL, "-s", self.socket_path, "--json", *args],
                           capture_output=True, text=True)
        return json.loads(r.stdout) if r.stdout else None

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait()

    def established_sessions(self):
        answer = self.ctl("show", "session")
        return 0 if not answer else sum(s["state"] == "established" for s in answer["sessions"])

    def tunnels(self):
        answer = self.ctl("show", "tunnel")
        return [] if not answer else [t for t in answer["tunnels"] if "recovers-tunnel" not in t]


def sccrq(assigned_tunnel_id):
    """A minimal SCCRQ (RFC 2661 §6.1): the mandatory AVPs only."""
    def avp(attribute, value):
        return struct.pack("!HHH", 0x8000 | (6 + len(value)), 0, attribute) + value
    body = (avp(0, struct.pack("!H", 1)) + avp(2, b"\x01\x00") + avp(3, struct.pack("!I", 3))
            + avp(7, b"probe") + avp(9, struct.pack("!H", assigned_tunnel_id)))
    return struct.pack("!HHHHHH", 0xC802, 12 + len(body), 0, 0, 0, 0) + body


def reply_source(lns_address, port):
    """Sends an SCCRQ to lns_address:port from a socket of the LAC's host; the source of the reply."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((LAC, 0))
    s.settimeout(5)
    s.sendto(sccrq(4242), (lns_address, port))
    try:
        _, source = s.recvfrom(4096)
        return source
    except socket.timeout:
        return None
    finally:
        s.close()


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def run_case(workdir, title, lns_listen, used, port, metrics_port):
    print(f"== {title}: LNS listens on {lns_listen}, the LAC uses {used}:{port}", flush=True)
    source = None
    lns = Process(workdir, "lns", "lns", lns_listen, [LAC], metrics_port)
    lac = Process(workdir, "lac", "lac", [f"{LAC}:{port + 1}"], [used], metrics_port + 1)
    try:
        lns.start()
        # An SCCRQ from the LAC's host (a listed peer) is answered, with an SCCRP, from the
        # address it was sent to.
        source = reply_source(used, port)
        check(source is not None and source[0] == used,
              f"{title}: the reply to an SCCRQ sent to {used} comes from {source}")
        lac.start()
        lac.ctl("call", f"{used}:{port}", "--count", "5")
        check(wait_for(lambda: lns.established_sessions() == 5 and lac.established_sessions() == 5,
                       10),
              f"{title}: 5 calls come up through {used} (LNS {lns.established_sessions()}, "
              f"LAC {lac.established_sessions()})")
        peers = [t["remote-address"] for t in lac.tunnels()]
        check(peers == [f"{used}:{port}"], f"{title}: the LAC's tunnel is with {peers}")
        # A restart of the LNS sends from the stored address: its recovery reaches the LAC.
        lns.stop(signal.SIGKILL)
        lns.start()
        check(wait_for(lambda: lns.ctl("show", "summary")["summary"]["recovery"]
                       ["tunnels-recovering"] == 0 and lns.established_sessions() == 5, 15),
              f"{title}: after a SIGKILL and restart of the LNS every call is kept")
        lac.ctl("call", f"{used}:{port}", "--count", "2")
        check(wait_for(lambda: lns.established_sessions() == 7 and lac.established_sessions() == 7,
                       10), f"{title}: and new calls come up")
        stats = lac.ctl("show", "statistics")["statistics"]
        check(stats["wrong-peer"] == 0, f"{title}: the LAC dropped {stats['wrong-peer']} datagrams "
                                        "from a wrong address")
    finally:
        lac.stop()
        lns.stop()
        for f in os.listdir(workdir):
            if not f.endswith(".log"):
                os.remove(os.path.join(workdir, f))


def main():
    workdir = tempfile.mkdtemp(prefix="hl2tp-local-addresses-")
    try:
        run_case(workdir, "wildcard", ["0.0.0.0:1831"], "127.0.30.81", 1831, 19831)
        run_case(workdir, "two addresses", ["127.0.30.80:1841", "127.0.30.81:1841"],
                 "127.0.30.81", 1841, 19841)
    except Exception as e:  # a daemon that would not start is a failure, with its log
        failures.append(str(e))
        print("FAIL:", e)
        for f in sorted(os.listdir(workdir)):
            if f.endswith(".log"):
                print(f"--- {f}\n" + open(os.path.join(workdir, f)).read()[-3000:])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"local addresses: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
