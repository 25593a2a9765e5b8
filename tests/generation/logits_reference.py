"""Reference outputs of the logits processors, for test_generation.cpp.

Written from Hugging Face's documented maths, not from modelzoo's code, in
float64 with plain Python loops where a vectorised form would mirror the
implementation under test:
  repetition penalty (CTRL, HF RepetitionPenaltyLogitsProcessor): for each
    distinct token of the row (padding excluded), s < 0 -> s * penalty,
    else s / penalty;
  temperature: s / t;
  top-k: keep the scores >= the k-th largest (ties kept), others -inf;
  top-p: sort by probability, descending; keep the smallest prefix whose
    probabilities sum to >= p (at least one token), others -inf.
Filtered entries are written as null (JSON has no -inf).

usage: logits_reference.py OUT.json
"""
import json
import math
import sys

import torch


def softmax(row):
    m = max(row)
    e = [math.exp(x - m) for x in row]
    s = sum(e)
    return [x / s for x in e]


def repetition(scores, ids, mask, penalty):
    out = [list(r) for r in scores]
    for b, row in enumerate(ids):
        seen = {t for t, m in zip(row, mask[b]) if m == 1}
        for t in seen:
            s = scores[b][t]
            out[b][t] = s * penalty if s < 0 else s / penalty
    return out


def top_k(scores, k):
    out = []
    for row in scores:
        kth = sorted(row, reverse=True)[k - 1]
        out.append([s if s >= kth else None for s in row])
    return out


def top_p(scores, p):
    out = []
    for row in scores:
        probs = softmax(row)
        order = sorted(range(len(row)), key=lambda i: -probs[i])
        keep, total = set(), 0.0
        for i in order:
            keep.add(i)
            total += probs[i]
            if total >= p:
                break
        out.append([s if i in keep else None for i, s in enumerate(row)])
    return out


def as_list(t):
    return [[float(x) for x in r] for r in t.tolist()]


def main():
    g = torch.Generator().manual_seed(1234)
    batch, vocab, length = 4, 40, 12
    # Continuous scores (no ties) for penalty, temperature and top-p; scores
    # on a coarse grid (many ties) for top-k.
    scores = as_list((torch.randn(batch, vocab, generator=g) * 2.5).float())
    tied = as_list((torch.randint(-6, 7, (batch, vocab), generator=g) / 2.0).float())
    ids = torch.randint(0, vocab - 1, (batch, length), generator=g).tolist()  # 39 unused
    ids[0][3] = ids[0][7]  # a repeated token: penalised once
    mask = [[1] * length for _ in range(batch)]
    for b, pads in enumerate([0, 3, 5, 11]):  # left padding
        mask[b] = [0] * pads + [1] * (length - pads)
    ids[2][0] = ids[2][9]  # a token that occurs in the padding and the text
    ids[1][1] = 39  # a token that occurs only in the padding
    cases = []
    for penalty in (1.3, 0.7):
        cases.append({"op": "repetition_penalty", "param": penalty, "scores": scores,
                      "ids": ids, "mask": mask, "expected": repetition(scores, ids, mask, penalty)})
    for t in (0.5, 1.7):
        cases.append({"op": "temperature", "param": t, "scores": scores,
                      "expected": [[s / t for s in r] for r in scores]})
    for k in (1, 3, 7, 39):
        cases.append({"op": "top_k", "param": k, "scores": tied, "expected": top_k(tied, k)})
        cases.append({"op": "top_k", "param": k, "scores": scores, "expected": top_k(scores, k)})
    for p in (0.05, 0.3, 0.75, 0.95):
        cases.append({"op": "top_p", "param": p, "scores": scores, "expected": top_p(scores, p)})
    with open(sys.argv[1], "w") as f:
        json.dump({"cases": cases}, f)


if __name__ == "__main__":
    main()
