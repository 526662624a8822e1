#!/usr/bin/env python3
"""Aggregates libFuzzer -print_coverage=1 outputs, one file per target.

usage: coverage_report.py REPO_ROOT TARGET.txt...

A function, or a branch (an uncovered PC of a covered function), counts as reached if
any target reaches it. Prints each target's covered edges and features, the parser functions that no
target reaches, and for the others the share of their edges the best target reaches.
"""
import collections
import re
import sys
parsers = ('src/h1/parse.rs', 'src/h1/body.rs', 'src/h1/chunk', 'src/h2/frame/', 'src/hpack/', 'src/h2/fields.rs')
covered_in = collections.defaultdict(set)      # func -> targets covering it
loc_of = {}
edges = {}
name_of = {}
per_target = {}
def short_name(name):
    """`weir::h1::body::parse_trailers::<X>` as `body::parse_trailers`."""
    while True:
        shorter = re.sub(r'::<[^<>]*>', '', name)
        if shorter == name:
            break
        name = shorter
    return '::'.join(name.replace('<', '').replace('>', '').split('::')[-2:])


ROOT = sys.argv[1].rstrip('/') + '/'
for path in sorted(sys.argv[2:]):
    t = path.split('/')[-1][:-len('.txt')]
    cov = None
    for line in open(path, errors='replace'):
        m = re.match(r'(UN)?COVERED_FUNC: hits: (\d+) edges: (\d+)/(\d+) (.*) (' + re.escape(ROOT) + r'\S+)$', line.strip())
        if m:
            u, hits, e, tot, name, loc = m.groups()
            # Generic functions come once per instantiation: keyed by where they are.
            name_of.setdefault(loc, short_name(name))
            name = loc
            loc_of[name] = loc
            if not u:
                covered_in[name].add(t)
                prev = edges.get((name, t), (0, int(tot)))
                edges[(name, t)] = max(prev, (int(e), int(tot)))
            continue
        m = re.search(r'DONE\s+cov: (\d+) ft: (\d+)', line)
        if m:
            cov = (int(m.group(1)), int(m.group(2)))
    per_target[t] = cov
print("per target (edges covered, features) over its corpus:")
for t, c in per_target.items():
    print(f"  {t}: {c}")
def rel(loc):
    return loc.replace(ROOT, '')

print("\nparser functions no target reaches:")
for name, loc in sorted(loc_of.items(), key=lambda x: x[1]):
    if not covered_in.get(name) and any(p in loc for p in parsers):
        print(f"  {rel(loc)}  {name_of[loc]}")
print(
    "\nparser functions by the share of their edges the best target reaches (edges"
    " include the panic and bounds-check paths the instrumentation adds, which valid"
    " code never takes, so that 100% is not expected):"
)
rows = []
for name, ts in covered_in.items():
    loc = loc_of[name]
    if ts and any(p in loc for p in parsers):
        e, tot, t = max(edges[(name, t)] + (t,) for t in ts)
        rows.append((e / tot if tot else 1.0, e, tot, rel(loc), name_of[loc], t))
for share, e, tot, loc, short, t in sorted(rows):
    print(f"  {share:4.0%} {e:4}/{tot:<4} {loc:34} {short:40} best: {t}")
