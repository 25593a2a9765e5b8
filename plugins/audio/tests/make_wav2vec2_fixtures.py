#!/usr/bin/python3
"""Parity fixtures for the audio plugin's Wav2Vec2 / HuBERT: torchaudio 0.13's
own models (Debian's python3-torchaudio) with random weights, their real
state_dict() saved by torch.save, and their outputs.

  make_wav2vec2_fixtures.py OUT_DIR

Reduced configs keep CI fast; they keep what matters to the numerics: the
seven strides of the real feature extractor (320 samples a frame), an even
positional-conv kernel (the dropped frame), groups, several heads, and
each layout torchaudio has:

  base   group_norm extractor, post-LN transformer, no head (WAV2VEC2_BASE, HUBERT_BASE)
  asr    the same with a 29-output CTC head (WAV2VEC2_ASR_BASE_960H)
  large  layer_norm extractor with conv bias, pre-LN transformer, CTC head
         (HUBERT_ASR_LARGE's layout)

For each: NAME.pth (the state dict) and NAME.expected.pth with, for a 1 s
and a 3.7 s input and a batch of both with their lengths, the inputs,
forward()'s outputs and output lengths, and extract_features()' first
layer. Besides:

  asr_aux32.pth   the asr weights with a 32-output head (rows 1-3 extra), as
                  torchaudio's published ASR files are before it drops them
  asr_hf.pth      the asr weights under Hugging Face's Wav2Vec2ForCTC names
                  ('wav2vec2.' prefix, feature_projection at the top,
                  encoder.* for the transformer, lm_head of 32 outputs,
                  masked_spec_embed)
  asr_hf_param.pth  the same with the positional conv as newer transformers
                  save it (parametrizations.weight.original0/1)
  asr.wav         the 3.7 s input as 16-bit PCM (each NAME.expected.pth
                  holds the first layer's features of it, heard_layer1), and in index.json
                  ("asr_wav") what `modelzoo run` must print for it: the
                  transcript of torchaudio's emissions by the greedy CTC
                  decoding written below (independently of the plugin's),
                  its words and the frame count
"""
import json
import os
import sys
import wave

import torch
import torchaudio

CONV = [(32, 10, 5), (32, 3, 2), (32, 3, 2), (32, 3, 2), (32, 3, 2), (32, 2, 2), (32, 2, 2)]
COMMON = dict(
    extractor_conv_layer_config=CONV,
    encoder_embed_dim=48,
    encoder_projection_dropout=0.0,
    encoder_pos_conv_kernel=16,
    encoder_pos_conv_groups=4,
    encoder_num_layers=2,
    encoder_num_heads=4,
    encoder_attention_dropout=0.0,
    encoder_ff_interm_features=96,
    encoder_ff_interm_dropout=0.0,
    encoder_dropout=0.0,
    encoder_layer_drop=0.0,
)
CONFIGS = {
    "base": dict(COMMON, extractor_mode="group_norm", extractor_conv_bias=False,
                 encoder_layer_norm_first=False, aux_num_out=None),
    "asr": dict(COMMON, extractor_mode="group_norm", extractor_conv_bias=False,
                encoder_layer_norm_first=False, aux_num_out=29),
    "large": dict(COMMON, extractor_mode="layer_norm", extractor_conv_bias=True,
                  encoder_layer_norm_first=True, aux_num_out=29),
}


def randomise(model, generator):
    # torchaudio's defaults leave the norms at 1 and 0 and the biases small;
    # random values everywhere exercise every parameter's name and role.
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" in name and name.endswith("weight"):
                p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=generator))
            elif p.dim() == 1 or "layer_norm" in name:
                p.copy_(0.1 * torch.randn(p.shape, generator=generator))


def inputs(generator):
    t1 = torch.arange(16000) / 16000.0
    one = 0.3 * torch.sin(2 * torch.pi * 220 * t1) + 0.05 * torch.randn(16000, generator=generator)
    long = 0.2 * torch.randn(59200, generator=generator)  # 3.7 s
    return one.unsqueeze(0), long.unsqueeze(0)


