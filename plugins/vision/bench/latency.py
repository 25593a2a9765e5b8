#!/usr/bin/python3
"""Python side of plugins/vision/bench: steady-state ResNet-50 forward latency.

  latency.py FILE BATCH RUNS THREADS   -> "median_ms min_ms"
"""
import sys
import time

import torch
import torchvision

path, batch, runs, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
model = torchvision.models.resnet50()
model.load_state_dict(torch.load(path))
model.eval()
x = torch.randn(batch, 3, 224, 224)
with torch.inference_mode():
    for _ in range(5):
        model(x)
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        model(x)
        ms.append((time.perf_counter() - t0) * 1000)
ms.sort()
print(f"{ms[len(ms) // 2]:.2f} {ms[0]:.2f}")
