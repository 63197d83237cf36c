#!/usr/bin/env python3
"""The daemon benchmarks of issue 7, run by scripts/bench.sh; results as JSON on stdout.

Usage: daemon_bench.py BUILD_DIR [--runs N] [--only NAME,...] [--reference BUILD_DIR]
Real processes on loopback, on addresses no test uses (127.0.0.5-9, port 1801 unless said):
  setup     sessions/s with hl2tpd as LNS (store on: process-crash durability, group commit) for
            10,000 and 100,000 sessions over 16 and 100 tunnels; and 1,000 over 16 with hl2tpd and
            with xl2tpd as LNS side by side (xl2tpd forks a pppd per call and stops near 1,000).
  tunnels   tunnels/s, hl2tpd against xl2tpd as LNS, at 500, 2,000 and 10,000 tunnels.
  memory    hl2tpd LNS holding 1,000 tunnels / 100,000 sessions and 1,000 / 1,000,000: RSS per
            session and per tunnel, store bytes per session; then its CPU over 60 idle seconds.
  recovery  two hl2tpd, SIGKILL of the LAC or the LNS, per method, at 100/10,000 and
            1,000/100,000: new process start to every tunnel recovered, sessions lost.
  baseline  the same crash under failover-resync = "none", and xl2tpd restarted as a LAC.
  latency   set-up rate, per-call latency (p50/p99) and the loop's longest turn, hl2tpd as LNS with
            its store on disk and on tmpfs, at 4 calls in flight on each of 16 tunnels and at 512 in
            all; with --reference BUILD_DIR, another build's hl2tpd in the same alternating runs.
            Disk against tmpfs (sessions_per_s_to_tmpfs): the ratio of each round's two runs.
            With --pin-loop, hl2tpd's loop thread has CPU 0 to itself and its other threads and
            the load generator share CPU 1, as an operator gives the loop a core of its own.
The load generator is bench/l2tp_loadgen (a LAC on our engine without a store); every figure
carries the CPU time of each process involved, from /proc.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "e2e"))
from xl2tpd_harness import Xl2tpd  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
LNS_ADDR, LAC_ADDR, XL_ADDR = "127.0.0.5", "127.0.0.6", "127.0.0.7"
PORT = 1801


def cpu_s(pid):
    """User + system CPU seconds of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_kib(pid, field="VmRSS"):
    """Resident memory (VmRSS), or its peak so far (VmHWM)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": len(values)}


class Hl2tpd:
    """One hl2tpd with a fresh store in its own directory."""

    def __init__(self, build, role, address, peers=(), failover=None, name=None, port=PORT,
                 store_dir=None, metrics="", durability="process-crash"):
        self.build, self.role, self.address = build, role, address
        self.dir = tempfile.mkdtemp(prefix=f"hl2tp-bench-{name or role}-", dir=store_dir)
        self.metrics = metrics
        self.sock = os.path.join(self.dir, "ctl.sock")
        self.store = os.path.join(self.dir, "store.db")
        lines = [f'role = "{role}"', f'host-name = "bench-{role}"', f'listen = ["{address}:{port}"]',
                 "accept-unlisted-peers = true", "[limits]", "max-tunnels = 20000",
                 "max-sessions = 2000000", "max-sessions-per-tunnel = 65000", "[store]",
                 f'path = "{self.store}"', f'durability = "{durability}"', "[management]", f'socket = "{self.sock}"', "[metrics]",
                 f'address = "{metrics}"', "[log]", 'level = "warn"']
        if failover:
            lines += ["[failover]"] + [f"{k} = {json.dumps(v)}" for k, v in failover.items()]
        for peer in peers:
            lines += ["[[peer]]", f'address = "{peer}"']
        self.config = os.path.join(self.dir, "hl2tpd.toml")
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "hl2tpd.log"), "a")
        self.started = time.monotonic()
        # The environment of systemd/hl2tpd.service: what an operator's daemon runs with.
        env = dict(os.environ, GLIBC_TUNABLES="glibc.malloc.hugetlb=1")
        self.proc = subprocess.Popen([os.path.join(self.build, "src/daemon/hl2tpd"), "-c",
                                      self.config], stdout=self.log, stderr=self.log, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hl2tpd exited; see {self.dir}/hl2tpd.log")
            if os.path.exists(self.sock) and self.ask({"command": "show-summary"}):
                return
            time.sleep(0.002)
        raise RuntimeError("hl2tpd did not come up")

    def try_ctl(self, *args):
        r = subprocess.run([os.path.join(self.build, "src/ctl/hl2tpctl"), "-s", self.sock, "--json",
                            *args], capture_output=True, text=True)
        return json.loads(r.stdout) if r.returncode == 0 and r.stdout else None

    def ask(self, request):
        """One request on the management socket itself: polling it by starting hl2tpctl every
        few milliseconds took CPU from the daemons being measured on a 2-core machine."""
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as c:
                c.settimeout(10)
                c.connect(self.sock)
                c.sendall((json.dumps(request) + "\n").encode())
                answer = b""
                while chunk := c.recv(65536):
                    answer += chunk
            reply = json.loads(answer)
            return reply if reply.get("ok") else None
        except (OSError, ValueError):
            return None

    def summary(self):
        return self.try_ctl("show", "summary")["summary"]

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def store_bytes(self):
        return sum(os.path.getsize(self.store + s) for s in ("", "-wal")
                   if os.path.exists(self.store + s))


def loadgen(build, peer, tunnels, sessions, hold_s=0, wait=True, in_flight=512, per_tunnel=0,
            cpus=None):
    cmd = [os.path.join(build, "bench/l2tp_loadgen"), "--peer", peer, "--local",
           f"{LAC_ADDR}:{PORT}", "--tunnels", str(tunnels), "--sessions", str(sessions),
           "--hold-s", str(hold_s), "--timeout-s", "300", "--in-flight", str(in_flight)]
    if per_tunnel:
        cmd += ["--in-flight-per-tunnel", str(per_tunnel)]
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    if wait:
        r = subprocess.run(cmd, capture_output=True, text=True, preexec_fn=pin)
        if not r.stdout:
            raise RuntimeError(f"l2tp_loadgen: {r.stderr}")
        return json.loads(r.stdout)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)


def setup_run(build, lns_kind, tunnels, sessions, in_flight=512):
    """One fresh LNS, one load; the rates and every process's CPU."""
    if lns_kind == "hl2tpd":
        lns = Hl2tpd(build, "lns", LNS_ADDR)
        lns.start()
        pid, peer = lns.proc.pid, f"{LNS_ADDR}:{PORT}"
    else:
        workdir = tempfile.mkdtemp(prefix="hl2tp-bench-xl2tpd-")
        lns = Xl2tpd("xl2tpd", XL_ADDR, workdir, port=PORT, debug=False)
        lns.start()
        pid, peer = lns.proc.pid, f"{XL_ADDR}:{PORT}"
    try:
        cpu0 = cpu_s(pid)
        r = loadgen(build, peer, tunnels, sessions, in_flight=in_flight)
        r["lns_cpu_s"] = cpu_s(pid) - cpu0
        if lns_kind != "hl2tpd":
            # Its pppd stand-ins are children: their (tiny) CPU is counted apart, not hidden.
            r["pppd_processes"] = sessions
        return r
    finally:
        lns.stop()
        if lns_kind != "hl2tpd":
            shutil.rmtree(workdir, ignore_errors=True)


