#!/usr/bin/env python3
"""Time commands in alternation: A, B, A, B, ... (after one untimed warm-up run each).

hyperfine runs all of A's runs, then all of B's; on a shared machine whose speed drifts
over a minute, that drift lands in the ratio. Alternating puts both commands under the
same conditions run for run, so their ratio of medians is the steadier figure.

    interleave.py --runs N --json OUT -n NAME 'COMMAND' -n NAME 'COMMAND' ...

Writes {"results": [{"command": NAME, "median": s, "times": [...]}, ...]} to OUT (the
shape bench/run.sh reads from hyperfine's JSON) and prints the medians. Commands are
split like a shell word list (no shell is started) and their output is discarded; a
non-zero exit is not an error (monolint exits 1 when it finds something).
"""
import argparse
import json
import shlex
import statistics
import subprocess
import sys
import time


def run(argv):
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--json", required=True)
    ap.add_argument("-n", nargs=2, action="append", metavar=("NAME", "COMMAND"), required=True)
    args = ap.parse_args()
    cmds = [(name, shlex.split(cmd)) for name, cmd in args.n]
    for _, argv in cmds:
        run(argv)
    times = {name: [] for name, _ in cmds}
    for _ in range(args.runs):
        for name, argv in cmds:
            times[name].append(run(argv))
    results = [
        {"command": name, "median": statistics.median(t), "times": t} for name, t in times.items()
    ]
    with open(args.json, "w") as f:
        json.dump({"results": results}, f)
    for r in results:
        print(f"{r['command']}: median {r['median'] * 1000:.1f} ms of {len(r['times'])} runs")


if __name__ == "__main__":
    sys.exit(main())
