"""The local servers against clients that misbehave (issue 13, points 0 and 6; ctest label e2e).

An LNS (metrics page on 127.0.10.2:19701) and a LAC, on addresses of their own (127.0.10.2 and
127.0.10.1) so that this test can run beside the other end-to-end tests, carry calls. Then the LNS's
metrics page and management socket get clients that reset before reading their answer, oversized
requests, random octets, malformed JSON, JSON with a wrong type in each field of each command, and
more connections than the bound; and over a hundred clients that connect and never send, send half
a request and stop, or trickle one octet every 100 ms. While those are connected the LAC places
calls, which must come up, and `hl2tpctl show summary` must answer within a second.

Checked: the LNS never dies (when it does, the failure is noted and it is started again, so that
every phase is judged), every malformed request gets an error answer, the calls come up while
the stuck clients are connected, the daemon closes every stuck client at its deadline, and the
counters on the metrics page show what happened.
"""
import json
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hl2tp_harness as h  # noqa: E402

LAC_ADDR, LNS_ADDR = "127.0.10.1", "127.0.10.2"
METRICS = (LNS_ADDR, 19701)
# The daemon's bounds and deadlines (src/daemon/management_server.cpp, metrics_server.cpp).
MAX_CONNECTIONS = 64
METRICS_DEADLINE_S, MANAGEMENT_DEADLINE_S = 5, 10

failures = []
# How many connections of each kind the phases made, for the counters' check at the end.
made = {"metrics stuck": 0, "metrics extra": 0, "management stuck": 0, "management bound": 0}


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return condition


def alive(lns, phase):
    """True when the LNS lives; otherwise the failure is noted and a new incarnation started (it
    recovers from its store), so that the next phase is judged too."""
    code = lns.proc.poll()
    if code is None:
        return True
    how = f"signal {signal.Signals(-code).name}" if code < 0 else f"status {code}"
    check(False, f"{phase}: the LNS died ({how})")
    lns.start()
    return False


def ctl(daemon, *args, timeout=5.0):
    """hl2tpctl --json against a daemon, with a time limit: (answer or None, seconds taken)."""
    begun = time.monotonic()
    try:
        r = subprocess.run([h.HL2TPCTL, "-s", daemon.socket_path, "--json", *args],
                           capture_output=True, text=True, timeout=timeout)
        answer = json.loads(r.stdout) if r.stdout else None
    except (subprocess.TimeoutExpired, json.JSONDecodeError):
        answer = None
    return answer, time.monotonic() - begun


def established(daemon, timeout=5.0):
    answer, _ = ctl(daemon, "show", "summary", timeout=timeout)
    return answer["summary"]["sessions-established"] if answer else None


def metrics_client(timeout=2.0):
    """A TCP client of the metrics page, or None when it cannot connect."""
    try:
        return socket.create_connection(METRICS, timeout=timeout)
    except OSError:
        return None


def management_client(lns, timeout=2.0):
    """A client of the management socket, or None when it cannot connect."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # A blocking connect that waits (SO_SNDTIMEO) for room in the listening socket's queue; with a
    # timeout set, Python connects without blocking and a full queue is an error at once.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", int(timeout),
                                                                   int(timeout % 1 * 1e6)))
    try:
        s.connect(lns.socket_path)
        s.settimeout(timeout)
        return s
    except OSError:
        s.close()
        return None


def reset(s):
    """Closes with SO_LINGER 0: a TCP reset instead of an orderly close."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def exchange(s, request, limit=1 << 24):
    """Sends a request and reads the answer until the daemon closes; b"" when it closed at once
    (or there was no connection)."""
    if s is None:
        return b""
    out = b""
    try:
        s.settimeout(5)
        s.sendall(request)
        while len(out) < limit:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    except OSError:
        pass
    finally:
        s.close()
    return out


def management_answer(lns, request):
    raw = exchange(management_client(lns), request)
    try:
        return json.loads(raw.decode(errors="replace"))
    except json.JSONDecodeError:
        return None


def closed_by_daemon(s, wait):
    """True when the daemon closed this client (EOF or reset) within `wait` seconds."""
    s.settimeout(wait)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True