def bench_setup(build, runs):
    # xl2tpd hands out duplicate tunnel IDs and desynchronizes under more than a few dozen
    # set-ups in flight (docs/peer-behaviour.md §1.7; seen here from 64 on): the side-by-side rows
    # drive both daemons with 16 in flight.
    out = []
    for kind, tunnels, sessions, in_flight in (
            ("hl2tpd", 16, 10_000, 512), ("hl2tpd", 100, 10_000, 512),
            ("hl2tpd", 16, 100_000, 512), ("hl2tpd", 100, 100_000, 512),
            ("hl2tpd", 16, 1_000, 16), ("xl2tpd", 16, 1_000, 16)):
        rs = [setup_run(build, kind, tunnels, sessions, in_flight) for _ in range(runs)]
        ok = [r for r in rs if r["sessions_established"] == sessions]
        out.append({"lns": kind, "tunnels": tunnels, "sessions": sessions, "in_flight": in_flight,
                    "complete_runs": len(ok),
                    "sessions_per_s": summary([r["sessions_per_s"] for r in rs]),
                    "sessions_per_s_to_last_iccn": summary(
                        [r["sessions_per_s_to_last_iccn"] for r in rs]),
                    "lns_cpu_us_per_session": summary([1e6 * r["lns_cpu_s"] / sessions for r in rs]),
                    "lns_cpu_s": summary([r["lns_cpu_s"] for r in rs]),
                    "loadgen_cpu_s": summary([r["loadgen_cpu_s"] for r in rs]),
                    "wall_s": summary([r["session_setup_s"] + r["tunnel_setup_s"] for r in rs])})
        print(f"setup {kind} {tunnels}/{sessions}: {out[-1]['sessions_per_s']}", file=sys.stderr)
    return out


