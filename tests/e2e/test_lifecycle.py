"""End-to-end: how hl2tpd starts, stops and logs, against what its systemd unit says (ctest label
e2e; issue 13, points 8, 9 and 11).

Usage: test_lifecycle.py
Real daemons on addresses no other test uses (127.0.20.1-3, UDP 1701, metrics 127.0.20.2:9720):
- the exit status after `hl2tpctl request restart`, `request shutdown`, `request shutdown --clear`,
  SIGTERM and a bad configuration, each checked against RestartPreventExitStatus=, SuccessExitStatus=
  and Restart= as systemd/hl2tpd.service says them (read from the file, so they cannot drift), and
  the unit's ExecStopPost= snippet, run with a stand-in systemctl;
- a metrics address already taken: hl2tpd exits non-zero with a clear error, and the peer of the
  tunnel it would have recovered receives no datagram at all;
- `hl2tpd --check` refusing an unusable store directory or management socket directory, and an
  empty store path; durability = "none" said at start, and no store written;
- log lines: with stderr standing in for the journal (JOURNAL_STREAM names it) each begins with its
  priority, `<6>`; otherwise with a timestamp; tunnel and session up/down at info with the peer,
  both ends' IDs, the call serial and the cause;
- `systemd-analyze verify` on both units, where systemd-analyze is installed.
"""
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hl2tp_harness as h  # noqa: E402

LAC_ADDR, LNS_ADDR, SPARE_ADDR = "127.0.20.1", "127.0.20.2", "127.0.20.3"
METRICS = "127.0.20.2:9720"
UNIT_DIR = os.path.join(h.ROOT, "systemd")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:?\d\d ")
PRIORITY = re.compile(r"^<[0-7]>")
FIELD = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what, flush=True)
    return condition


# --- what the unit says ----------------------------------------------------------------------

def service_settings():
    """{key: [values]} of hl2tpd.service's [Service] section; an empty assignment resets a list,
    as systemd reads it."""
    settings, section = {}, None
    with open(os.path.join(UNIT_DIR, "hl2tpd.service")) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", ";")):
                continue
            if line.startswith("["):
                section = line
                continue
            key, _, value = line.partition("=")
            values = settings.setdefault((section, key.strip()), [])
            if value.strip():
                values.append(value.strip())
            else:
                values.clear()
    return settings


class Unit:
    def __init__(self):
        s = service_settings()
        svc = lambda key: s.get(("[Service]", key), [])  # noqa: E731
        self.restart = (svc("Restart") or ["no"])[-1]
        self.prevent = {int(v) for line in svc("RestartPreventExitStatus") for v in line.split()}
        self.success = {0} | {int(v) for line in svc("SuccessExitStatus") for v in line.split()}
        self.stop_post = svc("ExecStopPost")
        self.wants = " ".join(s.get(("[Unit]", "Wants"), [])).split()
        self.after = " ".join(s.get(("[Unit]", "After"), [])).split()

    def restarts_after(self, status):
        """Whether systemd starts the daemon again after it exits with `status` by itself."""
        check(self.restart == "always", f"the unit has Restart={self.restart}, this test reads always")
        return status not in self.prevent

    def is_success(self, status):
        return status in self.success


def stop_post_stops_socket(unit, status, workdir):
    """Runs the unit's ExecStopPost= commands as systemd would after `status`, with a systemctl
    that records its arguments; what they asked systemctl to do."""
    fake = os.path.join(workdir, "fakebin")
    os.makedirs(fake, exist_ok=True)
    record = os.path.join(workdir, "systemctl.args")
    with open(os.path.join(fake, "systemctl"), "w") as f:
        f.write(f'#!/bin/sh\necho "$@" >> {record}\n')
    os.chmod(os.path.join(fake, "systemctl"), 0o755)
    if os.path.exists(record):
        os.remove(record)
    for command in unit.stop_post:
        command = command.lstrip("+-@:!").replace("$$", "$")  # systemd's prefixes and escape
        env = dict(os.environ, PATH=fake + ":" + os.environ["PATH"], EXIT_CODE="exited",
                   EXIT_STATUS=str(status), SERVICE_RESULT="success")
        subprocess.run(shlex.split(command), env=env, check=False)
    if not os.path.exists(record):
        return ""
    with open(record) as f:
        return f.read().strip()