def still_open(s):
    """True while the daemon has not closed this client."""
    s.setblocking(False)
    try:
        return s.recv(65536, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def metric(text, server, outcome):
    line = f'hl2tp_local_connections_total{{server="{server}",outcome="{outcome}"}} '
    for row in text.splitlines():
        if row.startswith(line):
            return int(row[len(line):])
    return None


def resets_before_reading(lns):
    # A whole request head, or half of one (the daemon then reads on, and meets the reset).
    for i in range(20):
        s = metrics_client()
        if s is not None:
            s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + (b"\r\n" if i % 2 else b""))
            reset(s)
        time.sleep(0.05)
        if not alive(lns, "GET /metrics, then a reset before reading"):
            break
    # Half a management request, and the client gone.
    for _ in range(5):
        s = management_client(lns)
        if s is not None:
            s.sendall(b'{"command":"show-summary"')
            s.close()
        time.sleep(0.05)
        if not alive(lns, "half a management request, the client gone before reading"):
            break
    # `show session extensive` over 2,000 sessions: an answer of about a megabyte, far more than
    # the socket holds, so the daemon is still writing when the client is gone.
    request = json.dumps({"command": "show-sessions", "level": "extensive"}).encode() + b"\n"
    for _ in range(10):
        s = management_client(lns)
        if s is not None:
            s.sendall(request)
            reset(s)
        time.sleep(0.1)
        if not alive(lns, "a large management answer, the client gone before reading"):
            break


def malformed_requests(lns, rng):
    # Oversized: no terminator within the bound.
    answer = exchange(metrics_client(), b"GET /metrics HTTP/1.1\r\nX-Padding: " + b"a" * 100_000)
    check(answer == b"" or b" 431 " in answer.split(b"\r\n")[0],
          f"an oversized HTTP request is refused: {answer[:60]!r}")
    a = management_answer(lns, b'{"command":"show-summary","padding":"' + b"a" * 100_000)
    check(a is not None and a.get("ok") is False and "too large" in a.get("error", ""),
          f"an oversized management request gets an error answer: {a}")
    alive(lns, "oversized requests")
    # Random octets, and random octets as an HTTP request head.
    for _ in range(30):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
        a = management_answer(lns, junk + b"\n")
        check(a is not None and a.get("ok") is False, f"random octets get an error answer: {a}")
        answer = exchange(metrics_client(), junk + b"\r\n\r\n")
        check(answer.startswith(b"HTTP/1.1 404"), f"random octets get a 404: {answer[:40]!r}")
        alive(lns, "random octets")
    # Malformed JSON.
    for junk in (b'{"command":', b"[1,2", b'"show-summary"', b"{}", b"null", b"[" * 30000,
                 b'{"command": 5}', b'{"command": ["show-summary"]}', b'{"command": "show-\xff\xfe"}',
                 b'{"command": "no-such-command"}', b"\xef\xbb\xbf{}"):
        a = management_answer(lns, junk + b"\n")
        check(a is not None and a.get("ok") is False, f"malformed JSON {junk[:30]!r}: {a}")
        alive(lns, f"malformed JSON {junk[:30]!r}")
    # A wrong type (or range) in each field of each command, the other fields valid. Nothing may be
    # acted on: the LNS would otherwise open tunnels to the LAC, clear, or shut down.
    valid = {
        "show-tunnels": {"level": "brief", "tunnel": 1, "peer": LAC_ADDR, "state": "established"},
        "show-sessions": {"level": "brief", "limit": 1, "tunnel": 1, "session": 1,
                          "state": "established"},
        "call": {"peer": LAC_ADDR, "count": 1, "tunnels": 1},
        "clear-tunnel": {"tunnel": 1},
        "clear-session": {"tunnel": 1, "session": 1},
        "request-shutdown": {"clear": False},
    }
    integers, texts = {"tunnel", "session", "limit", "count", "tunnels"}, {"level", "peer", "state"}
    wrong = {
        "integer": ["7", 1.5, -1, 10**20, 2**64, [1], {"a": 1}, None, True],
        "text": [7, 1.5, [], {"a": "b"}, None, True],
        "flag": ["yes", 1, 0, None, [], {}],
    }
    tunnels_before = len((ctl(lns, "show", "tunnel")[0] or {"tunnels": []})["tunnels"])
    answered = 0
    for command, fields in valid.items():
        for field in fields:
            kind = "integer" if field in integers else "text" if field in texts else "flag"
            for value in wrong[kind]:
                request = {"command": command, **fields, field: value}
                a = management_answer(lns, json.dumps(request).encode() + b"\n")
                answered += a is not None
                check(a is not None and a.get("ok") is False and field in a.get("error", ""),
                      f"{json.dumps(request)}: an error naming {field!r}, got {a}")
                alive(lns, f"wrong type: {json.dumps(request)}")
    # A count past the bound is refused, not looped over inside the daemon.
    a = management_answer(lns, json.dumps({"command": "call", "peer": LAC_ADDR,
                                           "count": 2_000_000_000}).encode() + b"\n")
    check(a is not None and a.get("ok") is False and "count" in a.get("error", ""),
          f"a call with a huge count is refused: {a}")
    alive(lns, "wrong types")
    tunnels = ctl(lns, "show", "tunnel")[0]
    check(tunnels is not None and len(tunnels["tunnels"]) == tunnels_before,
          "no malformed request opened or cleared a tunnel")
    print(f"malformed requests: {answered} wrong-type requests answered", flush=True)


