#!/usr/bin/env python3
"""Source-region coverage of the fuzz targets, from `llvm-cov export` JSON, one file per
target.

usage: coverage_report.py REPO_ROOT TARGET.json...

A region counts as reached if any target reaches it (in any instantiation). Prints each
target's share of the library's regions, every source file's share under the union of
all targets, and each parser region that no target reaches, with its source line. A
`const fn` runs in the compiler, so its regions are left out.
"""
import collections
import json
import re
import sys

# The code that reads bytes from a peer.
PARSERS = (
    'src/h1/parse.rs',
    'src/h1/body.rs',
    'src/h1/input.rs',
    'src/h2/frame/',
    'src/h2/fields.rs',
    'src/h2/upgrade.rs',
    'src/hpack/decoder.rs',
    'src/hpack/huffman.rs',
    'src/hpack/integer.rs',
    'src/hpack/table.rs',
    'src/handler/decompress.rs',
)

ROOT = sys.argv[1].rstrip('/') + '/'
SRC = ROOT + 'src/'
sources = {}


def source_line(file, line):
    if file not in sources:
        sources[file] = open(file, errors='replace').read().split('\n')
    return sources[file][line - 1]


def runs_at_compile_time(function):
    """A `const fn` that builds a table runs in the compiler, never in a target."""
    region = function['regions'][0]
    file = function['filenames'][region[5]]
    return file.startswith(SRC) and re.search(r'\bconst fn\b', source_line(file, region[0]))


best = {}  # (file, line, col, end line, end col) -> highest count of any target
print('== each target: regions of the library it reaches')
for path in sorted(sys.argv[2:]):
    mine = {}
    for export in json.load(open(path))['data']:
        for function in export['functions']:
            names = function['filenames']
            if runs_at_compile_time(function):
                continue
            for region in function['regions']:
                line, col, end_line, end_col, count, file_id, _, kind = region[:8]
                # Kind 0 is a code region; the others (expansions, gaps, skipped) are not
                # code that runs.
                if kind != 0 or not names[file_id].startswith(SRC):
                    continue
                key = (names[file_id][len(ROOT):], line, col, end_line, end_col)
                mine[key] = max(mine.get(key, 0), count)
    for key, count in mine.items():
        best[key] = max(best.get(key, 0), count)
    reached = sum(1 for c in mine.values() if c)
    name = path.split('/')[-1].rsplit('.', 1)[0]
    print(f'  {name:18} {reached:6} / {len(mine):6}  {100 * reached / max(len(mine), 1):5.1f}%')

by_file = collections.defaultdict(list)
for key, count in best.items():
    by_file[key[0]].append((key, count))
print('\n== each source file under all targets together (regions reached / regions)')
total = reached_total = 0
for file in sorted(by_file):
    regions = by_file[file]
    reached = sum(1 for _, c in regions if c)
    total += len(regions)
    reached_total += reached
    mark = '  parser' if file.startswith(PARSERS) else ''
    print(f'  {reached:5} / {len(regions):5}  {100 * reached / len(regions):5.1f}%  {file}{mark}')
print(f'  {reached_total:5} / {total:5}  {100 * reached_total / total:5.1f}%  all')

print('\n== parser regions no target reaches (file:line:column, the line)')
for file in sorted(by_file):
    if not file.startswith(PARSERS):
        continue
    shown = set()
    for (_, line, col, end_line, end_col), count in sorted(by_file[file]):
        if count or line in shown:
            continue
        shown.add(line)
        print(f'  {file}:{line}:{col}  {source_line(ROOT + file, line).strip()[:100]}')
