"""The Debian package installed into a clean root, as an operator would use it (ctest label package).

Usage: test_package_install.py
scripts/package.sh builds the package from the build tree under test; dpkg installs it into an
empty root in a temporary directory (scratch_root.py), and this checks:
- the control fields (the libraries dpkg-shlibdeps found, systemd), and every file where it
  belongs, nothing else shipped, the configuration a conffile;
- what postinst did: the account hl2tp, the store's directory hl2tp's own (0750), the
  configuration root:hl2tp 0640, and nothing enabled or started;
- the installed hl2tpd.service names the installed binary, and systemd-analyze verifies the units;
- `hl2tpd --check` of the shipped configuration passes, run from the root as the root's user hl2tp
  in a private mount namespace where /var/lib is the root's and /run/hl2tp is made as the unit's
  RuntimeDirectory= makes it;
- `man -l` renders every installed page without a warning;
- bash-completion's loader finds the installed completion;
- removal keeps the configuration and the store; purge leaves nothing of the package.
Nothing outside the temporary directory is changed; it checks that too.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scratch_root as sr  # noqa: E402

VERSION = os.environ.get("HL2TP_VERSION", "")
# Every file the package installs (directories aside), and its mode.
FILES = {
    "/usr/sbin/hl2tpd": 0o755,
    "/usr/bin/hl2tpctl": 0o755,
    "/usr/lib/systemd/system/hl2tpd.service": 0o644,
    "/usr/lib/systemd/system/hl2tpd.socket": 0o644,
    "/usr/lib/sysusers.d/hl2tp.conf": 0o644,
    "/usr/share/man/man8/hl2tpd.8.gz": 0o644,
    "/usr/share/man/man8/hl2tpctl.8.gz": 0o644,
    "/usr/share/man/man5/hl2tpd.toml.5.gz": 0o644,
    "/usr/share/bash-completion/completions/hl2tpctl": 0o644,
    "/usr/share/doc/hl2tp/README.md": 0o644,
    "/usr/share/doc/hl2tp/changelog.gz": 0o644,
    "/usr/share/doc/hl2tp/copyright": 0o644,
    "/usr/share/doc/hl2tp/examples/lac.toml": 0o644,
    "/usr/share/doc/hl2tp/examples/lns.toml": 0o644,
    "/etc/hl2tp/hl2tpd.toml": 0o640,
}
MANUAL_PAGES = [f for f in FILES if f.startswith("/usr/share/man/")]
# What this system must still look like afterwards: the test installs nowhere but its root.
HOST_PATHS = ["/etc/hl2tp", "/var/lib/hl2tp", "/run/hl2tp", "/usr/sbin/hl2tpd",
              "/usr/lib/systemd/system/hl2tpd.service", "/usr/lib/sysusers.d/hl2tp.conf"]
HOST_DPKG_LOG = "/var/log/dpkg.log"  # its size

failures = []


def check(condition, what, detail=""):
    """`detail` is printed only when the check fails."""
    print(("ok: " if condition else "FAIL: ") + what + ("" if condition or not detail else f": {detail}"),
          flush=True)
    if not condition:
        failures.append(what)
    return condition


def host_state():
    accounts = subprocess.run(["getent", "passwd", "hl2tp"], capture_output=True, text=True)
    log = os.path.getsize(HOST_DPKG_LOG) if os.path.exists(HOST_DPKG_LOG) else None
    return {p: os.path.lexists(p) for p in HOST_PATHS} | {"account hl2tp": accounts.returncode == 0,
                                                         HOST_DPKG_LOG: log}


def control(deb):
    r = subprocess.run(["dpkg-deb", "-f", deb], capture_output=True, text=True, check=True)
    fields = {}
    for line in r.stdout.splitlines():
        if line and not line.startswith(" "):
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def installed_files(root):
    r = root.dpkg("-L", "hl2tp")
    return {p for p in r.stdout.splitlines() if os.path.isfile(root(p))}


def unit_setting(root, key):
    with open(root("/usr/lib/systemd/system/hl2tpd.service")) as f:
        return [line.strip().partition("=")[2] for line in f if line.startswith(key + "=")]


def check_layout(root):
    files = installed_files(root)
    check(files == set(FILES), "the package installs exactly its files",
          f"extra {sorted(files - set(FILES))}, missing {sorted(set(FILES) - files)}")
    for path, mode in FILES.items():
        if os.path.exists(root(path)):
            st = os.stat(root(path))
            check(st.st_mode & 0o7777 == mode, f"{path} has mode {oct(mode)}", oct(st.st_mode & 0o7777))
    conffiles = subprocess.run(["dpkg-query", f"--admindir={root('/var/lib/dpkg')}", "-W",
                                "-f=${Conffiles}", "hl2tp"], capture_output=True, text=True).stdout
    check("/etc/hl2tp/hl2tpd.toml" in conffiles, "the configuration is a conffile", conffiles.strip())
    check(os.path.isdir(root("/var/lib/hl2tp")), "/var/lib/hl2tp exists")


def check_postinst(root):
    account = root.account("hl2tp")
    gid = root.group("hl2tp")
    check(account is not None and gid == account[1], "postinst made the account hl2tp and its group",
          f"{account} {gid}")
    if account is None:
        return
    st = os.stat(root("/var/lib/hl2tp"))
    check((st.st_uid, st.st_gid, st.st_mode & 0o7777) == (account[0], gid, 0o750),
          "/var/lib/hl2tp is hl2tp:hl2tp 0750", f"{st.st_uid}:{st.st_gid} {oct(st.st_mode & 0o7777)}")
    st = os.stat(root("/etc/hl2tp/hl2tpd.toml"))
    check((st.st_uid, st.st_gid, st.st_mode & 0o7777) == (0, gid, 0o640),
          "the configuration is root:hl2tp 0640", f"{st.st_uid}:{st.st_gid} {oct(st.st_mode & 0o7777)}")
    enabled = [os.path.join(d, f) for d, _, fs in os.walk(root("/etc/systemd")) for f in fs]
    check(not enabled, "nothing is enabled", enabled)
    check(not os.path.exists(root("/run/hl2tp")), "/run/hl2tp is left to the unit")


def check_units(root, workdir):
    exec_start = unit_setting(root, "ExecStart")
    check(exec_start and exec_start[0].split()[0] == "/usr/sbin/hl2tpd"
          and os.access(root("/usr/sbin/hl2tpd"), os.X_OK),
          "hl2tpd.service starts the installed /usr/sbin/hl2tpd", exec_start)
    check(unit_setting(root, "StateDirectory") == ["hl2tp"] and
          unit_setting(root, "RuntimeDirectory") == ["hl2tp"],
          "the unit makes /var/lib/hl2tp and /run/hl2tp")
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("systemd-analyze not installed: units not verified", flush=True)
        return
    # verify wants ExecStart='s program on this system: a copy naming the one in the root.
    units = os.path.join(workdir, "units")
    os.makedirs(units)
    shutil.copy(root("/usr/lib/systemd/system/hl2tpd.socket"), units)
    with open(root("/usr/lib/systemd/system/hl2tpd.service")) as f:
        text = f.read().replace("ExecStart=/usr/sbin/hl2tpd ", f"ExecStart={root('/usr/sbin/hl2tpd')} ")
    with open(os.path.join(units, "hl2tpd.service"), "w") as f:
        f.write(text)
    r = subprocess.run([analyze, "verify", "hl2tpd.service", "hl2tpd.socket"], cwd=units,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and not r.stdout.strip() and not r.stderr.strip(),
          "systemd-analyze verify of the installed units", f"{r.returncode} {r.stdout.strip()} {r.stderr.strip()}")


def check_configuration(root):
    """hl2tpd --check of the shipped file as the unit would run it: user hl2tp, the store's
    directory /var/lib/hl2tp, /run/hl2tp made by RuntimeDirectory= (mode 0750, hl2tp's)."""
    account = root.account("hl2tp")
    if account is None:
        check(False, "--check: no account hl2tp to run as")
        return
    uid, gid = account
    script = ('set -e; mount --make-rprivate /; mount --bind "$1/var/lib" /var/lib; '
              'mount -t tmpfs tmpfs /run; mkdir -m 0750 /run/hl2tp; chown "$2:$3" /run/hl2tp; '
              'exec setpriv --reuid="$2" --regid="$3" --clear-groups "$1/usr/sbin/hl2tpd" '
              '--check --config "$1/etc/hl2tp/hl2tpd.toml"')
    r = subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", root.path, str(uid), str(gid)],
                       capture_output=True, text=True, timeout=30)
    check(r.returncode == 0 and "is valid" in r.stderr,
          "hl2tpd --check of the shipped configuration, as hl2tp", f"{r.returncode} {r.stderr.strip()}")
    for program, name in (("/usr/sbin/hl2tpd", "hl2tpd "), ("/usr/bin/hl2tpctl", "")):
        r = subprocess.run([root(program), "--version"], capture_output=True, text=True, timeout=10)
        check(r.returncode == 0 and r.stdout.strip() == name + VERSION,
              f"{program} --version is {VERSION}", r.stdout.strip())


