"""An upgrade of the Debian package is a hitless restart (ctest label package).

Usage: test_package_upgrade.py [--calls N] [--tunnels T]
Two packages of the build tree under test, version N (the project's) and N+1 (N+test1), from
scripts/package.sh. An LNS and a LAC are two machines here: two scratch roots (scratch_root.py),
each with version N installed, each running the hl2tpd installed in it (not the build tree's), on
127.0.40.2 and 127.0.40.1 with its store in the root's /var/lib/hl2tp and its UDP socket held for it
as hl2tpd.socket holds it. The LAC places N calls; then each machine in turn is upgraded to N+1:
- dpkg installs N+1 while hl2tpd runs, and the running process is left alone (prerm stops nothing
  on an upgrade);
- then the step postinst takes under systemd, `deb-systemd-invoke try-restart hl2tpd.service`, as
  systemd carries it out: the daemon runs, so it gets SIGTERM (a hitless stop, status 0) and is
  started again from the unit's ExecStart=, which is now N+1's binary;
- every session both ends held before is counted on both ends after: none may be lost.
The maintainer scripts of N+1 are read to check that this is the sequence they ask of systemd:
try-restart of the service alone, on an upgrade alone; nothing enabled, started or stopped else.
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hl2tp_harness as h  # noqa: E402
import scratch_root as sr  # noqa: E402

LAC_ADDR, LNS_ADDR = "127.0.40.1", "127.0.40.2"
VERSION = os.environ.get("HL2TP_VERSION", "")
NEXT = VERSION + "+test1"

failures = []


def check(condition, what, detail=""):
    print(("ok: " if condition else "FAIL: ") + what + ("" if condition or not detail else f": {detail}"),
          flush=True)
    if not condition:
        failures.append(what)
    return condition


def both_held(lac, lns):
    """Sessions established on both ends, as the LAC names them."""
    lns_pairs = {(t, r, s) for (t, s, r) in lns.sessions()}
    lac_tunnels = lac.tunnel_pairs()
    return {(t, s, r) for (t, s, r) in lac.sessions() if (lac_tunnels.get(t), s, r) in lns_pairs}


# --- what the maintainer scripts ask of systemd ------------------------------------------------

# A command line that speaks to systemd (comments and tests of the helpers' presence are not).
SERVICE_COMMAND = re.compile(r"^(systemctl|deb-systemd-invoke|deb-systemd-helper)\s+(.*)")


def maintainer_scripts(deb, workdir):
    control = os.path.join(workdir, "control")
    subprocess.run(["dpkg-deb", "--control", deb, control], check=True)
    scripts = {}
    for name in ("postinst", "prerm", "postrm"):
        with open(os.path.join(control, name)) as f:
            scripts[name] = f.read()
    return scripts


def branch(script, label):
    """The commands of the `case "$1"` branch whose patterns include `label`."""
    lines, inside = [], False
    for line in script.splitlines():
        stripped = line.strip()
        if not inside and re.match(r"^[a-z| -]+\)", stripped) and \
                label in [p.strip() for p in stripped.split(")")[0].split("|")]:
            inside = True
            rest = stripped.split(")", 1)[1].strip()
            if rest.startswith(";;"):
                return []
            continue
        if inside:
            if stripped == ";;":
                return lines
            lines.append(stripped)
    return lines


def service_commands(lines):
    """Each such command with its arguments, without its redirections."""
    return [m.group(1) + " " + m.group(2).split(">")[0].strip()
            for m in (SERVICE_COMMAND.match(line.strip()) for line in lines) if m]


def check_maintainer_scripts(scripts):
    configure = branch(scripts["postinst"], "configure")
    commands = service_commands(configure)
    check(commands == ["deb-systemd-helper update-state hl2tpd.socket hl2tpd.service",
                       "systemctl --system daemon-reload",
                       "deb-systemd-invoke try-restart hl2tpd.service"],
          "postinst configure: records the units, reloads systemd and try-restarts hl2tpd.service, "
          "and nothing else", commands)
    text = "\n".join(configure)
    check(re.search(r'if \[ -n "\$2" \]; then\s*(#[^\n]*\s*)*deb-systemd-invoke try-restart', text) is not None,
          "postinst restarts hl2tpd only on an upgrade (a previous version in $2)")
    check(re.search(r'if \[ -z "\$\{DPKG_ROOT:-\}" \] && \[ -d /run/systemd/system \]', text) is not None,
          "postinst speaks to systemd only on the running system, under systemd")
    for name in ("postinst", "prerm", "postrm"):
        every = service_commands(scripts[name].splitlines())
        check(not [c for c in every if re.search(r"\b(enable|start|restart|reenable)\b", c)
                   and "try-restart" not in c],
              f"{name} enables and starts nothing", every)
    check(service_commands(branch(scripts["prerm"], "upgrade")) == [],
          "prerm stops nothing on an upgrade")
    check(service_commands(branch(scripts["prerm"], "remove")) ==
          ["deb-systemd-invoke stop hl2tpd.socket hl2tpd.service"],
          "prerm stops the socket and the service on a removal")


# --- the upgrade ------------------------------------------------------------------------------

def unit_exec_start(root):
    with open(root("/usr/lib/systemd/system/hl2tpd.service")) as f:
        for line in f:
            if line.startswith("ExecStart="):
                return line.partition("=")[2].split()[0]
    return None


def try_restart(daemon, root):
    """`systemctl try-restart hl2tpd.service`: if hl2tpd runs, SIGTERM, wait for its exit, and
    start the program the unit's ExecStart= names (in the root). Its exit status."""
    if daemon.proc is None or daemon.proc.poll() is not None:
        return None
    daemon.kill(signal.SIGTERM)
    status = daemon.proc.returncode
    daemon.hl2tpd = root(unit_exec_start(root))
    daemon.start()
    return status