# --- logs --------------------------------------------------------------------------------------

def log_from(d, offset):
    with open(d.log_path) as f:
        f.seek(offset)
        return f.read()


def log_size(d):
    return os.path.getsize(d.log_path) if os.path.exists(d.log_path) else 0


def events(text, kind):
    """The key=value fields of every `event=kind` line in `text`."""
    out = []
    for line in text.splitlines():
        if f"event={kind} " in line + " ":
            out.append({k: v for k, v in FIELD.findall(line)})
    return out


def wait_status(d, timeout=15):
    try:
        return d.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        check(False, f"{d.name} did not exit within {timeout} s")
        d.kill()
        return None


def drain(sock):
    sock.setblocking(False)
    try:
        while True:
            sock.recvfrom(65536)
    except BlockingIOError:
        pass


def received_within(sock, seconds):
    """Datagrams that reach `sock` within `seconds`."""
    got = []
    sock.settimeout(0.05)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            got.append(sock.recvfrom(65536))
        except socket.timeout:
            pass
    sock.setblocking(False)
    return got


# --- the scenario ------------------------------------------------------------------------------

def lifecycle(workdir, unit):
    lns = h.Daemon("lns", "lns", LNS_ADDR, workdir, peers=[LAC_ADDR], metrics=METRICS)
    lac = h.Daemon("lac", "lac", LAC_ADDR, workdir, peers=[LNS_ADDR])
    statuses = {}
    try:
        lns.start()
        lac.start()
        lac.ctl("call", LNS_ADDR, "--count", "3", "--tunnels", "1")
        check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 3, 10),
              f"3 sessions up: {h.mirrored(lac, lns)}")
        for d in (lac, lns):  # the port this test watches is the one the daemon reads
            with open(d.log_path) as f:
                check(f"listening on {d.address}:1701 (inherited)" in f.read(),
                      f"{d.name} uses the socket it was given (LISTEN_FDS)")
        (lac_tunnel, lns_tunnel), = lac.tunnel_pairs().items()
        lns_sessions = {s: r for (_, s, r) in lns.sessions()}

        # Tunnel and session up, at info, with the peer, both ends' IDs and the serial. (A logging
        # thread writes the lines: they may come a moment after the state.)
        h.wait_for(lambda: len(events(log_from(lns, 0), "session-established")) >= 3, 5)
        log = log_from(lns, 0)
        check(all(TIMESTAMP.match(line) for line in log.splitlines()),
              "without the journal every line begins with a timestamp: "
              + next((line for line in log.splitlines() if not TIMESTAMP.match(line)), ""))
        up = events(log, "tunnel-established")
        check(len(up) == 1 and up[0].get("peer") == f"{LAC_ADDR}:1701"
              and up[0].get("tunnel") == str(lns_tunnel)
              and up[0].get("peer_tunnel") == str(lac_tunnel)
              and up[0].get("peer_host_name") == '"lac"'
              and " info event=tunnel-established " in log,
              f"tunnel up line, at info, names the peer and both ends' IDs: {up}")
        lines = events(log, "session-established")
        check(len(lines) == 3, f"3 session up lines: {lines}")
        check(sorted(line.get("serial") for line in lines) == ["1", "2", "3"],
              f"session up lines carry the call serials 1, 2, 3: {lines}")
        for line in lines:
            sid = int(line.get("session", "0"))
            check(line.get("peer") == f"{LAC_ADDR}:1701" and line.get("tunnel") == str(lns_tunnel)
                  and line.get("peer_tunnel") == str(lac_tunnel) and sid in lns_sessions
                  and line.get("peer_session") == str(lns_sessions[sid]),
                  f"session up line names the peer and both ends' IDs: {line}")
        check(len(re.findall(r" info event=session-established ", log)) == 3,
              "session up is logged at info")

        # Session down: the cause (the CDN's result code and message) and the same names.
        offset = log_size(lns)
        t, s, r = sorted(lac.sessions())[0]
        lac.ctl("clear", "session", str(t), str(s))
        check(h.wait_for(lambda: events(log_from(lns, offset), "session-closed"), 5),
              "a session down line")
        down = events(log_from(lns, offset), "session-closed")
        check(len(down) == 1 and down[0].get("peer") == f"{LAC_ADDR}:1701"
              and down[0].get("tunnel") == str(lns_tunnel)
              and down[0].get("peer_tunnel") == str(lac_tunnel)
              and down[0].get("session") == str(r) and down[0].get("peer_session") == str(s)
              and down[0].get("serial") in ("1", "2", "3") and down[0].get("result") == "3"
              and "message" in down[0],
              f"session down line names the peer, both IDs, the serial and the cause: {down}")
        check(" info event=session-closed " in log_from(lns, offset), "session down at info")

        # request restart: the status systemd restarts, a success; the next start recovers.
        lns.ctl("request", "restart")
        statuses["request restart"] = wait_status(lns)
        offset = log_size(lns)
        lns.start(journal=True)
        check(h.wait_recovered(lns, 1) is not None, "request restart: the tunnel recovered")
        h.wait_for(lambda: "event=recovery-completed" in log_from(lns, offset), 5)
        journal = log_from(lns, offset)
        check(journal and all(PRIORITY.match(line) for line in journal.splitlines()),
              "with stderr as the journal every line begins with <N>: "
              + next((line for line in journal.splitlines() if not PRIORITY.match(line)), ""))
        check("<6>info started: 1 tunnels recovering" in journal,
              f"info is <6> in the journal: {journal[:300]}")

        # SIGTERM (systemctl stop, systemctl restart): hitless, the next start keeps every session.
        lns.kill(signal.SIGTERM)
        statuses["SIGTERM"] = lns.proc.returncode
        lns.start()
        check(h.wait_recovered(lns, 1) is not None, "SIGTERM: the tunnel recovered")
        check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 2, 10),
              f"SIGTERM: both sessions kept {h.mirrored(lac, lns)}")

        metrics_taken(workdir, lns, lac)

        # request shutdown: stays stopped (and keeps its tunnels for a later start).
        lns.ctl("request", "shutdown")
        statuses["request shutdown"] = wait_status(lns)
        lns.start()
        check(h.wait_recovered(lns, 1) is not None, "request shutdown: the tunnel recovered later")

        # request shutdown --clear: StopCCN first; the LAC logs the tunnel down with its cause.
        lac_offset = log_size(lac)
        lns.ctl("request", "shutdown", "--clear")
        statuses["request shutdown --clear"] = wait_status(lns)
        check(h.wait_for(lambda: not lac.tunnel_pairs(), 10), "shutdown --clear: the LAC kept tunnels")
        h.wait_for(lambda: events(log_from(lac, lac_offset), "tunnel-closed"), 5)
        down = events(log_from(lac, lac_offset), "tunnel-closed")
        check(len(down) == 1 and down[0].get("peer") == f"{LNS_ADDR}:1701"
              and down[0].get("tunnel") == str(lac_tunnel)
              and down[0].get("peer_tunnel") == str(lns_tunnel) and down[0].get("result") == "1"
              and down[0].get("message") == '"administrative shutdown"'
              and down[0].get("reason") == '"StopCCN from peer"',
              f"tunnel down line names the peer, both IDs and the cause: {down}")
        session_downs = events(log_from(lac, lac_offset), "session-closed")
        check(len(session_downs) == 2 and all(d.get("peer") == f"{LNS_ADDR}:1701" for d in session_downs),
              f"the LAC logs both sessions down with the tunnel: {session_downs}")
    finally:
        for d in (lac, lns):
            d.stop()
            d.udp.close()

    # What the statuses mean to systemd, as the unit says.
    print(f"exit statuses: {statuses}", flush=True)
    for how in ("request restart", "SIGTERM"):
        status = statuses.get(how)
        check(status is not None and unit.restarts_after(status) and unit.is_success(status),
              f"{how}: exit status {status} must be restarted by the unit and count as a success")
    for how in ("request shutdown", "request shutdown --clear"):
        status = statuses.get(how)
        check(status is not None and not unit.restarts_after(status) and unit.is_success(status),
              f"{how}: exit status {status} must stay stopped (RestartPreventExitStatus=) and count "
              f"as a success (SuccessExitStatus=)")
        check(stop_post_stops_socket(unit, status, workdir) == "--no-block stop hl2tpd.socket",
              f"{how}: the unit's ExecStopPost= stops hl2tpd.socket, or a peer's next datagram "
              f"would start hl2tpd again")
    for how in ("request restart", "SIGTERM"):
        check(stop_post_stops_socket(unit, statuses.get(how), workdir) == "",
              f"{how}: the unit's ExecStopPost= leaves hl2tpd.socket alone")


