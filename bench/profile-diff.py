#!/usr/bin/env python3
"""Compares two async-profiler collapsed-stack profiles (bench/compare.sh with ASYNC_PROFILER=...) per request.

  bench/profile-diff.py A.collapsed B.collapsed A_US_PER_REQ B_US_PER_REQ [incl|self|owner] [rows]

Each profile's samples are scaled to the case's CPU microseconds per request (the report's "CPU us/req"), so the
columns read "us per request spent in (incl) / at (self) this frame" and the first column is B - A.
  incl   every frame, inclusive (a frame counted once per sample however often it recurs)
  self   leaf frames
  owner  each sample charged to its nearest frame (from the leaf) in Dualcore, then Spring Cloud Gateway, then
         Spring, then Reactor Netty code; ConnectionGuard (under every request) is skipped: "who asked for the CPU"
"""
import collections
import re
import sys

OWNERS = ("io/dualcore/", "org/springframework/cloud/gateway/", "org/springframework/", "reactor/netty/")


def frame(raw):
    return re.sub(r"_\[[a-z0-9]\]$", "", raw)


def owner(frames):
    for prefix in OWNERS:
        for f in reversed(frames):
            if f.startswith(prefix) and "ConnectionGuard" not in f:
                name = f.rsplit(".", 1)[0]
                return re.sub(r"\$\d+$", "", re.sub(r"\$\$Lambda.*", "$$Lambda", name))
    leaf = frames[-1]
    return "other: " + ("/".join(leaf.split("/")[:3]) if "/" in leaf else frames[0][:30])


def load(path, mode):
    total, counts = 0, collections.Counter()
    with open(path) as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, n = line.rsplit(" ", 1)
            n = int(n)
            total += n
            frames = [frame(f) for f in stack.split(";")]
            if mode == "self":
                counts[frames[-1]] += n
            elif mode == "owner":
                counts[owner(frames)] += n
            else:
                for f in set(frames):
                    counts[f] += n
    return total, counts


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    a, b = sys.argv[1], sys.argv[2]
    ua, ub = float(sys.argv[3]), float(sys.argv[4])
    mode = sys.argv[5] if len(sys.argv) > 5 else "owner"
    rows = int(sys.argv[6]) if len(sys.argv) > 6 else 40
    ta, ca = load(a, mode)
    tb, cb = load(b, mode)
    table = sorted(
        ((cb[k] / tb * ub - ca[k] / ta * ua, ca[k] / ta * ua, cb[k] / tb * ub, k) for k in set(ca) | set(cb)),
        key=lambda r: -abs(r[0]))
    print(f"{'B - A':>7} {'A':>7} {'B':>7}  us/request ({mode}); A {ta} samples, B {tb} samples")
    for d, x, y, k in table[:rows]:
        print(f"{d:7.2f} {x:7.2f} {y:7.2f}  {k}")


if __name__ == "__main__":
    main()
