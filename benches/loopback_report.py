#!/usr/bin/env python3
"""Turns the rows benches/loopback.sh measured into a table and a chart.

usage: loopback_report.py RESULTS.tsv SECONDS OUTDIR

Each row: test, server, round, requests, bytes, server CPU µs (for the idle rows:
connections and RSS bytes). Medians over the rounds; ratios are weir's tokio-server
against each peer, from medians of the same run.
"""
import statistics
import sys
from collections import defaultdict

TESTS = {
    "h2_small": "h2load, 16 conns x 32 streams, `GET /`",
    "h2_1mib": "h2load, 4 conns, `GET /bytes/1048576`",
    "h1": "wrk, 16 conns, `GET /`",
    "h1_pipelined": "wrk, 16 conns, 16-deep pipelining",
}
SERVERS = ["weir-tokio", "weir-blocking", "hyper", "h2", "nghttpd"]
WEIR = "weir-tokio"


def main():
    path, seconds, outdir = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    runs = defaultdict(list)
    idle = {}
    for line in open(path):
        test, server, _round, reqs, nbytes, cpu = line.rstrip("\n").split("\t")
        if test.startswith("idle_"):
            idle[(test[5:], server)] = int(nbytes) / int(reqs)
            continue
        reqs, nbytes, cpu = int(reqs), int(nbytes), int(cpu)
        if reqs == 0:
            raise SystemExit(f"loopback: {server} answered no request on {test}")
        runs[(test, server)].append((reqs / seconds, nbytes / seconds, cpu / reqs))

    med = {k: tuple(statistics.median(r[i] for r in v) for i in range(3)) for k, v in runs.items()}
    lines = [
        f"Loopback, {len(next(iter(runs.values())))} alternating rounds of {seconds:g} s per cell;"
        " server and load generator pinned to separate cores; medians.",
        "",
        "| load | server | req/s | MiB/s | server CPU µs/req | weir-tokio req/s ratio |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for test, title in TESTS.items():
        for server in SERVERS:
            if (test, server) not in med:
                continue
            rps, bps, cpu = med[(test, server)]
            ratio = ""
            if server != WEIR and (test, WEIR) in med:
                ratio = f"{med[(test, WEIR)][0] / rps:.2f}x"
            mib = f"{bps / 2**20:.0f}" if bps else "-"
            lines.append(f"| {title} | {server} | {rps:,.0f} | {mib} | {cpu:.1f} | {ratio} |")
    if idle:
        lines += [
            "",
            "| idle connection (1,000 open) | server | bytes per connection |",
            "|---|---|---:|",
        ]
        for (version, server), per in sorted(idle.items()):
            what = "HTTP/1.1 keep-alive" if version == "h1" else "HTTP/2 after the handshake"
            lines.append(f"| {what} | {server} | {per:,.0f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    open(f"{outdir}/loopback.md", "w").write(table)
    open(f"{outdir}/loopback.svg", "w").write(chart(med))


def chart(med):
    """Grouped bars: requests per second of each server, per load, relative to the
    fastest server on that load."""
    colors = {"weir-tokio": "#1f6feb", "weir-blocking": "#8ab4f8", "hyper": "#d29922",
              "h2": "#8957e5", "nghttpd": "#3fb950"}
    width, bar, gap, top, height = 760, 22, 28, 40, 220
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{top + height + 90}"'
           ' font-family="sans-serif" font-size="12">',
           f'<text x="10" y="22" font-size="14">Requests per second, relative to the fastest'
           ' server on each load (loopback)</text>']
    x = 40
    for test, title in TESTS.items():
        present = [s for s in SERVERS if (test, s) in med]
        if not present:
            continue
        best = max(med[(test, s)][0] for s in present)
        for server in present:
            rps = med[(test, server)][0]
            h = height * rps / best
            out.append(f'<rect x="{x}" y="{top + height - h:.1f}" width="{bar}" height="{h:.1f}"'
                       f' fill="{colors[server]}"><title>{server}: {rps:,.0f} req/s</title></rect>')
            out.append(f'<text x="{x + bar / 2}" y="{top + height - h - 4:.1f}" font-size="9"'
                       f' text-anchor="middle">{rps / 1000:.0f}k</text>')
            x += bar + 2
        out.append(f'<text x="{x - (bar + 2) * len(present) / 2}" y="{top + height + 16}"'
                   f' text-anchor="middle">{test}</text>')
        x += gap
    ly = top + height + 40
    lx = 40
    for server, color in colors.items():
        out.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{lx + 16}" y="{ly + 10}">{server}</text>')
        lx += 130
    out.append("</svg>")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
