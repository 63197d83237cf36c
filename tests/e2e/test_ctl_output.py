"""hl2tpctl against a stand-in daemon (issue 13, points 10 and 12; ctest label unit).

A Unix socket in a temporary directory answers each request with a canned answer, so that what
hl2tpctl sends and prints can be checked for states a real daemon reaches only with effort: a
tunnel whose recovery fell back to silent failover, a session whose uptime is unknown, an error
answer. Checked: the request each command line makes (levels, filters), options after the
subcommand, the tunnel table showing the method a recovery used beside the negotiated one, the
session listings, the exit status (0 ok, 1 an error answer, 2 no daemon), and --version.
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

BUILD = os.environ.get("HL2TP_BUILD", os.path.join(os.path.dirname(__file__), "..", "..", "build", "gcc"))
HL2TPCTL = os.path.join(BUILD, "src", "ctl", "hl2tpctl")
VERSION = os.environ.get("HL2TP_VERSION")

TUNNELS = [{
    "local-tunnel-id": 7, "remote-tunnel-id": 9, "remote-address": "192.0.2.2:1701",
    "remote-host": "lns", "state": "established", "sessions": 2,
    "effective-peer-resync-mechanism": "failover-protocol", "recovery-state": "recovered",
    "recovery-method": "silent-failover", "recovery-time-ms": 812.5,
}]
SESSIONS = [
    {"local-tunnel-id": 7, "local-session-id": 3, "remote-session-id": 30, "state": "established",
     "remote-tunnel-id": 9, "remote-address": "192.0.2.2:1701", "uptime-s": 93784.2,
     "call-serial-number": 5, "calling-number": "5550100", "called-number": "5550199"},
    {"local-tunnel-id": 7, "local-session-id": 4, "remote-session-id": 31, "state": "established",
     "remote-tunnel-id": 9, "remote-address": "192.0.2.2:1701", "uptime-s": None,
     "call-serial-number": 6, "calling-number": "", "called-number": ""},
]

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)


class StandIn(threading.Thread):
    """Answers one request per connection, as hl2tpd does, and keeps what it was asked."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.requests = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)

    def run(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                request = json.loads(data)
                self.requests.append(request)
                conn.sendall(json.dumps(self.answer(request)).encode() + b"\n")

    @staticmethod
    def answer(request):
        command = request.get("command")
        if command == "show-tunnels":
            return {"ok": True, "tunnels": TUNNELS}
        if command == "show-sessions":
            if request.get("tunnel") == 99:
                return {"ok": False, "error": "no tunnel 99"}
            if request.get("level", "brief") == "brief":
                return {"ok": True, "sessions": [{k: s[k] for k in (
                    "local-tunnel-id", "local-session-id", "remote-session-id", "state")}
                    for s in SESSIONS]}
            return {"ok": True, "sessions": SESSIONS}
        return {"ok": True, "summary": {"role": "lac"}}


def ctl(path, *args):
    return subprocess.run([HL2TPCTL, *args] if path is None else [HL2TPCTL, "-s", path, *args],
                          capture_output=True, text=True, timeout=10)


def main():
    workdir = tempfile.mkdtemp(prefix="hl2tp-ctl-output-")
    try:
        path = os.path.join(workdir, "standin.sock")
        standin = StandIn(path)
        standin.start()

        r = ctl(path, "show", "tunnel")
        row = next((line for line in r.stdout.splitlines() if line.startswith("7 ")), "")
        check(r.returncode == 0 and "failover-protocol" in row and "by silent-failover" in row,
              f"the tunnel table shows the negotiated mechanism and the method used: {row!r}")

        r = ctl(path, "show", "session", "detail", "--tunnel", "7", "--session", "3",
                "--state", "established", "--limit", "5")
        check(standin.requests[-1] == {"command": "show-sessions", "level": "detail", "limit": 5,
                                       "tunnel": 7, "session": 3, "state": "established"},
              f"show session detail with filters asks for them: {standin.requests[-1]}")
        check("1d 02:03:04" in r.stdout and "unknown" in r.stdout and "5550100" in r.stdout,
              f"show session detail prints uptime, an unknown one, calling number: {r.stdout!r}")

        r = ctl(path, "show", "session")
        lines = r.stdout.splitlines()
        check(len(lines) == 3 and lines[0].split() == ["Tunnel", "Session", "Remote", "State"],
              f"show session: a table with one line per session: {lines}")
        check(standin.requests[-1] == {"command": "show-sessions", "level": "brief", "limit": 0},
              f"show session asks for brief: {standin.requests[-1]}")

        r = ctl(path, "show", "session", "--tunnel", "0")
        check(standin.requests[-1].get("tunnel") == 0, "--tunnel 0 is sent, not taken as no filter")

        # Options after the subcommand.
        r = subprocess.run([HL2TPCTL, "show", "session", "--json", "-s", path],
                           capture_output=True, text=True, timeout=10)
        check(r.returncode == 0 and json.loads(r.stdout or "null") is not None
              and len(json.loads(r.stdout)["sessions"]) == 2,
              f"--json and -s after the subcommand: {r.returncode} {r.stdout[:80]!r} {r.stderr!r}")

        # Exit status: an error answer, no daemon.
        r = ctl(path, "show", "session", "--tunnel", "99")
        check(r.returncode == 1 and "no tunnel 99" in r.stderr,
              f"an error answer exits 1 with the error: {r.returncode} {r.stderr!r}")
        r = ctl(path, "--json", "show", "session", "--tunnel", "99")
        check(r.returncode == 1 and json.loads(r.stdout or "{}").get("ok") is False,
              f"an error answer with --json exits 1 too: {r.returncode}")
        r = ctl(os.path.join(workdir, "nobody.sock"), "show", "summary")
        check(r.returncode == 2, f"no daemon: exit 2, got {r.returncode}")

        r = ctl(None, "--version")
        check(r.returncode == 0 and VERSION is not None and r.stdout.strip() == VERSION,
              f"--version prints {VERSION}: {r.returncode} {r.stdout!r} {r.stderr!r}")
        standin.sock.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"hl2tpctl output: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