def upgrade(name, root, daemon, lac, lns, deb, tunnels, before):
    pid = daemon.proc.pid
    old_binary = os.stat(root("/usr/sbin/hl2tpd")).st_ino
    r = root.dpkg("--install", deb)
    check(r.returncode == 0 and root.installed_version() == "ii " + NEXT,
          f"{name}: dpkg upgrades {VERSION} to {NEXT}", f"{r.returncode} {root.installed_version()} {r.stderr[-800:]}")
    new_binary = os.stat(root("/usr/sbin/hl2tpd")).st_ino
    check(new_binary != old_binary, f"{name}: the upgrade put a new /usr/sbin/hl2tpd in place")
    check(daemon.proc.poll() is None and daemon.proc.pid == pid and
          os.readlink(f"/proc/{pid}/exe").endswith(" (deleted)"),
          f"{name}: the old hl2tpd serves on during the upgrade, from the binary it replaced")
    status = try_restart(daemon, root)
    check(status == 0, f"{name}: SIGTERM is a hitless stop (exit status 0)", status)
    check(os.stat(f"/proc/{daemon.proc.pid}/exe").st_ino == new_binary,
          f"{name}: the restarted hl2tpd runs the new binary")
    recovered_ms = h.wait_recovered(daemon, tunnels, timeout=30)
    check(recovered_ms is not None, f"{name}: every tunnel recovered after the restart")
    h.wait_for(lambda: h.mirrored(lac, lns)[0] and both_held(lac, lns) == before, 15)
    agree, lac_count, lns_count = h.mirrored(lac, lns)
    after = both_held(lac, lns)
    lost = before - after
    check(agree, f"{name}: both ends hold the same sessions", f"LAC {lac_count}, LNS {lns_count}")
    check(not lost and lac_count == lns_count == len(before),
          f"{name}: no session lost", f"{len(lost)} lost; LAC {lac_count}, LNS {lns_count}")
    print(f"upgrade of the {name}: {len(before)} sessions before, {len(after)} after on both ends "
          f"(LAC {lac_count}, LNS {lns_count}), lost {len(lost)}, recovered "
          f"{recovered_ms or -1:.0f} ms after the start", flush=True)
    return len(lost)


def run(workdir, calls, tunnels):
    packages = os.path.join(workdir, "packages")
    deb_n = sr.build_package(packages)
    deb_next = sr.build_package(packages, NEXT)
    check_maintainer_scripts(maintainer_scripts(deb_next, workdir))

    roots = {}
    for name in ("lns", "lac"):
        root = roots[name] = sr.ScratchRoot(workdir, name + "-root")
        r = root.dpkg("--install", deb_n)
        check(r.returncode == 0 and root.installed_version() == "ii " + VERSION,
              f"{name}: version {VERSION} installed", f"{r.returncode} {r.stderr[-800:]}")

    def daemon(name, role, address, peer):
        root = roots[name]
        run_dir = os.path.join(workdir, name)
        os.makedirs(run_dir)
        return h.Daemon(name, role, address, run_dir, peers=[peer],
                        hl2tpd=root("/usr/sbin/hl2tpd"), hl2tpctl=root("/usr/bin/hl2tpctl"),
                        store=root("/var/lib/hl2tp/hl2tpd.db"))

    lns = daemon("lns", "lns", LNS_ADDR, LAC_ADDR)
    lac = daemon("lac", "lac", LAC_ADDR, LNS_ADDR)
    lost = {}
    try:
        lns.start()
        lac.start()
        lac.ctl("call", LNS_ADDR, "--count", str(calls), "--tunnels", str(tunnels))
        check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == calls, 20),
              f"{calls} sessions over {tunnels} tunnels before the upgrades", h.mirrored(lac, lns))
        for name, d in (("lns", lns), ("lac", lac)):
            before = both_held(lac, lns)
            lost[name] = upgrade(name.upper(), roots[name], d, lac, lns, deb_next, tunnels, before)
    finally:
        for d in (lac, lns):
            d.stop()
            d.udp.close()
    check(os.path.exists(roots["lns"]("/var/lib/hl2tp/hl2tpd.db")),
          "the store in /var/lib/hl2tp outlived the upgrade")
    total = sum(lost.values())
    print(f"upgrade: {calls} sessions; lost {lost.get('lns', '?')} at the LNS's upgrade, "
          f"{lost.get('lac', '?')} at the LAC's; {total} in all", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--tunnels", type=int, default=4)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("the package test needs root (dpkg --root): skipped")
        return sr.SKIPPED
    workdir = tempfile.mkdtemp(prefix="hl2tp-upgrade-")
    try:
        run(workdir, args.calls, args.tunnels)
    except Exception as e:  # noqa: BLE001
        check(False, f"{e!r}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"package upgrade: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