def hf_name(name):
    """torchaudio's name of a Wav2Vec2ForCTC tensor under Hugging Face's."""
    if name.startswith("aux."):
        return "lm_head." + name[len("aux."):]
    if name.startswith("encoder.feature_projection."):
        return "wav2vec2." + name[len("encoder."):]
    if name.startswith("encoder.transformer."):
        return "wav2vec2.encoder." + name[len("encoder.transformer."):]
    return "wav2vec2." + name


def with_32_outputs(state, generator):
    state = dict(state)
    for key in ("aux.weight", "aux.bias"):
        t = state[key]
        extra = torch.randn((3,) + tuple(t.shape[1:]), generator=generator)
        state[key] = torch.cat([t[:1], extra, t[1:]])
    return state


LABELS = ["-", "|", "E", "T", "A", "O", "N", "I", "H", "S", "R", "D", "L", "U", "M", "W", "C",
          "F", "G", "Y", "P", "B", "V", "K", "'", "X", "J", "Q", "Z"]


def greedy_ctc(ids):
    """torchaudio's tutorial GreedyCTCDecoder: collapse repeats, drop
    blanks, '|' between words."""
    collapsed = [i for n, i in enumerate(ids) if n == 0 or i != ids[n - 1]]
    text = "".join(LABELS[i] for i in collapsed if i != 0)
    return " ".join(w for w in text.split("|") if w)


def write_wav(path, waveform):
    pcm = (waveform * 32767).round().clamp(-32768, 32767).to(torch.int16)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(pcm.numpy().tobytes())
    return pcm.to(torch.float32) / 32768.0


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    generator = torch.Generator().manual_seed(20261207)
    index = {}
    # One 1 s and one 3.7 s signal for every config; the 3.7 s one also as
    # the WAV the command tests hear (its 16-bit samples, as decoded).
    one, long = inputs(generator)
    heard = write_wav(os.path.join(out_dir, "asr.wav"), long[0]).unsqueeze(0)
    for seed, (name, config) in enumerate(CONFIGS.items()):
        torch.manual_seed(seed)
        model = torchaudio.models.wav2vec2_model(**config)
        randomise(model, generator)
        model.eval()
        state = model.state_dict()
        torch.save(state, os.path.join(out_dir, name + ".pth"))
        batch = torch.zeros(2, long.size(1))
        batch[0] = long[0]
        batch[1, :41000] = long[0, :41000] * 0.5
        lengths = torch.tensor([59200, 41000])
        expected = {"one": one, "long": long, "batch": batch, "batch_lengths": lengths}
        with torch.no_grad():
            expected["one_out"] = model(one)[0]
            expected["long_out"] = model(long)[0]
            out, out_lengths = model(batch, lengths)
            expected["batch_out"] = out
            expected["batch_out_lengths"] = out_lengths
            features, _ = model.extract_features(long, num_layers=1)
            expected["long_layer1"] = features[0]
            expected["heard_layer1"] = model.extract_features(heard, num_layers=1)[0][0]
        torch.save(expected, os.path.join(out_dir, name + ".expected.pth"))
        index[name] = {k: (list(v) if isinstance(v, tuple) else v)
                       for k, v in config.items() if "dropout" not in k and "drop" not in k}
        index[name]["extractor_conv_layer_config"] = [list(c) for c in CONV]
        if name == "asr":
            torch.save(with_32_outputs(state, generator), os.path.join(out_dir, "asr_aux32.pth"))
            hf = {hf_name(k): v for k, v in with_32_outputs(state, generator).items()}
            hf["wav2vec2.masked_spec_embed"] = torch.rand(48, generator=generator)
            torch.save(hf, os.path.join(out_dir, "asr_hf.pth"))
            param = {}
            for k, v in hf.items():
                k = k.replace("pos_conv_embed.conv.weight_g",
                              "pos_conv_embed.conv.parametrizations.weight.original0")
                k = k.replace("pos_conv_embed.conv.weight_v",
                              "pos_conv_embed.conv.parametrizations.weight.original1")
                param[k] = v
            torch.save(param, os.path.join(out_dir, "asr_hf_param.pth"))
            with torch.no_grad():
                ids = model(heard)[0][0].argmax(-1).tolist()
            text = greedy_ctc(ids)
            index["asr_wav"] = {"text": text, "words": len(text.split()), "frames": len(ids)}
    with open(os.path.join(out_dir, "index.json"), "w") as f:
        json.dump(index, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1])
