"""python_load.py FILE [RUNS]: torchvision resnet50 (random init, not timed),
then model.load_state_dict(torch.load(FILE)) timed; median of RUNS, each on
a fresh model, and the peak RSS the first load added. Prints JSON."""
import json
import resource
import statistics
import sys
import time

import torch
import torchvision

torch.set_num_threads(2)
path, runs = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5
times, cpu, baseline, peak = [], [], 0, 0
for run in range(runs):
    model = torchvision.models.resnet50()
    if run == 0:
        baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu_start = time.perf_counter(), time.process_time()
    model.load_state_dict(torch.load(path))
    times.append((time.perf_counter() - start) * 1000)
    cpu.append((time.process_time() - cpu_start) * 1000)
    if run == 0:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    del model
print(json.dumps({"median_ms": statistics.median(times), "min_ms": min(times),
                  "cpu_ms": statistics.median(cpu),
                  "rss_added_mib": (peak - baseline) / 1024}))