class Trickler(threading.Thread):
    """Sends one octet every 100 ms to each of its clients, which never complete a request."""

    def __init__(self, clients, text):
        super().__init__(daemon=True)
        self.clients, self.text, self.stop = clients, text, threading.Event()

    def run(self):
        i = 0
        while not self.stop.wait(0.1):
            for s in self.clients:
                try:
                    s.send(self.text[i % len(self.text):i % len(self.text) + 1])
                except OSError:
                    pass
            i += 1


def stuck_clients(lac, lns):
    """Over a hundred stuck clients held by the LNS while the LAC places calls."""
    before = established(lac)
    metrics_stuck, management_stuck = [], []
    for i in range(40):  # metrics: 20 silent, 10 with half a request, 10 tricklers
        s = metrics_client(timeout=1)
        if s is not None and 20 <= i < 30:
            s.sendall(b"GET /metr")
        metrics_stuck.append(s)
    for i in range(40):  # management: 15 silent, 10 with half a request, 15 tricklers
        s = management_client(lns, timeout=1)
        if s is not None and 15 <= i < 25:
            s.sendall(b'{"command":"show-')
        management_stuck.append(s)
    check(None not in metrics_stuck + management_stuck, "the stuck clients could connect")
    metrics_stuck = [s for s in metrics_stuck if s is not None]
    management_stuck = [s for s in management_stuck if s is not None]
    trickled = metrics_stuck[30:] + management_stuck[25:]
    trickler = Trickler(trickled, b'{"command":"show-summary"' + b" " * 4000)
    trickler.start()
    # More connections than the bound: the metrics page holds 40; 80 more make 120.
    extra = [s for s in (metrics_client(timeout=2) for _ in range(80)) if s is not None]
    made.update({"metrics stuck": len(metrics_stuck), "metrics extra": len(extra),
                 "management stuck": len(management_stuck)})
    room = MAX_CONNECTIONS - len(metrics_stuck)
    refused_at_once = sum(closed_by_daemon(s, 0.05) for s in extra)
    check(refused_at_once >= len(extra) - room,
          f"connections past the bound are closed at once: {refused_at_once} of {len(extra)} "
          f"(at least {len(extra) - room})")
    held = [s for s in metrics_stuck + management_stuck + extra if still_open(s)]
    check(len(held) >= 100, f"over a hundred stuck clients connected: {len(held)}")

    # The tunnels do not notice: new calls come up, and the management socket answers.
    started = time.monotonic()
    lac.ctl("call", lac.lns_endpoint, "--count", "50", "--tunnels", "2")
    came_up = h.wait_for(lambda: (established(lac, timeout=2) or 0) >= before + 50, 4, step=0.02)
    took = time.monotonic() - started
    check(came_up, f"50 calls placed while stuck clients are connected came up ({took:.1f} s)")
    worst = 0.0
    for _ in range(5):
        answer, seconds = ctl(lns, "show", "summary", timeout=3)
        worst = max(worst, seconds if answer else 99.0)
    check(worst < 1.0, f"hl2tpctl show summary answered within a second: worst {worst:.3f} s")
    still = sum(still_open(s) for s in metrics_stuck + management_stuck)
    check(still >= 80, f"the stuck clients were still connected meanwhile: {still} of 80")
    print(f"stuck clients: {len(held)} connected; 50 calls up in {took:.2f} s; "
          f"show summary worst {worst * 1000:.0f} ms", flush=True)
    alive(lns, "stuck clients")

    # Every stuck client is closed by the daemon at its deadline.
    deadline = time.monotonic() + MANAGEMENT_DEADLINE_S + 3
    open_ones = [s for s in metrics_stuck + management_stuck + extra]
    while open_ones and time.monotonic() < deadline:
        open_ones = [s for s in open_ones if not closed_by_daemon(s, 0.05)]
    trickler.stop.set()
    trickler.join()
    check(not open_ones, f"the daemon closed every stuck client by its deadline: {len(open_ones)} open")
    for s in metrics_stuck + management_stuck + extra:
        s.close()
    alive(lns, "stuck clients, after their deadline")

    # The bound of the management socket: 70 connections, 64 held, the rest closed at once.
    held = [s for s in (management_client(lns, timeout=2) for _ in range(70)) if s is not None]
    refused = sum(closed_by_daemon(s, 0.05) for s in held)
    made["management bound"] = len(held)
    check(len(held) == 70, f"70 clients connected to the management socket: {len(held)}")
    check(refused >= len(held) - MAX_CONNECTIONS,
          f"management connections past the bound are closed at once: {refused} of {len(held)}")
    for s in held:
        s.close()
    time.sleep(0.2)
    alive(lns, "the management socket's bound")


