#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""stracecheck.py TRACE: every removal or rename in an strace -f -y log is of
something the same thread created earlier in the trace.

Counted as created: mkdir/mkdirat, open/openat with O_CREAT that succeeded,
symlinkat, and the new name of a link or rename.  Checked: unlink/unlinkat,
rmdir, and the old name of rename/renameat/renameat2.  Paths are the -y
annotation of the directory descriptor joined with the name.  Prints each
offending call and exits 1 if there is one; prints the counts otherwise.
"""
import re
import sys

CALL = re.compile(r'^(?:\[pid\s+)?(\d+)\]?\s+(\w+)\((.*)\)\s+=\s+(-?\d+)')
ARG = re.compile(r'(AT_FDCWD|-?\d+<[^>]*>|"(?:[^"\\]|\\.)*"|[^,]+)\s*(?:,\s*|$)')


def path(dirarg, name):
    name = bytes(name[1:-1], 'utf-8').decode('unicode_escape')
    if name.startswith('/'):
        return name
    m = re.match(r'-?\d+<(.*)>$', dirarg)
    return (m.group(1) if m else '.') + '/' + name


def main():
    made = {}
    bad = []
    removals = renames = 0
    pending = {}
    for raw in open(sys.argv[1], errors='replace'):
        # A call another thread interrupted comes in two lines: join them.
        raw = raw.strip()
        u = re.match(r'^(?:\[pid\s+)?(\d+)\]?\s+(.*) <unfinished \.\.\.>$', raw)
        if u:
            pending[u.group(1)] = u.group(2)
            continue
        r = re.match(r'^(?:\[pid\s+)?(\d+)\]?\s+<\.\.\. \w+ resumed>(.*)$', raw)
        if r:
            if r.group(1) not in pending:
                continue
            raw = r.group(1) + ' ' + pending.pop(r.group(1)) + r.group(2)
        line = raw
        m = CALL.match(line)
        if not m or int(m.group(4)) < 0:
            continue
        tid, fn, args = m.group(1), m.group(2), [a.strip() for a in ARG.findall(m.group(3))]
        mine = made.setdefault(tid, set())
        if fn == 'mkdirat' or fn == 'symlinkat' or (fn == 'openat' and 'O_CREAT' in args[2]):
            d, n = (args[0], args[1]) if fn != 'symlinkat' else (args[1], args[2])
            mine.add(path(d, n))
        elif fn in ('mkdir',) or (fn == 'open' and 'O_CREAT' in args[1]):
            mine.add(path('AT_FDCWD', args[0]))
        elif fn in ('linkat',):
            mine.add(path(args[2], args[3]))
        elif fn in ('unlinkat', 'unlink', 'rmdir'):
            removals += 1
            p = path(args[0], args[1]) if fn == 'unlinkat' else path('AT_FDCWD', args[0])
            if p not in mine:
                bad.append(line.strip())
        elif fn in ('renameat', 'renameat2', 'rename'):
            renames += 1
            old = path(args[0], args[1]) if fn != 'rename' else path('AT_FDCWD', args[0])
            new = path(args[2], args[3]) if fn != 'rename' else path('AT_FDCWD', args[1])
            if old not in mine:
                bad.append(line.strip())
            mine.add(new)
    for b in bad:
        print('not made by the same thread:', b)
    print(f'{removals} removals, {renames} renames, {len(bad)} of something not made here')
    return 1 if bad else 0


sys.exit(main())
