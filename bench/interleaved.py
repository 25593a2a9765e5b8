#!/usr/bin/python3
"""Times whole processes in rounds: each round runs every command once, in
turn, so that drift on a shared machine (other jobs, CPU frequency, page
cache) falls on all of them alike, where hyperfine's back-to-back blocks
let it fall on one. Prints a Markdown table of wall-clock seconds.

    interleaved.py RUNS WARMUP NAME COMMAND [NAME COMMAND ...]

COMMAND is split on whitespace and run without a shell; its output is
discarded and a non-zero exit stops the benchmark. Standard library only.
"""
import statistics
import subprocess
import sys
import time


def main():
    runs, warmup = int(sys.argv[1]), int(sys.argv[2])
    pairs = sys.argv[3:]
    if runs < 1 or len(pairs) < 2 or len(pairs) % 2:
        sys.exit(__doc__)
    commands = [(pairs[i], pairs[i + 1].split()) for i in range(0, len(pairs), 2)]
    times = {name: [] for name, _ in commands}
    for round_index in range(warmup + runs):
        for name, argv in commands:
            start = time.perf_counter()
            done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                sys.exit(f"{name}: exit {done.returncode}\n{done.stderr.decode(errors='replace')}")
            if round_index >= warmup:
                times[name].append(elapsed)
    print("| command | median s | min s | max s | runs |")
    print("|---|---:|---:|---:|---:|")
    for name, _ in commands:
        t = times[name]
        print(f"| {name} | {statistics.median(t):.3f} | {min(t):.3f} | {max(t):.3f} | {len(t)} |")


if __name__ == "__main__":
    main()
