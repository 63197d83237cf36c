#!/usr/bin/env python3
"""Writes the daemon benchmarks' results (daemon_bench.py's JSON) into BENCHMARKS.md, between the
markers <!-- daemon-bench:begin --> and <!-- daemon-bench:end -->, replacing what was there.

Usage: write_daemon_section.py RESULTS.json BENCHMARKS.md COMMAND
"""
import json
import sys


def mmm(s, fmt="{:,.0f}"):
    return f"**{fmt.format(s['median'])}** ({fmt.format(s['min'])}–{fmt.format(s['max'])})"


def section(r, command):
    m = r["machine"]
    lines = [
        "## Daemons on loopback (issue 7)",
        "",
        f"- Command: `{command}` (runs `bench/daemon_bench.py`; this section is written from its "
        "JSON, kept beside this file as `bench/results/daemon.json`).",
        f"- Machine: {m['cores']} cores, {m['cpu']}, Debian 12, {m['date']}; the other work on the "
        "machine was stopped, but it is a shared KVM guest: medians of runs side by side.",
        "- Load generator: `bench/l2tp_loadgen`, a LAC on our engine without a store (one UDP "
        "socket, at most 512 set-ups in flight). A phase ends when the LNS has acknowledged the last "
        "ICCN (every channel quiet). CPU of every process is read from /proc.",
        "- hl2tpd as LNS runs with its store on: SQLite WAL, process-crash durability, one group "
        "commit per loop turn, before the turn's datagrams leave.",
        "",
    ]
    if "setup" in r:
        lines += ["### Session set-up rate", "",
                  "Target: at least 25,000 sessions/s (hl2tpd as LNS, store on).", "",
                  "| LNS | tunnels | sessions | in flight | sessions/s, median (min–max) | "
                  "LNS CPU µs/session | LNS CPU s | load generator CPU s | complete runs |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for row in r["setup"]:
            lines.append(f"| {row['lns']} | {row['tunnels']:,} | {row['sessions']:,} | "
                         f"{row['in_flight']} | "
                         f"{mmm(row['sessions_per_s'])} | "
                         f"{row['lns_cpu_us_per_session']['median']:.1f} | "
                         f"{row['lns_cpu_s']['median']:.2f} | {row['loadgen_cpu_s']['median']:.2f} | "
                         f"{row['complete_runs']}/{row['sessions_per_s']['runs']} |")
        by = {(x["lns"], x["tunnels"], x["sessions"]): x for x in r["setup"]}
        ours, theirs = by.get(("hl2tpd", 16, 1000)), by.get(("xl2tpd", 16, 1000))
        if ours and theirs:
            lines += ["", f"Same load side by side (1,000 sessions over 16 tunnels, 16 in flight; "
                      f"xl2tpd forks a pppd per call and tops out near 1,000 calls): "
                      f"hl2tpd / xl2tpd = "
                      f"**{ours['sessions_per_s']['median'] / theirs['sessions_per_s']['median']:.1f}×**."]
        lines.append("")
    if "tunnels" in r:
        lines += ["### Tunnel set-up rate", "",
                  "Target: at least 25,000 tunnels/s, flat as the count grows.", "",
                  "Side by side at 16 set-ups in flight (xl2tpd's limit, see above); hl2tpd also at "
                  "512. A run ends with the LNS's acknowledgement of the last SCCCN (hl2tpd sends "
                  "it at the end of its loop turn); the rate up to the "
                  "last SCCCN sent is given beside it.", "",
                  "| tunnels | hl2tpd, 512 in flight | hl2tpd, 16 | xl2tpd, 16 | ratio at 16 | "
                  "to the last SCCCN: hl2tpd 512 / hl2tpd 16 / xl2tpd 16 | CPU s: hl2tpd (16) / "
                  "xl2tpd (16) / load generator (hl2tpd, 512) | complete runs (hl2tpd 512, 16; "
                  "xl2tpd) |",
                  "|---|---|---|---|---|---|---|---|"]
        rows = {}
        for row in r["tunnels"]:
            rows.setdefault(row["tunnels"], {})[(row["lns"], row["in_flight"])] = row
        for n, by in sorted(rows.items()):
            h, h16, x = by.get(("hl2tpd", 512)), by.get(("hl2tpd", 16)), by.get(("xl2tpd", 16))
            if not h or not h16 or not x:
                continue
            runs = h["tunnels_per_s"]["runs"]
            last = " / ".join(f"{v['tunnels_per_s_to_last_scccn']['median']:,.0f}"
                              for v in (h, h16, x))
            lines.append(f"| {n:,} | {mmm(h['tunnels_per_s'])} | {mmm(h16['tunnels_per_s'])} | "
                         f"{mmm(x['tunnels_per_s'])} | "
                         f"{h16['tunnels_per_s']['median'] / x['tunnels_per_s']['median']:.1f}× | "
                         f"{last} | "
                         f"{h16['lns_cpu_s']['median']:.2f} / {x['lns_cpu_s']['median']:.2f} / "
                         f"{h['loadgen_cpu_s']['median']:.2f} | {h['complete_runs']}/{runs}, "
                         f"{h16['complete_runs']}/{runs}, {x['complete_runs']}/{runs} |")
        lines.append("")
    if "recovery" in r:
        lines += ["### Recovery after SIGKILL", "",
                  "Target: at most 1 s for 100,000 sessions; 0 sessions lost. Two hl2tpd on "
                  "loopback; the victim is killed with SIGKILL and started again at once. "
                  "*Recovery*: from the new process's start until `show summary` reports every tunnel "
                  "recovered (polled every 5 ms through hl2tpctl, so ±10 ms). *Kill to recovered*: "
                  "from the SIGKILL, the longest the peer can have gone unanswered.", "",
                  "| tunnels / sessions | method | failed | recovery ms | kill to recovered ms | "
                  "restarted process CPU s | sessions lost |",
                  "|---|---|---|---|---|---|---|"]
        for row in r["recovery"]:
            lines.append(f"| {row['tunnels']:,} / {row['sessions']:,} | {row['method']} | "
                         f"{row['failed_role'].upper()} | {mmm(row['recovery_ms'])} | "
                         f"{mmm(row['kill_to_recovered_ms'])} | "
                         f"{row['restarted_process_cpu_s']['median']:.2f} | "
                         f"{row['sessions_lost']} (of {row['sessions']:,} × "
                         f"{row['recovery_ms']['runs']}) |")
        lines.append("")
    if "baseline" in r:
        b = r["baseline"]
        lines += ["### Baseline: the same crash without recovery", "",
                  "| what restarts | sessions before | sessions lost | peer noticed after |",
                  "|---|---|---|---|"]
        for key, what in (("none", "hl2tpd LNS, `failover-resync = \"none\"`"),
                          ("xl2tpd_lac_restart", "xl2tpd as LAC (peer: hl2tpd LNS)")):
            if key in b:
                x = b[key]
                noticed = f"{x['peer_noticed_s']:.0f} s" if x["peer_noticed_s"] else "not within 200 s"
                lines.append(f"| {what} | {x['sessions_before']:,} | {x['sessions_lost']:,} | "
                             f"{noticed} |")
        lines.append("")
    if "memory" in r:
        lines += ["### Memory, scale and idle cost", "",
                  "Targets: at most 1 KiB RSS per session at 100,000; idle under 1 % of one core "
                  "with 1,000 tunnels / 100,000 sessions and default Hellos (60 s).", "",
                  "| tunnels / sessions | RSS before → after, KiB | RSS per session | store bytes "
                  "per session | idle CPU (LNS / load generator) |",
                  "|---|---|---|---|---|"]
        for row in r["memory"]:
            if row["sessions"] == 0:
                lines.append(f"| {row['tunnels']:,} / 0 | {row['rss0_kib']:,} → {row['rss_kib']:,} "
                             f"| **{row['rss_per_tunnel_bytes']:,.0f} B per tunnel** | "
                             f"{row['store_bytes_per_tunnel']:.0f} B per tunnel | — |")
                continue
            idle = (f"{row['idle_lns_cpu_percent']:.2f} % / {row['idle_loadgen_cpu_percent']:.2f} % "
                    f"over {row['idle_s']} s") if "idle_s" in row else "—"
            lines.append(f"| {row['tunnels']:,} / {row['sessions']:,} | {row['rss0_kib']:,} → "
                         f"{row['rss_kib']:,} | **{row['rss_per_session_bytes']:.0f} B** | "
                         f"{row['store_bytes_per_session']:.0f} B | {idle} |")
        lines.append("")
    durations = r.get("duration_s", {})
    if durations:
        lines.append("Each part's wall time: " + ", ".join(
            f"{k} {v:.0f} s" for k, v in durations.items()) + ".")
        lines.append("")
    return "\n".join(lines)


def main():
    results_path, md_path, command = sys.argv[1], sys.argv[2], sys.argv[3]
    with open(results_path) as f:
        r = json.load(f)
    with open(md_path) as f:
        md = f.read()
    begin, end = "<!-- daemon-bench:begin -->", "<!-- daemon-bench:end -->"
    body = f"{begin}\n{section(r, command)}{end}"
    if begin in md and end in md:
        md = md[:md.index(begin)] + body + md[md.index(end) + len(end):]
    else:
        md = md.rstrip("\n") + "\n\n" + body + "\n"
    with open(md_path, "w") as f:
        f.write(md)


if __name__ == "__main__":
    main()
