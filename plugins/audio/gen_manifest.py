#!/usr/bin/python3
"""Writes plugins/audio/manifest.json from the facts below.

  /usr/bin/python3 plugins/audio/gen_manifest.py > plugins/audio/manifest.json

Wav2Vec2 / HuBERT: the configs, file names and labels are torchaudio 0.13's
(torchaudio/pipelines/_wav2vec2/impl.py and utils.py in Debian's
python3-torchaudio); the files are at
https://download.pytorch.org/torchaudio/models/{file}. torchaudio pins no
digest (its file names carry no hash prefix), so a variant is listed only
where the file's SHA-256 and size are known from elsewhere; the
entrypoints without one build with random weights (--random-init) or from
a local file (--weights FILE, torchaudio's or Hugging Face's names). None is
ever made up. The output is committed: the build needs no Python.
"""
import json
import sys

TORCHAUDIO_MODELS = "https://download.pytorch.org/torchaudio/models/"

# torchaudio.pipelines' English CTC labels, blank ("-") first
# (Wav2Vec2ASRBundle.get_labels()).
EN_LABELS = ["-", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D", "L", "U", "M", "W", "C",
             "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z"]

CONV_LAYERS = [[512, 10, 5]] + [[512, 3, 2]] * 4 + [[512, 2, 2]] * 2

# The structural half of torchaudio's _params (dropouts and layer drop are
# training settings; these models run in inference).
BASE = {
    "extractor_mode": "group_norm",
    "extractor_conv_layer_config": CONV_LAYERS,
    "extractor_conv_bias": False,
    "encoder_embed_dim": 768,
    "encoder_pos_conv_kernel": 128,
    "encoder_pos_conv_groups": 16,
    "encoder_num_layers": 12,
    "encoder_num_heads": 12,
    "encoder_ff_interm_features": 3072,
    "encoder_layer_norm_first": False,
    "aux_num_out": None,
}
LARGE = dict(BASE, extractor_mode="layer_norm", encoder_embed_dim=1024, encoder_num_layers=24,
             encoder_num_heads=16, encoder_ff_interm_features=4096,
             encoder_layer_norm_first=True)

AUDIO_INPUT = {"name": "waveforms", "kind": "audio", "shape": ["N", "T"], "dtype": "float32",
               "sample_rate": 16000, "channels": 1}

ARCH_DOC = (
    "torchaudio's Wav2Vec2Model with its parameter names: a 7-layer conv feature extractor "
    "(exact GELU; GroupNorm on layer 0 for 'group_norm', LayerNorm on every layer for "
    "'layer_norm'), feature projection, a weight-normed positional conv (weight_g/weight_v), "
    "and a transformer ({ln}). Loads torchaudio's .pth files and state_dict() as they are, and "
    "Hugging Face's layout ('wav2vec2.'/'hubert.' prefix, lm_head) through a key map. Config: "
    "torchaudio's wav2vec2_model() argument names{labels}.")


def doc(summary, ln, asr, file):
    text = summary + " " + ARCH_DOC.format(
        ln="post-LN" if ln == "post" else "pre-LN, as torchaudio's large configs",
        labels=("; 'labels' are the CTC head's outputs, blank first, decoded greedily"
                if asr else ""))
    if file:
        text += (" torchaudio's weights: " + TORCHAUDIO_MODELS + file +
                 " (no published digest is pinned here yet: use --weights FILE or --random-init).")
    return text


def entry(name, summary, summary_doc, config, task, variants, unpinned_file=None):
    asr = config.get("aux_num_out") is not None
    e = {"name": name, "summary": summary,
         "doc": doc(summary_doc, "pre" if config["encoder_layer_norm_first"] else "post", asr,
                    unpinned_file),
         "task": task, "config": config, "input": AUDIO_INPUT}
    if variants:
        e["variants"] = variants
    return e


ASR_CONFIG = dict(BASE, aux_num_out=len(EN_LABELS), labels=EN_LABELS)
ASR_LARGE_CONFIG = dict(LARGE, aux_num_out=len(EN_LABELS), labels=EN_LABELS)