def metric_value(text, name):
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return None


def loop_thread_waits(pid):
    """The loop thread's (the main thread's) time runnable but waiting for a core, in ms, and its
    switches off the core: voluntary (it waited for something: epoll, a lock, the disk) and
    involuntary (another thread took the core). From /proc: schedstat's second field, status."""
    base = f"/proc/{pid}/task/{pid}"
    with open(f"{base}/schedstat") as f:
        waited_ns = int(f.read().split()[1])
    counts = {}
    with open(f"{base}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                counts[key] = int(value)
    return waited_ns / 1e6, counts["voluntary_ctxt_switches"], counts["nonvoluntary_ctxt_switches"]


def pin_loop(pid):
    """The loop (the main thread) alone on CPU 0; every other thread of the process on CPU 1."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        os.sched_setaffinity(int(tid), {0} if int(tid) == pid else {1})


def latency_run(build, lns_build, store_dir, durability, tunnels, sessions, in_flight, per_tunnel,
                pinned=False):
    """One fresh hl2tpd LNS (of `lns_build`) with its store in `store_dir`; one load."""
    metrics = f"{LNS_ADDR}:9801"
    lns = Hl2tpd(lns_build, "lns", LNS_ADDR, store_dir=store_dir, metrics=metrics,
                 durability=durability)
    lns.start()
    try:
        if pinned:
            pin_loop(lns.proc.pid)
        cpu0 = cpu_s(lns.proc.pid)
        waits0 = loop_thread_waits(lns.proc.pid)
        r = loadgen(build, f"{LNS_ADDR}:{PORT}", tunnels, sessions, in_flight=in_flight,
                    per_tunnel=per_tunnel, cpus={1} if pinned else None)
        r["lns_cpu_s"] = cpu_s(lns.proc.pid) - cpu0
        waited_ms, voluntary, involuntary = (
            a - b for a, b in zip(loop_thread_waits(lns.proc.pid), waits0))
        r["loop_waited_for_core_ms"] = waited_ms
        r["loop_preempted"] = involuntary
        r["loop_slept"] = voluntary
        page = urllib.request.urlopen(f"http://{metrics}/metrics", timeout=10).read().decode()
        ms = lambda v: None if v is None else 1000 * v  # noqa: E731
        r["longest_loop_turn_ms"] = ms(metric_value(page, "hl2tp_loop_turn_longest_seconds"))
        r["longest_loop_turn_cpu_ms"] = ms(
            metric_value(page, "hl2tp_loop_turn_longest_cpu_seconds"))
        return r
    finally:
        lns.stop()


def bench_latency(build, runs, reference=None, pinned=False):
    disk = tempfile.mkdtemp(prefix="hl2tp-bench-disk-", dir="/var/tmp")
    shm = tempfile.mkdtemp(prefix="hl2tp-bench-tmpfs-", dir="/dev/shm")
    builds = [("this", build)] + ([("reference", reference)] if reference else [])
    loads = [(16, 10_000, 512, 4), (16, 10_000, 512, 0)]
    stores = [("disk", disk, "process-crash"), ("tmpfs", shm, "process-crash"),
              ("disk, power-loss", disk, "power-loss")]
    cases = [(b, store, load) for load in loads for b in builds for store in stores]
    got = {i: [] for i in range(len(cases))}
    try:
        # Alternating: every case once per round, so that the machine's drift hits all alike.
        for _ in range(runs):
            for i, ((_, lns_build), (_, store_dir, durability), load) in enumerate(cases):
                got[i].append(latency_run(build, lns_build, store_dir, durability, *load,
                                          pinned=pinned))
    finally:
        shutil.rmtree(disk, ignore_errors=True)
        shutil.rmtree(shm, ignore_errors=True)
    out = []
    for i, ((name, _), (store, _, _), (tunnels, sessions, in_flight, per_tunnel)) in enumerate(
            cases):
        rs = got[i]
        turns = [r["longest_loop_turn_ms"] for r in rs if r["longest_loop_turn_ms"] is not None]
        cpu_turns = [r["longest_loop_turn_cpu_ms"] for r in rs
                     if r.get("longest_loop_turn_cpu_ms") is not None]
        out.append({"hl2tpd": name, "store": store, "loop_pinned": pinned,
                    "tunnels": tunnels, "sessions": sessions,
                    "in_flight": f"{per_tunnel} per tunnel" if per_tunnel else in_flight,
                    "complete_runs": sum(r["sessions_established"] == sessions for r in rs),
                    "sessions_per_s": summary([r["sessions_per_s"] for r in rs]),
                    "latency_p50_ms": summary([r["setup_latency_ms"]["p50"] for r in rs]),
                    "latency_p99_ms": summary([r["setup_latency_ms"]["p99"] for r in rs]),
                    "latency_max_ms": summary([r["setup_latency_ms"]["max"] for r in rs]),
                    "longest_loop_turn_ms": summary(turns) if turns else None,
                    "longest_loop_turn_cpu_ms": summary(cpu_turns) if cpu_turns else None,
                    # A turn longer in wall time than in CPU time either slept or was preempted;
                    # these say which (loop_thread_waits).
                    "loop_waited_for_core_ms": summary([r["loop_waited_for_core_ms"] for r in rs]),
                    "loop_preempted": summary([r["loop_preempted"] for r in rs]),
                    "loop_slept": summary([r["loop_slept"] for r in rs]),
                    "lns_cpu_s": summary([r["lns_cpu_s"] for r in rs])})
        paired = ""
        if store != "tmpfs":
            # Each round's run on tmpfs, moments apart with the same build and load: the ratio of
            # a pair drifts much less with the machine than a ratio of two medians.
            tmpfs = got[cases.index(((name, cases[i][0][1]), stores[1], cases[i][2]))]
            ratios = [d["sessions_per_s"] / t["sessions_per_s"] for d, t in zip(rs, tmpfs)]
            out[-1]["sessions_per_s_to_tmpfs"] = summary(ratios)
            paired = f", {statistics.median(ratios):.2f} of tmpfs (median of pairs)"
        print(f"latency {name} {store} {out[-1]['in_flight']}: "
              f"{out[-1]['sessions_per_s']['median']:.0f}/s p99 "
              f"{out[-1]['latency_p99_ms']['median']:.2f} ms{paired}", file=sys.stderr)
    return out


def bench_tunnels(build, runs):
    out = []
    for tunnels in (500, 2_000, 10_000):
        for kind, in_flight in (("hl2tpd", 512), ("hl2tpd", 16), ("xl2tpd", 16)):
            rs = [setup_run(build, kind, tunnels, 0, in_flight) for _ in range(runs)]
            out.append({"lns": kind, "tunnels": tunnels, "in_flight": in_flight,
                        "complete_runs": sum(r["tunnels_established"] == tunnels for r in rs),
                        "tunnels_per_s": summary([r["tunnels_per_s"] for r in rs]),
                        "tunnels_per_s_to_last_scccn": summary(
                            [r["tunnels_per_s_to_last_scccn"] for r in rs]),
                        "lns_cpu_s": summary([r["lns_cpu_s"] for r in rs]),
                        "loadgen_cpu_s": summary([r["loadgen_tunnel_cpu_s"] for r in rs])})
            print(f"tunnels {kind} {tunnels} ({in_flight} in flight): {out[-1]['tunnels_per_s']}",
                  file=sys.stderr)
    return out


def bench_memory(build, idle_s=60):
    out = []
    # Per tunnel: 10,000 tunnels without sessions.
    lns = Hl2tpd(build, "lns", LNS_ADDR)
    lns.start()
    try:
        time.sleep(0.5)
        rss0 = rss_kib(lns.proc.pid)
        gen = loadgen(build, f"{LNS_ADDR}:{PORT}", 10_000, 0, hold_s=3, wait=False)
        r = json.loads(gen.stdout.readline())
        time.sleep(1.0)
        rss = rss_kib(lns.proc.pid)
        out.append({"tunnels": r["tunnels_established"], "sessions": 0, "rss0_kib": rss0,
                    "rss_kib": rss, "rss_per_tunnel_bytes": 1024 * (rss - rss0) / 10_000,
                    "store_bytes": lns.store_bytes(),
                    "store_bytes_per_tunnel": lns.store_bytes() / 10_000})
        gen.wait()
        print(f"memory 10000 tunnels: {out[-1]}", file=sys.stderr)
    finally:
        lns.stop()
    for tunnels, sessions in ((1_000, 100_000), (1_000, 1_000_000)):
        lns = Hl2tpd(build, "lns", LNS_ADDR)
        lns.start()
        try:
            time.sleep(0.5)
            rss0 = rss_kib(lns.proc.pid)
            hold = idle_s + 30 if sessions == 100_000 else 5
            gen = loadgen(build, f"{LNS_ADDR}:{PORT}", tunnels, sessions, hold_s=hold, wait=False)
            r = json.loads(gen.stdout.readline())
            time.sleep(1.0)
            rss = rss_kib(lns.proc.pid)
            row = {"tunnels": tunnels, "sessions": r["sessions_established"], "rss0_kib": rss0,
                   "rss_kib": rss, "rss_per_session_bytes": 1024 * (rss - rss0) / sessions,
                   "store_bytes": lns.store_bytes(),
                   "store_bytes_per_session": lns.store_bytes() / sessions}
            if sessions == 100_000:
                # Idle: default Hellos (60 s) both ways, nothing else. Both processes' CPU.
                c0, g0 = cpu_s(lns.proc.pid), cpu_s(gen.pid)
                time.sleep(idle_s)
                row["idle_s"] = idle_s
                row["idle_lns_cpu_percent"] = 100 * (cpu_s(lns.proc.pid) - c0) / idle_s
                row["idle_loadgen_cpu_percent"] = 100 * (cpu_s(gen.pid) - g0) / idle_s
            gen.wait()
            out.append(row)
            print(f"memory {tunnels}/{sessions}: {row}", file=sys.stderr)
        finally:
            lns.stop()
    return out


def established(d):
    sessions = d.try_ctl("show", "session")["sessions"]
    return {(s["local-tunnel-id"], s["local-session-id"]) for s in sessions
            if s["state"] == "established"}


def wait_recovered(d, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = d.ask({"command": "show-summary"})
        if s:
            r = s["summary"]["recovery"]
            if r["tunnels-recovering"] == 0 and r["recoveries-completed"] + r["recoveries-failed"] \
                    >= s["summary"]["tunnels"].get("established", 0) and \
                    r["recoveries-completed"] > 0:
                return (time.monotonic() - d.started) * 1000, r
        time.sleep(0.005)
    return None, None


def bench_recovery(build, runs, sizes=((100, 10_000), (1_000, 100_000))):
    out = []
    for tunnels, sessions in sizes:
        for method, failover in (("failover-protocol", None),
                                 ("silent-failover", {"disable-failover-protocol": True})):
            lns = Hl2tpd(build, "lns", LNS_ADDR, peers=[LAC_ADDR], failover=failover)
            lac = Hl2tpd(build, "lac", LAC_ADDR, peers=[LNS_ADDR], failover=failover)
            try:
                lns.start()
                lac.start()
                # hl2tpctl call places at most 100,000 calls a request: one request after
                # another, each once the calls before it are up.
                for placed in range(0, sessions, 100_000):
                    chunk = min(100_000, sessions - placed)
                    lac.try_ctl("call", f"{LNS_ADDR}:{PORT}", "--count", str(chunk),
                                "--tunnels", str(tunnels))
                    deadline = time.monotonic() + 120
                    while time.monotonic() < deadline and \
                            lns.summary().get("sessions-established", 0) < placed + chunk:
                        time.sleep(0.2)
                time.sleep(1.0)
                for role, victim in (("lac", lac), ("lns", lns)):
                    rows = []
                    for _ in range(runs):
                        peer = lns if victim is lac else lac
                        before = len(established(victim))
                        peer_cpu = cpu_s(peer.proc.pid)
                        victim.kill()
                        killed = time.monotonic()
                        victim.start()
                        ms, rec = wait_recovered(victim)
                        peer_waited = (time.monotonic() - killed) * 1000
                        peak_kib = rss_kib(victim.proc.pid, "VmHWM")
                        time.sleep(0.5)
                        # What helping cost the peer (RFC 4951: it answers every recovery tunnel);
                        # taken before the next request to it, which costs CPU of its own.
                        peer_cpu = cpu_s(peer.proc.pid) - peer_cpu
                        after = len(established(victim))
                        rows.append({"recovery_ms": ms, "lost": before - after,
                                     "kill_to_recovered_ms": peer_waited,
                                     "restart_cpu_s": cpu_s(victim.proc.pid),
                                     "restart_peak_rss_kib": peak_kib,
                                     "peer_cpu_s": peer_cpu,
                                     "peer_sessions": peer.summary()["sessions-established"]})
                    row = {"tunnels": tunnels, "sessions": sessions, "method": method,
                           "failed_role": role,
                           "recovery_ms": summary([r["recovery_ms"] or 1e9 for r in rows]),
                           "kill_to_recovered_ms": summary([r["kill_to_recovered_ms"] for r in rows]),
                           "restarted_process_cpu_s": summary([r["restart_cpu_s"] for r in rows]),
                           "restarted_process_peak_rss_kib": summary(
                               [r["restart_peak_rss_kib"] for r in rows]),
                           "helping_peer_cpu_s": summary([r["peer_cpu_s"] for r in rows]),
                           "helping_peer_cpu_s_by_run": [r["peer_cpu_s"] for r in rows],
                           "sessions_lost": sum(r["lost"] for r in rows),
                           "peer_sessions_after": rows[-1]["peer_sessions"]}
                    out.append(row)
                    print(f"recovery {row}", file=sys.stderr)
            finally:
                lac.stop()
                lns.stop()
    return out


def bench_baseline(build):
    """What a restart costs without recovery: our own daemon under "none", and xl2tpd as a LAC."""
    out = {}
    lns = Hl2tpd(build, "lns", LNS_ADDR, peers=[LAC_ADDR], failover={"failover-resync": "none"})
    lac = Hl2tpd(build, "lac", LAC_ADDR, peers=[LNS_ADDR], failover={"failover-resync": "none"})
    xl_lns = Hl2tpd(build, "lns", "127.0.0.8", name="lns-for-xl2tpd", port=1701)
    workdir = tempfile.mkdtemp(prefix="hl2tp-bench-xl2tpd-lac-")
    xl = Xl2tpd("xl2tpd", "127.0.0.9", workdir, lns="127.0.0.8", lacs=10, debug=False)
    try:
        for d in (lns, lac, xl_lns):
            d.start()
        xl.start()
        lac.try_ctl("call", f"{LNS_ADDR}:{PORT}", "--count", "10000", "--tunnels", "100")
        for name in xl.lac_names:
            xl.control(f"c {name}")
        time.sleep(3)
        before = lac.summary()["sessions-established"]
        xl_before = xl_lns.summary()["sessions-established"]
        # Both crashes at once; each survivor is watched until it has cleared everything.
        lns.kill()
        xl.proc.kill()
        xl.proc.wait()
        killed = time.monotonic()
        lns.start()
        xl.start()
        noticed = {}
        while time.monotonic() - killed < 200 and len(noticed) < 2:
            if "none" not in noticed and lac.summary()["sessions-established"] == 0:
                noticed["none"] = time.monotonic() - killed
            if "xl2tpd" not in noticed and xl_lns.summary()["sessions-established"] == 0:
                noticed["xl2tpd"] = time.monotonic() - killed
            time.sleep(0.5)
        out["none"] = {"sessions_before": before,
                       "sessions_lost": before - lns.summary()["sessions-established"],
                       "peer_noticed_s": noticed.get("none")}
        out["xl2tpd_lac_restart"] = {"sessions_before": xl_before,
                                     "sessions_lost": xl_before - len(xl.sessions()),
                                     "peer_noticed_s": noticed.get("xl2tpd")}
        print(f"baseline {out}", file=sys.stderr)
    finally:
        for d in (lac, lns, xl_lns):
            d.stop()
        xl.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="setup,latency,tunnels,memory,recovery,baseline")
    ap.add_argument("--reference", help="another build whose hl2tpd runs beside (latency)")
    ap.add_argument("--pin-loop", action="store_true",
                    help="latency: hl2tpd's loop alone on CPU 0, the rest on CPU 1")
    ap.add_argument("--recovery-sizes", default="100/10000,1000/100000",
                    help="TUNNELS/SESSIONS,... for the recovery benchmark (1000/1000000 takes "
                         "about a minute to set up)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    results = {"machine": {"cores": os.cpu_count(), "cpu": next(
        (line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
         if line.startswith("model name")), "?"), "date": time.strftime("%Y-%m-%d")}}
    for name in args.only.split(","):
        started = time.monotonic()
        if name == "setup":
            results["setup"] = bench_setup(build, args.runs)
        elif name == "latency":
            results["latency"] = bench_latency(
                build, args.runs, os.path.abspath(args.reference) if args.reference else None,
                pinned=args.pin_loop)
        elif name == "tunnels":
            results["tunnels"] = bench_tunnels(build, args.runs)
        elif name == "memory":
            results["memory"] = bench_memory(build)
        elif name == "recovery":
            sizes = [tuple(int(n) for n in size.split("/")) for size in args.recovery_sizes.split(",")]
            results["recovery"] = bench_recovery(build, args.runs, sizes)
        elif name == "baseline":
            results["baseline"] = bench_baseline(build)
        results.setdefault("duration_s", {})[name] = time.monotonic() - started
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
