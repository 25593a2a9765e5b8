"""Writes a small PyTorch checkpoint with torch.save (an OrderedDict state
dict, as every torchvision checkpoint is) for modelzoo's weights tests, and
prints each tensor's SHA-256 of its contiguous bytes.

  make_small_checkpoint.py OUT.pth NUM_CLASSES
"""
import collections
import hashlib
import json
import sys

import torch

torch.manual_seed(3)
num_classes = int(sys.argv[2])
model = torch.nn.Sequential(collections.OrderedDict(
    conv=torch.nn.Conv2d(3, 4, 3), bn=torch.nn.BatchNorm2d(4),
    fc=torch.nn.Linear(4, num_classes)))
with torch.no_grad():
    model.bn.running_mean.uniform_(-1, 1)
    model.bn.running_var.uniform_(0.5, 2)
    model.bn.num_batches_tracked.fill_(7)
torch.save(model.state_dict(), sys.argv[1])
print(json.dumps({k: hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest()
                  for k, v in model.state_dict().items()}))