def check_manual_pages(root):
    for page in MANUAL_PAGES:
        name = os.path.basename(page).removesuffix(".gz")
        r = subprocess.run(["man", "--warnings", "-l", root(page)], capture_output=True, text=True,
                           env=dict(os.environ, MANWIDTH="80"), timeout=60)
        title = name.rpartition(".")[0].upper()
        check(r.returncode == 0 and not r.stderr.strip() and "NAME" in r.stdout
              and r.stdout.lstrip().startswith(f"{title}("),
              f"man -l {name} renders without warnings", f"{r.returncode} {r.stderr.strip()[:500]}")


def check_completion(root):
    # bash-completion looks for completions/hl2tpctl under each of XDG_DATA_DIRS.
    script = ('source /usr/share/bash-completion/bash_completion && __load_completion hl2tpctl '
              '&& complete -p hl2tpctl')
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True,
                       text=True, env=dict(os.environ, XDG_DATA_DIRS=root("/usr/share")), timeout=30)
    check(r.returncode == 0 and r.stdout.strip() == "complete -F _hl2tpctl hl2tpctl",
          "bash-completion loads the installed completion", f"{r.stdout.strip()} {r.stderr.strip()}")


def check_remove_and_purge(root):
    with open(root("/var/lib/hl2tp/hl2tpd.db"), "w") as f:
        f.write("a store")
    r = root.dpkg("--remove", "hl2tp")
    check(r.returncode == 0, "dpkg --remove", f"{r.returncode} {r.stderr.strip()}")
    check(not os.path.exists(root("/usr/sbin/hl2tpd")), "removal removes the programs")
    check(os.path.exists(root("/etc/hl2tp/hl2tpd.toml")) and os.path.exists(root("/var/lib/hl2tp/hl2tpd.db")),
          "removal keeps the configuration and the store")
    r = root.dpkg("--purge", "hl2tp")
    check(r.returncode == 0, "dpkg --purge", f"{r.returncode} {r.stderr.strip()}")
    # What may remain: dpkg's database and log, the account (never removed: its files could pass
    # to a later account of the same number), empty directories.
    kept = {"/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/.pwd.lock"}
    left = []
    for d, _, files in os.walk(root.path):
        for f in files:
            path = "/" + os.path.relpath(os.path.join(d, f), root.path)
            if not path.startswith(("/var/lib/dpkg/", "/var/log/dpkg.log")) and path not in kept:
                left.append(path)
    check(not left, "purge leaves no file of the package", left)
    check(not os.path.exists(root("/etc/hl2tp")) and not os.path.exists(root("/var/lib/hl2tp")),
          "purge removes the configuration and the store")
    with open(root("/var/lib/dpkg/statoverride")) as f:
        check(not f.read().strip(), "purge removes the owners and modes postinst set")


