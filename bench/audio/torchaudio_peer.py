#!/usr/bin/python3
"""The Python side of bench/audio/run_bench.sh: torchaudio 0.13's own
Wav2Vec2 (the WAV2VEC2_BASE bundle's config, dropouts off, random weights
seeded) on the same file, the same threads.

  torchaudio_peer.py BUNDLE WORK_DIR AUDIO RUNS THREADS

Saves the state dict (WORK_DIR/weights.pth, for the C++ side to load) and
the last output (WORK_DIR/output.pth), and prints one JSON line. The file
is read with Python's wave module (16-bit PCM / 32768, as libsndfile
reads it), so both sides see the same samples.
"""
import json
import os
import statistics
import sys
import time
import wave

import torch
import torchaudio


def main(bundle_name, work, audio, runs, threads):
    torch.set_num_threads(threads)
    bundle = getattr(torchaudio.pipelines, bundle_name)
    params = dict(bundle._params)
    for key in params:
        if "dropout" in key or key == "encoder_layer_drop":
            params[key] = 0.0
    torch.manual_seed(0)
    t0 = time.perf_counter()
    model = torchaudio.models.wav2vec2_model(**params).eval()
    build_ms = (time.perf_counter() - t0) * 1000
    torch.save(model.state_dict(), os.path.join(work, "weights.pth"))
    with wave.open(audio) as w:
        assert w.getframerate() == bundle.sample_rate and w.getnchannels() == 1
        assert w.getsampwidth() == 2
        pcm = torch.frombuffer(bytearray(w.readframes(w.getnframes())), dtype=torch.int16)
    waveform = (pcm.to(torch.float32) / 32768.0).unsqueeze(0)
    times = []
    with torch.inference_mode():
        out, _ = model(waveform)  # warm-up
        for _ in range(runs):
            t0 = time.perf_counter()
            out, _ = model(waveform)
            times.append((time.perf_counter() - t0) * 1000)
    torch.save({"output": out}, os.path.join(work, "output.pth"))
    seconds = waveform.size(1) / bundle.sample_rate
    median = statistics.median(times)
    print(json.dumps({"side": "torchaudio", "model": bundle_name, "threads": torch.get_num_threads(),
                      "audio_seconds": seconds, "build_ms": build_ms, "runs_ms": times,
                      "median_ms": median, "rtf": median / 1000 / seconds,
                      "frames": out.size(1)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
