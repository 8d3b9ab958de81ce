#!/usr/bin/env python3
"""Times two shell commands side by side: A and B run in turn (A B A B ...),
RUNS times each after one warm-up pair, and the ratio A/B of wall and CPU
seconds is taken pair by pair, so that a machine whose speed drifts during
the call still gives a meaningful ratio. Prints each command's wall seconds
and the ratios as min, median and max: quote the median; min and max show
the spread.

usage: bench/ab_timing.py [-n RUNS] [--timeout SECONDS] 'COMMAND_A' 'COMMAND_B'
"""
import argparse
import resource
import statistics
import subprocess
import sys
import time


def run(command, timeout):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(["sh", "-c", command], check=True, stdin=subprocess.DEVNULL, timeout=timeout)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def spread(values):
    return f"{statistics.median(values):.3f} ({min(values):.3f}-{max(values):.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=1200)
    parser.add_argument("a")
    parser.add_argument("b")
    args = parser.parse_args()
    run(args.a, args.timeout)
    run(args.b, args.timeout)
    walls_a, walls_b, wall_ratios, cpu_ratios = [], [], [], []
    for _ in range(args.runs):
        wall_a, cpu_a = run(args.a, args.timeout)
        wall_b, cpu_b = run(args.b, args.timeout)
        walls_a.append(wall_a)
        walls_b.append(wall_b)
        wall_ratios.append(wall_a / wall_b)
        cpu_ratios.append(cpu_a / cpu_b if cpu_b > 0 else float("nan"))
    print(f"A wall s {spread(walls_a)}")
    print(f"B wall s {spread(walls_b)}")
    print(f"A/B wall {spread(wall_ratios)}")
    print(f"A/B cpu  {spread(cpu_ratios)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
