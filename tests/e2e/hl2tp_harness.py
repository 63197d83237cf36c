"""Real hl2tpd processes on loopback, for the demo and the end-to-end tests.

Each daemon gets its configuration, SQLite store and management socket in a working directory. Its
UDP socket is created and bound here and handed to every incarnation with the LISTEN_FDS protocol
(what systemd's hl2tpd.socket does), so that the port never closes across a crash and a restart.
"""
import contextlib
import json
import os
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HL2TP_BUILD", os.path.join(ROOT, "build", "gcc"))
HL2TPD = os.path.join(BUILD, "src", "daemon", "hl2tpd")
HL2TPCTL = os.path.join(BUILD, "src", "ctl", "hl2tpctl")
STARTS = []  # wall-clock time of every hl2tpd start in this test, for capture.check()


class Daemon:
    """`hl2tpd` and `hl2tpctl` name the programs (the build tree's by default: the package tests
    run the installed ones); `store` the store's path (default: NAME.db in the working directory)."""

    def __init__(self, name, role, address, workdir, peers=(), failover=None, log_level="info",
                 metrics="", port=1701, secret="demo-secret", timers=None, durability=None,
                 hl2tpd=None, hl2tpctl=None, store=None):
        self.name, self.role, self.address, self.workdir = name, role, address, workdir
        self.hl2tpd, self.hl2tpctl = hl2tpd or HL2TPD, hl2tpctl or HL2TPCTL
        self.config = os.path.join(workdir, name + ".toml")
        self.socket_path = os.path.join(workdir, name + ".sock")
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None
        self.metrics = metrics
        self.incarnations = 0
        lines = [
            f'role = "{role}"',
            f'host-name = "{name}"',
            f'listen = ["{self.endpoint(address, port)}"]',
            "accept-unlisted-peers = false",
            "[store]",
            'durability = "none"' if durability == "none" else
            f'path = "{store or os.path.join(workdir, name + ".db")}"',
            "[management]",
            f'socket = "{self.socket_path}"',
            "[metrics]",
            f'address = "{metrics}"',
            "[log]",
            f'level = "{log_level}"',
        ]
        for table, settings in (("failover", failover), ("timers", timers)):
            if settings:
                lines.append(f"[{table}]")
                lines += [f"{k} = {json.dumps(v)}" for k, v in settings.items()]
        for peer in peers:
            lines += ["[[peer]]", f'address = "{peer}"']
            if secret:
                lines.append(f'secret = "{secret}"')
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        # The UDP socket outlives every incarnation of the daemon (socket activation).
        v6 = ":" in address
        self.udp = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.udp.bind((address, port))

    @staticmethod
    def endpoint(address, port):
        return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"

    def start(self, timeout=10.0, journal=False):
        """Starts an incarnation and waits until its management socket answers. With `journal`,
        its stderr stands in for the journal: JOURNAL_STREAM names the log file's device and inode,
        as systemd names its stream; otherwise JOURNAL_STREAM is not passed on at all."""
        log = open(self.log_path, "a")
        fd = self.udp.fileno()
        env = {k: v for k, v in os.environ.items() if k != "JOURNAL_STREAM"}
        if journal:
            st = os.fstat(log.fileno())
            env["JOURNAL_STREAM"] = f"{st.st_dev}:{st.st_ino}"

        # LISTEN_PID must be the daemon's own PID: the shell sets it and execs in place. The shell
        # also moves the socket to fd 3 (SD_LISTEN_FDS_START): Popen closes every descriptor not in
        # pass_fds after a preexec_fn has run, so a dup2 there was undone for every socket but a
        # test's first, and that daemon bound a port of its own instead.
        move = "" if fd == 3 else f"exec 3<&{fd} {fd}<&-; "
        self.proc = subprocess.Popen(
            ["sh", "-c", move + 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -c "$1"', self.hl2tpd,
             self.config], stdout=log, stderr=log, pass_fds=(fd,), env=env)
        self.incarnations += 1
        self.started_at = time.monotonic()
        STARTS.append(time.time())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            if os.path.exists(self.socket_path) and self.try_ctl("show", "summary") is not None:
                return
            time.sleep(0.005)
        raise RuntimeError(f"{self.name} did not come up; see {self.log_path}")

    def kill(self, sig=signal.SIGKILL):
        self.proc.send_signal(sig)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.kill(signal.SIGTERM)

    def try_ctl(self, *args):
        r = subprocess.run([self.hl2tpctl, "-s", self.socket_path, "--json", *args],
                           capture_output=True, text=True)
        if r.returncode == 2 or not r.stdout:
            return None
        return json.loads(r.stdout)

    def ctl(self, *args):
        answer = self.try_ctl(*args)
        if answer is None:
            raise RuntimeError(f"{self.name}: hl2tpctl {' '.join(args)} got no answer")
        return answer

    def metrics_text(self):
        import urllib.request
        with urllib.request.urlopen(f"http://{self.metrics}/metrics", timeout=5) as r:
            return r.read().decode()

    def summary(self):
        return self.ctl("show", "summary")["summary"]

    def sessions(self):
        """(local tunnel, local session, remote session) of every established session."""
        out = set()
        for s in self.ctl("show", "session")["sessions"]:
            if s["state"] == "established":
                out.add((s["local-tunnel-id"], s["local-session-id"], s["remote-session-id"]))
        return out

    def tunnel_pairs(self):
        """{local tunnel id: remote tunnel id} of the established (non-recovery) tunnels."""
        return {t["local-tunnel-id"]: t["remote-tunnel-id"]
                for t in self.ctl("show", "tunnel")["tunnels"]
                if t["state"] == "established" and "recovers-tunnel" not in t}


