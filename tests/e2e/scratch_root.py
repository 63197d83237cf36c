"""A Debian root in a temporary directory, for the package tests, and the package built for them.

dpkg installs into the root with --root and --force-script-chrootless: the maintainer scripts run
on this system with DPKG_ROOT naming the root, and take every path under it (packaging/deb/), so
nothing outside the root changes; --force-depends because the libraries are this system's, which
the installed programs use. The tests need root (dpkg, and the mount namespace of --check).
"""
import os
import shutil
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("HL2TP_BUILD", os.path.join(ROOT, "build", "gcc"))
# What a ctest run tells the test to skip (SKIP_RETURN_CODE in tests/CMakeLists.txt).
SKIPPED = 77


def build_package(output, version=None):
    """scripts/package.sh on the build tree under test; the .deb's path."""
    command = [os.path.join(ROOT, "scripts", "package.sh"), "--build", BUILD, "--output", output]
    if version:
        command += ["--version", version]
    r = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise RuntimeError(f"package.sh failed ({r.returncode}): {r.stdout}{r.stderr}")
    return r.stdout.strip().splitlines()[-1].removeprefix("package: ")


class ScratchRoot:
    def __init__(self, parent, name):
        self.path = os.path.join(parent, name)
        # Readable by all, as / is: hl2tpd runs as the root's user hl2tp in --check.
        os.makedirs(self.path, mode=0o755)
        os.chmod(self.path, 0o755)
        admin = os.path.join(self.path, "var", "lib", "dpkg")
        for d in ("info", "updates", "triggers"):
            os.makedirs(os.path.join(admin, d))
        open(os.path.join(admin, "status"), "w").close()
        os.makedirs(os.path.join(self.path, "var", "log"))

    def __call__(self, path):
        """The file `path` of the root (`/usr/sbin/hl2tpd` → ROOT/usr/sbin/hl2tpd)."""
        return os.path.join(self.path, path.lstrip("/"))

    def dpkg(self, *args):
        # --log: dpkg.cfg names this system's /var/log/dpkg.log, whatever the root.
        return subprocess.run(["dpkg", f"--root={self.path}", f"--log={self('/var/log/dpkg.log')}",
                               "--force-script-chrootless", "--force-depends", *args],
                              capture_output=True, text=True, timeout=120)

    def installed_version(self):
        r = subprocess.run(["dpkg-query", f"--admindir={self('/var/lib/dpkg')}", "-W",
                            "-f=${db:Status-Abbrev}${Version}", "hl2tp"],
                           capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else None

    def account(self, name):
        """(uid, gid) of `name` in the root's own passwd file, or None."""
        try:
            with open(self("/etc/passwd")) as f:
                for line in f:
                    fields = line.split(":")
                    if fields[0] == name:
                        return int(fields[2]), int(fields[3])
        except FileNotFoundError:
            pass
        return None

    def group(self, name):
        try:
            with open(self("/etc/group")) as f:
                for line in f:
                    fields = line.split(":")
                    if fields[0] == name:
                        return int(fields[2])
        except FileNotFoundError:
            pass
        return None

    def remove(self):
        shutil.rmtree(self.path, ignore_errors=True)