def main():
    if os.geteuid() != 0:
        print("the package test needs root (dpkg --root, a mount namespace): skipped")
        return sr.SKIPPED
    before = host_state()
    workdir = tempfile.mkdtemp(prefix="hl2tp-package-")
    os.chmod(workdir, 0o711)  # hl2tpd --check runs as the root's user hl2tp, below it
    started = time.monotonic()
    try:
        deb = sr.build_package(workdir)
        built = time.monotonic()
        fields = control(deb)
        check(fields.get("Package") == "hl2tp" and fields.get("Version") == VERSION,
              f"package hl2tp, version {VERSION}", f"{fields.get('Package')} {fields.get('Version')}")
        depends = fields.get("Depends", "")
        check(all(lib in depends for lib in ("systemd", "libssl3", "libsqlite3-0", "libtomlplusplus3",
                                             "libsystemd0")),
              "Depends names systemd and the libraries hl2tpd links", depends)
        root = sr.ScratchRoot(workdir, "root")
        r = root.dpkg("--install", deb)
        check(r.returncode == 0 and root.installed_version() == "ii " + VERSION,
              "dpkg --install into a clean root", f"{r.returncode} {root.installed_version()} {r.stderr[-800:]}")
        for part in (check_layout, check_postinst, check_configuration, check_manual_pages,
                     check_completion):
            part(root)
        check_units(root, workdir)
        check_remove_and_purge(root)
        print(f"package built in {built - started:.1f} s, installed and checked in "
              f"{time.monotonic() - built:.1f} s", flush=True)
    except Exception as e:  # noqa: BLE001
        check(False, f"{e!r}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    check(host_state() == before, "this system is as it was", f"{host_state()} against {before}")
    print(f"package install: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
