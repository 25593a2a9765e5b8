#!/usr/bin/python3
"""Python side of plugins/vision/bench's cold start: import, build, load, one forward.

  cold_start.py FILE THREADS
"""
import sys

import torch
import torchvision

torch.set_num_threads(int(sys.argv[2]))
model = torchvision.models.resnet50()
model.load_state_dict(torch.load(sys.argv[1]))
model.eval()
with torch.inference_mode():
    print(int(model(torch.zeros(1, 3, 224, 224)).argmax(1)))