def metrics_taken(workdir, lns, lac):
    """A start that cannot bind its metrics address fails before it sends a datagram."""
    lns.kill()  # its tunnel stays in its store, for this start to recover
    # The LAC is frozen, so that what reaches its port (the harness holds the same socket) stays
    # there for this test to see, and it does not fail itself (both ends recovering at once is
    # another test's matter).
    lac.proc.send_signal(signal.SIGSTOP)
    drain(lac.udp)
    taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        host, port = METRICS.split(":")
        taken.bind((host, int(port)))
        taken.listen(1)
        offset = log_size(lns)
        try:
            lns.start(timeout=5)
            check(False, "hl2tpd started with its metrics address taken")
        except RuntimeError:
            pass
        status = wait_status(lns)
        log = log_from(lns, offset)
        check(status not in (None, 0), f"metrics address taken: exit status {status}")
        check(f"metrics address {METRICS}: Address already in use" in log,
              f"metrics address taken: a clear error: {log.strip()}")
        sent = received_within(lac.udp, 1.0)
        check(not sent, f"metrics address taken: the peer received {len(sent)} datagrams "
                        f"from a start that failed")
    finally:
        taken.close()
        lac.proc.send_signal(signal.SIGCONT)
    lns.start()
    check(h.wait_recovered(lns, 1) is not None, "after the metrics port is free: recovered")
    check(h.wait_for(lambda: h.mirrored(lac, lns)[0] and h.mirrored(lac, lns)[1] == 2, 15),
          f"after the metrics port is free: both sessions kept {h.mirrored(lac, lns)}")
    print("metrics address taken: checked", flush=True)