ENTRYPOINTS = [
    entry("wav2vec2_base", "Wav2Vec2 base, pre-trained on LibriSpeech 960 h (Baevski et al. 2020)",
          "Wav2Vec2 base (Baevski et al. 2020, https://arxiv.org/abs/2006.11477), pre-trained "
          "on LibriSpeech 960 h, not fine-tuned: features of each transformer layer.",
          BASE, "feature-extraction", None, "wav2vec2_fairseq_base_ls960.pth"),
    entry("wav2vec2_asr_base_960h",
          "Wav2Vec2 base fine-tuned for English CTC speech recognition on LibriSpeech 960 h",
          "Wav2Vec2 base (Baevski et al. 2020, https://arxiv.org/abs/2006.11477) fine-tuned with "
          "CTC on LibriSpeech 960 h: English transcripts (capital letters, apostrophe) with "
          "per-word times.",
          ASR_CONFIG, "automatic-speech-recognition",
          [{"tag": "LS960", "default": True,
            "file": "wav2vec2_fairseq_base_ls960_asr_ls960.pth", "format": "pth",
            "urls": [TORCHAUDIO_MODELS + "wav2vec2_fairseq_base_ls960_asr_ls960.pth"],
            "sha256": "488fd4f16de84438ffc945334278c1b9fb9b7159a806c1080b16111a958c945d",
            "size": 377664473,
            "meta": {"license": "MIT (fairseq)",
                     "recipe": "https://github.com/pytorch/fairseq/tree/main/examples/wav2vec",
                     "num_params": None}}]),
    entry("hubert_base", "HuBERT base, pre-trained on LibriSpeech 960 h (Hsu et al. 2021)",
          "HuBERT base (Hsu et al. 2021, https://arxiv.org/abs/2106.07447), pre-trained on "
          "LibriSpeech 960 h, not fine-tuned: features of each transformer layer.",
          BASE, "feature-extraction", None, "hubert_fairseq_base_ls960.pth"),
    entry("hubert_asr_large",
          "HuBERT large (Libri-Light 60k h) fine-tuned for English CTC speech recognition",
          "HuBERT large (Hsu et al. 2021, https://arxiv.org/abs/2106.07447), pre-trained on "
          "Libri-Light 60k h and fine-tuned with CTC on LibriSpeech 960 h: English transcripts "
          "with per-word times.",
          ASR_LARGE_CONFIG, "automatic-speech-recognition", None,
          "hubert_fairseq_large_ll60k_asr_ls960.pth"),
]

AUDIO_OPTION = {"name": "audio", "type": "path", "short": "a", "required": True,
                "help": "Audio file (WAV, FLAC, OGG/Vorbis, Opus, MP3), resampled to the model's "
                        "rate and mixed down to mono"}

COMMANDS = [
    {"verb": "run", "task": "automatic-speech-recognition",
     "summary": "Transcribe an audio file (greedy CTC), with per-word times",
     "options": [
         AUDIO_OPTION,
         {"name": "window", "type": "number", "default": 30.0,
          "help": "Seconds of audio per forward pass; longer files go in overlapping windows"},
         {"name": "overlap", "type": "number", "default": 2.0,
          "help": "Seconds two windows share; each keeps the half nearer its own centre"}]},
    {"verb": "run", "task": "feature-extraction",
     "summary": "Per-frame features of an audio file from a transformer layer",
     "options": [
         AUDIO_OPTION,
         {"name": "layer", "type": "int", "default": 0,
          "help": "Transformer layer whose output to return, from 1 (0: the last)"},
         {"name": "output", "type": "path", "short": "o",
          "help": "Write every frame's features to this safetensors file ('features' [T, D])"}]},
]



def count_parameters(config):
    """Parameters of torchaudio's own model for `config` (its dropouts
    have none), so num_params is torchaudio's count."""
    import torchaudio  # Debian's python3-torchaudio 0.13
    params = {k: v for k, v in config.items() if k != "labels"}
    params["extractor_conv_layer_config"] = [tuple(c) for c in params["extractor_conv_layer_config"]]
    for key in ("encoder_projection_dropout", "encoder_attention_dropout",
                "encoder_ff_interm_dropout", "encoder_dropout", "encoder_layer_drop"):
        params[key] = 0.0
    model = torchaudio.models.wav2vec2_model(**params)
    return sum(p.numel() for p in model.parameters())


