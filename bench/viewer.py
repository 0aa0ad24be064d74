#!/usr/bin/env python3
"""bench/viewer.py — writes a deterministic synthetic folded profile with a
given number of call-tree nodes (default 1,000,000) for bench/viewer.sh.

    python3 bench/viewer.py [NODES] > big.folded

The tree is grown from one seed (random.Random(42)), so every run writes the
same bytes. Each node's subtree size is split at random among 1-6 children
(mostly 1-3, so stacks are 10-40 deep like real ones); sibling names are
distinct, drawn from a pool of 40,000 names shaped like C, C++, Go and
Python frames. Every leaf is a line with a count of 1-1000; a fifth of the
inner nodes also get a line of their own (self time).
"""
import random
import sys


def main():
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    rng = random.Random(42)
    shapes = ['fn{}', 'ns{}::C{}::run', 'pkg{}.F{}', 'py{} (m{}.py)']
    pool = []
    for i in range(40_000):
        shape = shapes[i % len(shapes)]
        pool.append(shape.format(i, i % 97) if shape.count('{}') == 2 else shape.format(i))
    out = sys.stdout
    write = out.write
    # Explicit stack of (frames, budget): budget = nodes in this subtree
    # (the node itself included). The root "all" is not a frame.
    stack = []
    top_budget = target - 1
    top_children = []
    remaining = top_budget
    while remaining > 0:
        size = min(remaining, rng.randint(1, max(1, top_budget // 8)))
        top_children.append(size)
        remaining -= size
    used = set()
    for size in reversed(top_children):
        name = rng.choice(pool)
        while name in used:
            name = rng.choice(pool)
        used.add(name)
        stack.append(([name], size))
    lines = 0
    while stack:
        frames, budget = stack.pop()
        rest = budget - 1
        if rest == 0:
            write(';'.join(frames) + ' ' + str(rng.randint(1, 1000)) + '\n')
            lines += 1
            continue
        if rng.random() < 0.2:
            write(';'.join(frames) + ' ' + str(rng.randint(1, 300)) + '\n')
            lines += 1
        k = min(rest, rng.choice((1, 1, 1, 2, 2, 3, 4, 6)))
        cuts = sorted(rng.sample(range(1, rest), k - 1)) if k > 1 else []
        sizes = [b - a for a, b in zip([0] + cuts, cuts + [rest])]
        names = set()
        children = []
        for size in sizes:
            name = rng.choice(pool)
            while name in names:
                name = rng.choice(pool)
            names.add(name)
            children.append((frames + [name], size))
        stack.extend(reversed(children))
    sys.stderr.write(f'bench/viewer.py: {target} nodes, {lines} lines\n')


if __name__ == '__main__':
    main()