# --- --check, durability, configuration -------------------------------------------------------

def write_config(path, store_lines, socket_path):
    with open(path, "w") as f:
        f.write('role = "lns"\nlisten = ["127.0.20.3:1701"]\n[metrics]\naddress = ""\n[store]\n'
                + "".join(line + "\n" for line in store_lines)
                + f'[management]\nsocket = "{socket_path}"\n')
    os.chmod(path, 0o644)


def run_check(config, as_user=None):
    cmd = [h.HL2TPD, "--check", "-c", config]
    if as_user:
        account = pwd.getpwnam(as_user)
        cmd = ["setpriv", f"--reuid={account.pw_uid}", f"--regid={account.pw_gid}",
               "--clear-groups"] + cmd
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    return r.returncode, r.stderr


def check_refusals(workdir, unit):
    os.chmod(workdir, 0o711)  # for the run as another user below
    base = os.path.join(workdir, "check")
    os.makedirs(os.path.join(base, "state"))
    os.makedirs(os.path.join(base, "run"))
    os.chmod(base, 0o755)
    os.chmod(os.path.join(base, "run"), 0o777)
    with open(os.path.join(base, "a-file"), "w") as f:
        f.write("x")
    config = os.path.join(base, "hl2tpd.toml")
    good_socket = os.path.join(base, "run", "new", "hl2tpd.sock")  # created at start

    write_config(config, [f'path = "{base}/state/hl2tpd.db"'], good_socket)
    status, err = run_check(config)
    check(status == 0, f"--check of usable paths: {status} {err.strip()}")

    refusals = [
        ("a store directory that does not exist",
         [f'path = "{base}/missing/hl2tpd.db"'], good_socket,
         f"store {base}/missing/hl2tpd.db: directory {base}/missing: No such file or directory"),
        ("a management socket directory under a file",
         [f'path = "{base}/state/hl2tpd.db"'], f"{base}/a-file/run/hl2tpd.sock",
         f"management socket {base}/a-file/run/hl2tpd.sock: {base}/a-file is not a directory"),
        ("an empty store path", ['path = ""'], good_socket,
         f"{config}:6:8: 'path' must not be empty; to run without a store, set durability = \"none\""),
    ]
    for what, store_lines, socket_path, says in refusals:
        write_config(config, store_lines, socket_path)
        status, err = run_check(config)
        check(status != 0 and status in unit.prevent and says in err,
              f"--check refuses {what} (status {status}, not restarted by the unit): {err.strip()}")

    # A directory this process may not write: root may write anywhere, so run as nobody.
    user = "nobody" if os.geteuid() == 0 else None
    readonly = os.path.join(base, "readonly")
    os.makedirs(readonly)
    os.chmod(readonly, 0o555)
    write_config(config, [f'path = "{readonly}/hl2tpd.db"'], good_socket)
    status, err = run_check(config, as_user=user)
    check(status != 0 and f"store {readonly}/hl2tpd.db: directory {readonly} is not writable" in err,
          f"--check refuses a store directory it may not write: {status} {err.strip()}")
    print("--check: checked", flush=True)


