"""The Python peer of bench/audio/run_bench.sh's Silero VAD rows: the archive
run by torch.jit.load in Python (Debian's torch 1.13), one 512-sample
chunk a call, as Silero's own utilities run it on a 16 kHz recording.
Prints one JSON line in run_bench.sh's shape, the median of RUNS runs.

  silero_jit_peer.py ARCHIVE WAV THREADS RUNS
"""
import json
import statistics
import sys
import time
import wave

import numpy as np
import torch

archive, wav, threads, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
with wave.open(wav) as w:
    assert w.getframerate() == 16000 and w.getnchannels() == 1 and w.getsampwidth() == 2
    audio = torch.from_numpy(
        np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768)
model = torch.jit.load(archive)
model.eval()


def run():
    t0 = time.perf_counter()
    model.reset_states()
    with torch.no_grad():
        for at in range(0, len(audio) - 511, 512):
            model(audio[at:at + 512], 16000)
    return (time.perf_counter() - t0) * 1000


run(), run()  # warm-up: the interpreter's profiling runs
seconds = len(audio) / 16000
median = statistics.median(run() for _ in range(runs))
print(json.dumps({"side": "Python torch.jit.load", "model": "silero_vad", "threads": threads,
                  "audio_seconds": seconds, "median_ms": median, "rtf": median / 1000 / seconds}))