@contextlib.contextmanager
def lac_and_lns(workdir, failover=None, lns_metrics="", v6=False, addresses=None):
    """An LNS and a LAC that know each other (on 127.0.0.2 and 127.0.0.1, or both on ::1 with the
    LAC on port 1702), started; stopped and their files removed afterwards. `addresses`, a pair
    (LAC, LNS) of IPv4 loopback addresses, puts them elsewhere: a test that runs beside the others
    on one machine does not take their port 1701."""
    lns_addr, lac_addr = ("::1", "::1") if v6 else ("127.0.0.2", "127.0.0.1")
    if addresses:
        lac_addr, lns_addr = addresses
    lns = Daemon("lns", "lns", lns_addr, workdir, peers=[lac_addr], failover=failover,
                 metrics=lns_metrics)
    lac = Daemon("lac", "lac", lac_addr, workdir, peers=[lns_addr], failover=failover,
                 port=1702 if v6 else 1701)
    lac.lns_endpoint = Daemon.endpoint(lns_addr, 1701)
    try:
        lns.start()
        lac.start()
        yield lac, lns
    finally:
        for d in (lac, lns):
            d.stop()
            d.udp.close()
        for f in os.listdir(workdir):
            os.remove(os.path.join(workdir, f))


def mirrored(lac, lns):
    """True when both ends hold the same established sessions (matched through tunnel IDs)."""
    lac_tunnels, lns_tunnels = lac.tunnel_pairs(), lns.tunnel_pairs()
    a = {(lac_tunnels.get(t), s, r) for (t, s, r) in lac.sessions()}
    b = {(t, r, s) for (t, s, r) in lns.sessions()}
    return a == b, len(a), len(b)


def wait_for(predicate, timeout, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def wait_recovered(daemon, tunnels, timeout=30.0):
    """Waits until `tunnels` tunnels of the daemon's current incarnation have recovered; returns the
    milliseconds from its start, or None."""
    def done():
        s = daemon.summary()
        r = s["recovery"]
        return r["tunnels-recovering"] == 0 and r["recoveries-completed"] + r["recoveries-failed"] >= tunnels
    if not wait_for(done, timeout, step=0.002):
        return None
    return (time.monotonic() - daemon.started_at) * 1000.0
