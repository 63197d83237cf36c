"""The demo behind scripts/demo.sh: see there. Exits non-zero if any established session is lost."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "e2e"))
import hl2tp_harness as h  # noqa: E402

SESSIONS, TUNNELS = 1000, 10


def show(daemon, title):
    print(f"--- {daemon.name}: hl2tpctl show summary ({title})")
    r = subprocess.run([h.HL2TPCTL, "-s", daemon.socket_path, "show", "summary"],
                       capture_output=True, text=True)
    print(r.stdout.rstrip())


def run(workdir, victim_role, failover):
    label = f"{victim_role.upper()} killed" + (", disable-failover-protocol" if failover else "")
    print(f"\n===== {label} =====")
    with h.lac_and_lns(workdir, failover=failover) as (lac, lns):
        lac.ctl("call", lac.lns_endpoint, "--count", str(SESSIONS), "--tunnels", str(TUNNELS))
        ok = h.wait_for(lambda: h.mirrored(lac, lns)[0] and len(lac.sessions()) == SESSIONS, 30)
        if not ok:
            raise RuntimeError("the sessions did not come up")
        before = len(lac.sessions())
        show(lac, "before")
        show(lns, "before")
        victim = lac if victim_role == "lac" else lns
        victim.kill()  # SIGKILL: no goodbye, the store is all that is left
        time.sleep(0.5)
        victim.start()
        recovery_ms = h.wait_recovered(victim, TUNNELS)
        if recovery_ms is None:
            raise RuntimeError(f"{victim.name} did not recover; see {victim.log_path}")
        h.wait_for(lambda: h.mirrored(lac, lns)[0], 10)
        same, n_lac, n_lns = h.mirrored(lac, lns)
        after = min(n_lac, n_lns) if same else 0
        show(lac, "after")
        show(lns, "after")
        print(f"{label}: sessions before {before}, after {after} on both ends "
              f"({'the same' if same else 'NOT the same'}), victim recovered {recovery_ms:.1f} ms "
              f"after its process started")
        return before, after, recovery_ms


def main():
    results = []
    with tempfile.TemporaryDirectory(prefix="hl2tp-demo-") as workdir:
        results.append(run(workdir, "lac", None))
        results.append(run(workdir, "lns", None))
        results.append(run(workdir, "lac", {"disable-failover-protocol": True}))
    before = min(r[0] for r in results)
    after = min(r[1] for r in results)
    lost = max(r[0] - r[1] for r in results)
    worst = max(r[2] for r in results)
    print(f"demo: sessions_before={before} sessions_after={after} lost={lost} recovery_ms={worst:.0f}")
    return 0 if lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
