#!/usr/bin/env python3
"""Finds import loops between the files of one Rust crate: `tests/module-cycles.py <crate>/src`.

Edges come from `use` lines and inline `crate::`/`super::`/`self::` paths (and paths through a
child module), not from `mod` declarations. A file may use what its own ancestor modules define
or re-export (`crate::Error`, a type in its parent's mod.rs): that is containment, not a loop.
Every other loop among files is printed and the exit status is 1. test.sh runs it on every
crate, so a loop like the background's old six-file one cannot come back unseen.
"""
import os, re, sys

src = sys.argv[1]
files = {}
for root, _, names in os.walk(src):
    for n in names:
        if n.endswith('.rs'):
            p = os.path.join(root, n)
            rel = os.path.relpath(p, src)
            parts = rel[:-3].split(os.sep)
            if parts[-1] in ('mod', 'lib'):
                parts = parts[:-1]
            files[tuple(parts)] = rel

def strip_comments(text):
    return '\n'.join(re.sub(r'//.*', '', l) for l in text.split('\n'))

def expand(path):
    """Expand a use tree with braces into flat paths."""
    path = path.replace(' ', '').replace('\n', '')
    i = path.find('{')
    if i < 0:
        return [path]
    prefix = path[:i]
    depth, items, cur = 0, [], ''
    body = path[i+1:path.rfind('}')]
    for ch in body:
        if ch == ',' and depth == 0:
            items.append(cur); cur = ''
            continue
        if ch == '{': depth += 1
        if ch == '}': depth -= 1
        cur += ch
    if cur: items.append(cur)
    out = []
    for it in items:
        if it:
            out += expand(prefix + it)
    return out

def resolve(mod, segs):
    """Longest prefix of segs (absolute) that names a module file."""
    for k in range(len(segs), -1, -1):
        if tuple(segs[:k]) in files:
            return tuple(segs[:k])
    return None

edges = {m: set() for m in files}
for mod, rel in files.items():
    text = strip_comments(open(os.path.join(src, rel)).read())
    # An inline module (`mod tests { use super::*; }`) sits one level below the file's module.
    inline = re.search(r'\bmod\s+\w+\s*\{', text)
    cut = inline.start() if inline else len(text)
    paths = []
    for m in re.finditer(r'\buse\s+([^;]+);', text, re.S):
        paths += [(p, m.start() > cut) for p in expand(m.group(1))]
    for m in re.finditer(r'(?<![\w:])((?:crate|super|self)(?:::\w+)+)', text):
        paths.append((m.group(1), m.start() > cut))
    # Inline paths through a child module, e.g. `driver::Driver::new(..)` in network/mod.rs.
    for m in re.finditer(r'(?<![\w:])(\w+(?:::\w+)+)', text):
        first = m.group(1).split('::')[0]
        if first not in ('crate', 'super', 'self') and tuple(list(mod) + [first]) in files:
            paths.append((m.group(1), m.start() > cut))
    is_dir_mod = rel.endswith('mod.rs') or rel == 'lib.rs'
    for p, in_inline in paths:
        p = re.sub(r'\s+as\s+\w+$', '', p).replace('r#', '')
        segs = [s for s in p.split('::') if s]
        if not segs: continue
        base = list(mod)
        if segs[0] == 'crate':
            abs_ = segs[1:]
        elif segs[0] in ('super', 'self'):
            # `super` of a file module x/y.rs is x; of x/mod.rs is the parent of x.
            cur = base + ['<inline>'] if in_inline else base
            while segs and segs[0] in ('super', 'self'):
                if segs[0] == 'super':
                    cur = cur[:-1]
                segs = segs[1:]
            abs_ = cur + segs
        else:
            # relative path: a child module of this one?
            if not in_inline and tuple(base + [segs[0]]) in files:
                abs_ = base + segs
            else:
                continue
        target = resolve(mod, abs_)
        # A file may use what its own ancestors define or re-export (`crate::Error`, a type in
        # the parent's mod.rs): that is containment, not a loop between files.
        if target is not None and target != mod and target != tuple(mod[:len(target)]):
            edges[mod].add(target)

# cycles: Tarjan SCC
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]
sys.setrecursionlimit(10000)
def strong(v):
    index[v] = low[v] = counter[0]; counter[0] += 1
    stack.append(v); on.add(v)
    for w in edges[v]:
        if w not in index:
            strong(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1:
            sccs.append(comp)
for v in edges:
    if v not in index:
        strong(v)
name = lambda m: files[m]
print(f"{len(files)} files, {sum(len(e) for e in edges.values())} edges")
if '-v' in sys.argv:
    for m in sorted(edges, key=name):
        print(f"  {name(m)} -> {', '.join(sorted(name(t) for t in edges[m]))}")
if sccs:
    for c in sccs:
        print("CYCLE among:", ' '.join(sorted(name(m) for m in c)))
    sys.exit(1)
print("no cycles")
