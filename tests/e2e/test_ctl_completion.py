"""hl2tpctl's bash completion against hl2tpctl itself (ctest label unit).

Usage: test_ctl_completion.py
For every command of hl2tpctl, what completion/hl2tpctl.bash offers is checked against what
`hl2tpctl COMMAND --help` lists, so that the completion cannot fall behind the program: the
subcommands, each positional's choices, and the options (the completion also offers the options
that every command passes through to the top level, and nothing else). The states offered after
--state are checked against the names the engine gives its states (name(State) in
src/tunnel/connection_table.cpp and src/session/session.cpp). Tunnel and session IDs are
completed from a stand-in daemon (test_ctl_output.StandIn).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_ctl_output as out  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COMPLETION = os.path.join(ROOT, "completion", "hl2tpctl.bash")
GLOBAL_OPTIONS = {"-s", "--socket", "--json", "-h", "--help"}
COMMANDS = [(), ("show",), ("show", "summary"), ("show", "tunnel"), ("show", "session"),
            ("show", "statistics"), ("clear",), ("clear", "tunnel"), ("clear", "session"),
            ("request",), ("request", "restart"), ("request", "shutdown"), ("call",)]

failures = []


def check(condition, what):
    print(("ok: " if condition else "FAIL: ") + what, flush=True)
    if not condition:
        failures.append(what)


def complete(words, completion=COMPLETION):
    """What the completion offers for the command line `hl2tpctl WORDS...`, the last word being
    the one completed."""
    line = ["hl2tpctl", *words]
    script = (f'source "$0"; COMP_WORDS=({" ".join(sh_quote(w) for w in line)}); '
              f'COMP_CWORD={len(line) - 1}; _hl2tpctl; printf "%s\\n" "${{COMPREPLY[@]}}"')
    env = dict(os.environ, PATH=os.path.dirname(out.HL2TPCTL) + ":" + os.environ["PATH"])
    r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, completion],
                       capture_output=True, text=True, timeout=30, env=env)
    if r.returncode != 0 or r.stderr:
        check(False, f"completion of {words}: status {r.returncode}, {r.stderr.strip()}")
    return set(filter(None, r.stdout.split("\n")))


def state_names(source):
    """The names that `std::string_view name(State state)` in `source` returns."""
    with open(os.path.join(ROOT, source)) as f:
        text = f.read()
    body = text[text.index("std::string_view name(State state) {"):]
    body = body[:body.index("\n}\n")]
    return set(re.findall(r'return "([a-z-]+)";', body))


def sh_quote(word):
    return "'" + word.replace("'", "'\\''") + "'"


def help_of(command):
    """(subcommands, positional choices, options) that `hl2tpctl COMMAND --help` lists."""
    r = subprocess.run([out.HL2TPCTL, *command, "--help"], capture_output=True, text=True,
                       timeout=10)
    subcommands, choices, options, section = set(), set(), set(), None
    for line in r.stdout.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":")
            continue
        fields = line.split()
        if not fields:
            continue
        if section == "Subcommands":
            subcommands.add(fields[0])
        elif section == "Positionals":
            found = re.search(r"\{([^}]*)\}", line)
            if found:
                choices |= set(found.group(1).split(","))
        elif section == "Options":
            options |= set(fields[0].split(","))
    return subcommands, choices, options


def main():
    for command in COMMANDS:
        subcommands, choices, options = help_of(command)
        words = complete([*command, ""])
        offered_options = complete([*command, "-"])
        name = " ".join(("hl2tpctl",) + command)
        check(words == subcommands | choices,
              f"{name}: offers {sorted(words)}, --help lists {sorted(subcommands | choices)}")
        check(options <= offered_options,
              f"{name}: every option of --help is offered: missing {sorted(options - offered_options)}")
        extra = offered_options - options - GLOBAL_OPTIONS
        check(not extra, f"{name}: no option that --help does not list: {sorted(extra)}")

    workdir = tempfile.mkdtemp(prefix="hl2tp-completion-")
    try:
        path = os.path.join(workdir, "standin.sock")
        standin = out.StandIn(path)
        standin.start()
        for command, source in ((("show", "tunnel"), "src/tunnel/connection_table.cpp"),
                                (("show", "session"), "src/session/session.cpp")):
            offered, states = complete([*command, "--state", ""]), state_names(source)
            check(len(states) > 3 and offered == states,
                  f"{' '.join(command)} --state: offers {sorted(offered)}, {source} names "
                  f"{sorted(states)}")
        # The stand-in holds tunnel 7 with sessions 3 and 4; the socket is the one on the line.
        check(complete(["-s", path, "clear", "tunnel", ""]) == {"7"},
              "clear tunnel: the tunnel IDs of the daemon on the socket given")
        check(complete(["--socket", path, "clear", "session", "7", ""]) == {"3", "4"},
              "clear session 7: the session IDs of that tunnel")
        check(complete(["-s", path, "show", "session", "--tunnel", ""]) == {"7"},
              "show session --tunnel: the tunnel IDs")
        check(complete(["-s", os.path.join(workdir, "nobody.sock"), "clear", "tunnel", ""]) == set(),
              "no daemon: no IDs, and no error")
        check(complete(["-s", os.path.join(workdir, "stand")]) == {path},
              "-s completes a file name")
        standin.sock.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"hl2tpctl completion: {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
