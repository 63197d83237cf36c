"""End-to-end: real hl2tpd processes on loopback (ctest label e2e).

Usage: test_failover_e2e.py [--rounds N] [--seed S]
Each round: an LNS on 127.0.0.2 and a LAC on 127.0.0.1 carry calls on several tunnels while the
test places and clears calls; the LAC or the LNS is killed with SIGKILL at a random moment (with
either the failover protocol or silent failover negotiated), started again, and must recover with
every session that both ends held established, and nothing else, on both ends. Then a graceful
restart (SIGTERM), and the errors an operator meets: a damaged store, a bad configuration, a daemon
that is not running.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import capture as cap  # noqa: E402
import hl2tp_harness as h  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return condition


def both_held(lac, lns):
    """Sessions established on both ends, as the LAC names them."""
    lns_pairs = {(t, r, s) for (t, s, r) in lns.sessions()}
    lac_tunnels = lac.tunnel_pairs()
    return {(t, s, r) for (t, s, r) in lac.sessions() if (lac_tunnels.get(t), s, r) in lns_pairs}


def crash_round(workdir, rng, victim_role, failover, label, v6=False):
    with h.lac_and_lns(workdir, failover=failover, v6=v6) as (lac, lns):
        tunnels = rng.randint(2, 6)
        peer = lac.lns_endpoint
        lac.ctl("call", peer, "--count", str(rng.randint(50, 300)), "--tunnels", str(tunnels))
        h.wait_for(lambda: h.mirrored(lac, lns)[0], 10)
        # Churn: more calls, and some cleared, right up to the crash.
        cleared = set()
        for _ in range(rng.randint(1, 4)):
            lac.ctl("call", peer, "--count", str(rng.randint(1, 40)), "--tunnels", str(tunnels))
            held = sorted(lac.sessions())
            for (t, s, r) in rng.sample(held, min(len(held), rng.randint(0, 5))):
                lac.ctl("clear", "session", str(t), str(s))
                cleared.add((t, s, r))
            time.sleep(rng.uniform(0, 0.05))
        victim = lac if victim_role == "lac" else lns
        before = both_held(lac, lns) - cleared
        time.sleep(rng.uniform(0, 0.03))  # the crash lands anywhere in the traffic
        victim.kill()
        time.sleep(rng.uniform(0, 2.0))
        victim.start()
        recovery_ms = h.wait_recovered(victim, tunnels, timeout=30)
        check(recovery_ms is not None, f"{label}: {victim.name} did not recover")
        agreed = h.wait_for(lambda: h.mirrored(lac, lns)[0], 15)
        check(agreed, f"{label}: the two ends hold different sessions {h.mirrored(lac, lns)[1:]}")
        after = both_held(lac, lns)
        lost = before - after
        check(not lost, f"{label}: {len(lost)} established sessions lost")
        summary = victim.summary()
        methods = summary["effective-peer-resync-mechanisms"]
        expected = "silent-failover" if failover else "failover-protocol"
        check(list(methods) == [expected], f"{label}: negotiated {methods}, expected {expected}")
        print(f"{label}: {len(before)} sessions held by both ends at the crash, {len(after)} after, "
              f"recovered {recovery_ms or -1:.1f} ms after start", flush=True)


def graceful_restart(workdir):
    with h.lac_and_lns(workdir, lns_metrics="127.0.0.2:9701") as (lac, lns):
        lac.ctl("call", "127.0.0.2", "--count", "200", "--tunnels", "4")
        h.wait_for(lambda: h.mirrored(lac, lns)[1] == 200 and h.mirrored(lac, lns)[0], 10)
        before = both_held(lac, lns)
        lns.kill(signal.SIGTERM)
        check(lns.proc.returncode == 0, f"SIGTERM: exit code {lns.proc.returncode}")
        lns.start()
        check(h.wait_recovered(lns, 4) is not None, "SIGTERM: the LNS did not recover")
        check(h.wait_for(lambda: both_held(lac, lns) == before, 10), "SIGTERM: sessions changed")
        # Metrics against the state.
        metrics = lns.metrics_text()
        check('hl2tp_sessions{state="established"} 200' in metrics, "metrics: 200 sessions")
        check('hl2tp_tunnels{state="established"} 4' in metrics, "metrics: 4 tunnels")
        check('hl2tp_recoveries_total{outcome="completed"} 4' in metrics, "metrics: 4 recoveries")
        check("hl2tp_recovery_duration_seconds_count 4" in metrics, "metrics: recovery histogram")
        check("hl2tp_store_commit_seconds_count" in metrics, "metrics: commit histogram")
        # CLI output against the state: text and JSON name the same tunnels.
        tunnels = lac.ctl("show", "tunnel")["tunnels"]
        text = subprocess.run([h.HL2TPCTL, "-s", lac.socket_path, "show", "tunnel"],
                              capture_output=True, text=True).stdout
        for t in tunnels:
            check(str(t["local-tunnel-id"]) in text, "show tunnel (text) lists every tunnel")
        check(sum(t["sessions"] for t in tunnels) == lac.summary()["sessions"],
              "show tunnel and show summary agree on the session count")
        ext = lac.ctl("show", "tunnel", "extensive", "--state", "established")["tunnels"]
        check(len(ext) == 4 and all("control-channel" in t for t in ext),
              "show tunnel extensive --state established: 4 tunnels with their channel")
        one = lac.ctl("show", "session", "--tunnel", str(ext[0]["local-tunnel-id"]))["sessions"]
        check(len(one) == ext[0]["sessions"], "show session --tunnel agrees with show tunnel")
        # request shutdown --clear: StopCCN everywhere; the LNS sees every tunnel closed.
        lac.ctl("request", "shutdown", "--clear")
        lac.proc.wait(timeout=10)
        check(h.wait_for(lambda: not lns.tunnel_pairs(), 10), "shutdown --clear: the LNS kept tunnels")
        print("graceful restart, CLI and clearing shutdown: checked", flush=True)


def reload_under_load(workdir):
    with h.lac_and_lns(workdir) as (lac, lns):
        lac.ctl("call", "127.0.0.2", "--count", "300", "--tunnels", "3")
        with open(lns.config) as f:
            original = f.read()
        with open(lns.config, "a") as f:
            f.write("[timers]\nhello-interval = 30\n")
        lns.proc.send_signal(signal.SIGHUP)
        lac.ctl("call", "127.0.0.2", "--count", "100", "--tunnels", "3")
        check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 400, 10),
              f"reload under load: {h.mirrored(lac, lns)}")
        with open(lns.config, "w") as f:
            f.write(original + "[timers]\nhello-intervall = 30\n")
        lns.proc.send_signal(signal.SIGHUP)
        time.sleep(0.3)
        check(lns.proc.poll() is None and len(lns.sessions()) == 400,
              "a broken configuration on SIGHUP keeps the daemon and its sessions")
        with open(lns.log_path) as f:
            log = f.read()
        check("reload: configuration" in log and "applied" in log, "reload logged")
        check("unknown setting 'hello-intervall'" in log and "keeping the running configuration" in log,
              "a broken reload is logged with its line")
        print("configuration reload under load: checked", flush=True)


def operator_errors(workdir):
    bad = os.path.join(workdir, "bad.toml")
    with open(bad, "w") as f:
        f.write('role = "lns"\n[timers]\nhello-intervall = 30\n')
    r = subprocess.run([h.HL2TPD, "-c", bad], capture_output=True, text=True, timeout=10)
    check(r.returncode == 2 and f"{bad}:3:1: unknown setting 'hello-intervall'" in r.stderr,
          f"bad configuration: {r.returncode} {r.stderr.strip()}")
    # A damaged store is refused and left as it was.
    store = os.path.join(workdir, "lns.db")
    with open(store, "wb") as f:
        f.write(os.urandom(8192))
    with open(store, "rb") as f:
        content = f.read()
    d = h.Daemon("lns", "lns", "127.0.0.2", workdir)
    try:
        try:
            d.start(timeout=5)
            check(False, "a damaged store was accepted")
        except RuntimeError:
            pass
        with open(d.log_path) as f:
            log = f.read()
        check("not readable" in log or "damaged" in log, f"damaged store: {log.strip()}")
        with open(store, "rb") as f:
            check(f.read() == content, "the damaged store was modified")
    finally:
        d.udp.close()
    r = subprocess.run([h.HL2TPCTL, "-s", os.path.join(workdir, "none.sock"), "show", "summary"],
                       capture_output=True, text=True)
    check(r.returncode == 2 and "cannot reach hl2tpd" in r.stderr, f"no daemon: {r.stderr.strip()}")
    print("operator errors: checked", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    print(f"seed {args.seed}", flush=True)
    rng = random.Random(args.seed)
    workdir = tempfile.mkdtemp(prefix="hl2tp-e2e-")
    capdir = tempfile.mkdtemp(prefix="hl2tp-e2e-capture-")  # the rounds empty their workdir
    try:
        # Everything the daemons send is captured and dissected afterwards (capture.py).
        with cap.Capture(os.path.join(capdir, "e2e.pcap"), ports=(1701, 1702)) as capture:
            for i in range(args.rounds):
                for victim in ("lac", "lns"):
                    for failover, name in ((None, "protocol"),
                                           ({"disable-failover-protocol": True}, "silent")):
                        crash_round(workdir, rng, victim, failover,
                                    f"round {i + 1}, {victim} killed, {name}")
            crash_round(workdir, rng, "lns", None, "IPv6 (::1), lns killed, protocol", v6=True)
            graceful_restart(workdir)
            reload_under_load(workdir)
            operator_errors(workdir)
        ours = {("127.0.0.1", 1701), ("127.0.0.2", 1701), ("::1", 1701), ("::1", 1702)}
        cap.judge(capture, ours, check, restarts=h.STARTS)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(capdir, ignore_errors=True)
    print(f"e2e: {len(failures)} failures (seed {args.seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