def cli_against_the_daemon(lns):
    """hl2tpctl against the real LNS: sorted detail listings, errors for what it does not hold."""
    def run(*args):
        r = subprocess.run([h.HL2TPCTL, *args], capture_output=True, text=True, timeout=10)
        return r.returncode, r.stdout, r.stderr
    code, out, _ = run("show", "session", "detail", "--limit", "50", "--json", "-s", lns.socket_path)
    sessions = json.loads(out)["sessions"] if code == 0 and out else []
    ids = [(s["local-tunnel-id"], s["local-session-id"]) for s in sessions]
    check(len(ids) == 50 and ids == sorted(ids), "show session detail --json (options after the "
          "subcommand): 50 sessions sorted by tunnel and session ID")
    check(all(isinstance(s.get("uptime-s"), (int, float)) and s.get("remote-address", "").startswith(
        LAC_ADDR) and s.get("call-serial-number", 0) > 0 for s in sessions),
        "show session detail: uptime, peer address and serial number of each session")
    tunnels = {s["local-tunnel-id"] for s in sessions}
    absent = next(t for t in range(1, 65536) if t not in tunnels and t not in
                  {t["local-tunnel-id"] for t in (ctl(lns, "show", "tunnel")[0] or {"tunnels": []})["tunnels"]})
    for args, what in (((["show", "session", "--tunnel", str(absent)]), "an unknown tunnel"),
                       ((["show", "session", "--state", "bogus"]), "an unknown state"),
                       ((["show", "tunnel", "--tunnel", str(absent)]), "an unknown tunnel (show tunnel)"),
                       ((["show", "session", "--tunnel", str(ids[0][0]) if ids else "1", "--session",
                          str(ids[0][1] ^ 0x8000) if ids else "1"]), "an unknown session")):
        code, _, err = run("-s", lns.socket_path, *args)
        check(code == 1 and err.strip(), f"hl2tpctl {' '.join(args)}: {what} is an error ({code}, {err!r})")
    alive(lns, "hl2tpctl against the daemon")


def counters(lac, lns):
    text = ""
    for _ in range(50):
        try:
            text = lns.metrics_text()
            break
        except OSError:
            time.sleep(0.1)
    seen = {(server, outcome): metric(text, server, outcome)
            for server in ("metrics", "management")
            for outcome in ("answered", "refused", "timed_out", "reset", "too_large", "abandoned")}
    print("counters:", ", ".join(f"{s}/{o}={n}" for (s, o), n in seen.items()), flush=True)
    held = min(MAX_CONNECTIONS, made["metrics stuck"] + made["metrics extra"])
    least = {
        ("metrics", "timed_out"): held,  # the stuck, and the extras within the bound
        ("metrics", "refused"): made["metrics stuck"] + made["metrics extra"] - held,
        ("metrics", "too_large"): 1,
        ("metrics", "answered"): 30,
        ("management", "timed_out"): made["management stuck"],
        ("management", "refused"): made["management bound"] - MAX_CONNECTIONS,
        ("management", "reset"): 10 + 5,
        ("management", "too_large"): 1,
        ("management", "abandoned"): 1,
    }
    for key, n in least.items():
        check(seen[key] is not None and seen[key] >= n, f"counter {key}: {seen[key]} (at least {n})")
    # Each reset metrics client is either answered before its reset arrived, or counted as reset.
    check(seen[("metrics", "reset")] is not None, "metrics page: resets are counted")


def main():
    rng = random.Random(13)
    workdir = tempfile.mkdtemp(prefix="hl2tp-local-servers-")
    try:
        with h.lac_and_lns(workdir, lns_metrics=f"{METRICS[0]}:{METRICS[1]}",
                           addresses=(LAC_ADDR, LNS_ADDR)) as (lac, lns):
            lac.ctl("call", lac.lns_endpoint, "--count", "2000", "--tunnels", "4")
            check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 2000,
                             20), "set-up: 2,000 calls")
            before = lac.sessions()
            for phase in (lambda: cli_against_the_daemon(lns),
                          lambda: resets_before_reading(lns), lambda: stuck_clients(lac, lns),
                          lambda: malformed_requests(lns, rng), lambda: counters(lac, lns)):
                try:
                    phase()
                except Exception as e:  # a phase that cannot go on is a failure; the next runs
                    check(False, f"{type(e).__name__}: {e}")
                    alive(lns, "after a failed phase")
            check(lns.proc.poll() is None and lac.proc.poll() is None, "both daemons alive at the end")
            check(h.wait_for(lambda: before <= lac.sessions() and h.mirrored(lac, lns)[0], 10),
                  "the sessions of before are still held by both ends")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"local servers: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