for e in ENTRYPOINTS:
    for v in e.get("variants", []):
        v["meta"]["num_params"] = count_parameters(e["config"])

# Silero VAD v6.2 (MIT): the TorchScript archive snakers4/silero-vad
# publishes at a pinned commit, read for its weights without running it.
# Its sizes (chunk, context, STFT) and parameter count come from the
# archive's own tensors and module attributes.
SILERO_COMMIT = "806dcba3f0b5d95282d0889a074954a2f8c6397b"
SILERO_PATH = "src/silero_vad/data/silero_vad.jit"
ENTRYPOINTS.append({
    "name": "silero_vad",
    "summary": "Silero VAD v6.2: the probability of speech in each 32 ms of 16 kHz (or 8 kHz) audio",
    "doc": ("Silero VAD (snakers4/silero-vad, v6.2): a voice-activity detector scoring chunks of "
            "512 samples at 16 kHz (or 256 at 8 kHz), each after 64 (32) samples of the previous "
            "one, with an LSTM state carried across chunks: STFT as a fixed conv, 4 conv + ReLU "
            "layers, an LSTM cell, a 1x1 conv and a sigmoid, one network per rate. Its weights are "
            "the published TorchScript archive, read through modelzoo's TorchScript mode (its "
            "code is never run). `modelzoo run silero_vad --audio FILE` gives the speech "
            "segments by the rules of Silero's get_speech_timestamps. Config: sample_rate, the "
            "rate forward() scores (16000 or 8000)."),
    "task": "voice-activity-detection",
    "config": {"sample_rate": 16000},
    "input": {"name": "audio", "kind": "audio", "shape": ["T"], "dtype": "float32",
              "sample_rate": 16000, "channels": 1},
    "variants": [{
        "tag": "V6_2", "default": True,
        "file": "silero_vad.jit", "format": "torchscript",
        "urls": ["https://raw.githubusercontent.com/snakers4/silero-vad/" + SILERO_COMMIT + "/" +
                 SILERO_PATH,
                 "https://github.com/snakers4/silero-vad/raw/" + SILERO_COMMIT + "/" + SILERO_PATH],
        "sha256": "e1122837f4154c511485fe0b9c64455f7b929c96fbb8d79fbdb336383ebd3720",
        "size": 2272526,
        "meta": {"license": "MIT", "num_params": 462594, "sample_rates": [16000, 8000],
                 "chunk_samples": {"16000": 512, "8000": 256},
                 "context_samples": {"16000": 64, "8000": 32},
                 "repository": "snakers4/silero-vad", "revision": SILERO_COMMIT}}],
})
COMMANDS.append({
    "verb": "run", "task": "voice-activity-detection",
    "summary": "Speech segments of an audio file (start and end in seconds)",
    "options": [
        AUDIO_OPTION,
        {"name": "threshold", "type": "number",
         "help": "Speech starts at a chunk scoring at least this (default 0.5)"},
        {"name": "neg-threshold", "type": "number",
         "help": "Speech ends below this (default: threshold - 0.15, at least 0.01)"},
        {"name": "min-speech-duration-ms", "type": "number",
         "help": "Drop segments this short or shorter (default 250)"},
        {"name": "max-speech-duration-s", "type": "number",
         "help": "Split longer segments at their longest silence (default: no limit)"},
        {"name": "min-silence-duration-ms", "type": "number",
         "help": "A silence ends a segment once it lasts this long (default 100)"},
        {"name": "speech-pad-ms", "type": "number",
         "help": "Widen each segment by this much on both sides (default 30)"},
        {"name": "sample-rate", "type": "int",
         "help": "Score the audio at 16000 or 8000 Hz (default: the model's, 16000)"}]})

MANIFEST = {
    "family": "audio",
    "plugin_version": "1.0.0",
    "vendor": "modelzoo",
    "entrypoints": ENTRYPOINTS,
    "commands": COMMANDS,
}

if __name__ == "__main__":
    json.dump(MANIFEST, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