def durability_none(workdir):
    d = h.Daemon("spare", "lns", SPARE_ADDR, workdir, durability="none")
    try:
        d.start()
        h.wait_for(lambda: "durability" in log_from(d, 0), 5)
        log = log_from(d, 0)
        check('store durability = "none": no store is kept; a restart, an upgrade or a crash of '
              "hl2tpd loses every tunnel and session" in log and " warning " in log,
              f"durability none is announced as a warning: {log}")
        check(not [f for f in os.listdir(workdir) if f.startswith("spare.db")],
              "durability none writes no store")
    finally:
        d.stop()
        d.udp.close()
    print("durability none: checked", flush=True)


def bad_configuration(workdir, unit):
    bad = os.path.join(workdir, "bad.toml")
    with open(bad, "w") as f:
        f.write('role = "lns"\n[timers]\nhello-intervall = 30\n')
    r = subprocess.run([h.HL2TPD, "-c", bad], capture_output=True, text=True, timeout=10)
    check(r.returncode in unit.prevent and not unit.is_success(r.returncode),
          f"a bad configuration: exit status {r.returncode} is neither restarted nor a success")


def unit_files(unit):
    check("network-online.target" in unit.wants and "network-online.target" in unit.after,
          "the unit wants network-online.target, not only orders itself after it")
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("systemd-analyze not installed: units not verified", flush=True)
        return
    # verify wants ExecStart= to exist: a copy that names the binary built here.
    with tempfile.TemporaryDirectory(prefix="hl2tp-units-") as units:
        shutil.copy(os.path.join(UNIT_DIR, "hl2tpd.socket"), units)
        with open(os.path.join(UNIT_DIR, "hl2tpd.service")) as f:
            text = f.read().replace("/usr/sbin/hl2tpd", h.HL2TPD)
        with open(os.path.join(units, "hl2tpd.service"), "w") as f:
            f.write(text)
        r = subprocess.run([analyze, "verify", "hl2tpd.service", "hl2tpd.socket"], cwd=units,
                           capture_output=True, text=True, timeout=60)
        # It warns (unknown keys, bad values) on stderr with status 0: any output is a finding.
        check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
              f"systemd-analyze verify: {r.returncode} {r.stdout.strip()} {r.stderr.strip()}")
    print("units verified", flush=True)


def main():
    unit = Unit()
    workdir = tempfile.mkdtemp(prefix="hl2tp-lifecycle-")
    try:
        # Each part on its own: one that breaks off (a daemon that would not start) is a failure,
        # and the others still run.
        for part in (unit_files, bad_configuration, check_refusals, durability_none, lifecycle):
            try:
                if part is unit_files:
                    part(unit)
                elif part is durability_none:
                    part(workdir)
                else:
                    part(workdir, unit)
            except Exception as e:  # noqa: BLE001
                check(False, f"{part.__name__}: {e!r}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"lifecycle: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
