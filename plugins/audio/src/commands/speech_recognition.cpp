// `modelzoo run wav2vec2_asr_base_960h --audio FILE`: greedy CTC over the
// model's emissions, in overlapping windows for a long file.
//
// Windows start on frame boundaries (multiples of the feature extractor's
// stride, 320 samples = 20 ms at 16 kHz), so the frames of every window
// lie on one global grid, and reach 80 samples past their last stride (a
// frame reads 400), so a window of N frames computes all N. Each window keeps the frames nearer its
// centre than its neighbour's — from the middle of the overlap it shares with the previous window
// to the middle of the one it shares with the next — and the kept best labels, in order, are
// decoded once: a word cut by one window's edge is read whole from the window whose middle it lies
// in.
#include <c10/core/InferenceMode.h>
#include <modelzoo/sdk/error.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../ctc_decoder.h"
#include "../wav2vec2.h"
#include "audio_commands.h"
#include "audio_file.h"

namespace modelzoo::audio {
namespace {

CtcLabels labels_of(const LoadedModel& loaded, int64_t outputs) {
  const auto& config = loaded.info.at("config");
  const auto it = config.find("labels");
  if (it == config.end() || !it->is_array())
    throw Error(loaded.info.value("name", std::string("the model")) +
                " has no CTC labels in its config ('labels')");
  CtcLabels labels;
  for (const auto& label : *it) labels.labels.push_back(label.get<std::string>());
  if (static_cast<int64_t>(labels.labels.size()) != outputs)
    throw Error("the config's " + std::to_string(labels.labels.size()) +
                " labels do not match the CTC head's " + std::to_string(outputs) +
                " outputs; give as many labels as aux_num_out (-c labels=[...])");
  return labels;
}

int64_t frame_stride(const Wav2Vec2Options& options) {
  int64_t stride = 1;
  for (const auto& layer : options.extractor_conv_layer_config) stride *= layer[2];
  return stride;
}

// The samples one frame is computed from (400 for the published configs).
int64_t receptive_field(const Wav2Vec2Options& options) {
  int64_t field = 1, step = 1;
  for (const auto& layer : options.extractor_conv_layer_config) {
    field += (layer[1] - 1) * step;
    step *= layer[2];
  }
  return field;
}

// Seconds as a whole number of frames of `stride` samples at `rate`.
int64_t frames_of(double seconds, int64_t rate, int64_t stride, const char* option) {
  if (!(seconds >= 0) || !std::isfinite(seconds))
    throw Error(std::string("--") + option + " takes a non-negative number of seconds");
  return static_cast<int64_t>(
      std::floor(seconds * static_cast<double>(rate) / static_cast<double>(stride)));
}

}  // namespace

nlohmann::json transcribe_command(CommandContext& ctx) {
  const std::string path = checked_audio_option(ctx);
  LoadedModel loaded = ctx.load();
  auto* model = dynamic_cast<Wav2Vec2Model*>(loaded.model.get());
  if (!model || !model->net()->aux)
    throw Error(ctx.target() + " is not a CTC speech recogniser of the audio family");
  auto& net = model->net();
  const CtcLabels labels = labels_of(loaded, net->aux->options.out_features());
  Audio audio = read_for_model(path, loaded);
  const torch::Tensor waveform = waveform_tensor(audio);
  const int64_t total = waveform.size(1);

  const int64_t stride = frame_stride(net->options);
  const int64_t window_frames =
      frames_of(ctx.options().value("window", 30.0), audio.sample_rate, stride, "window");
  const int64_t overlap_frames =
      frames_of(ctx.options().value("overlap", 2.0), audio.sample_rate, stride, "overlap");
  if (window_frames < 2 || overlap_frames >= window_frames)
    throw Error("--window must hold more than one frame (" + std::to_string(stride) +
                " samples) and more than --overlap");
  // A window of N frames spans N strides plus what its last frame reads
  // beyond its stride, so that it computes every frame it may keep.
  const int64_t window = window_frames * stride + receptive_field(net->options) - stride;
  const int64_t hop = (window_frames - overlap_frames) * stride;

  std::vector<int64_t> best;  // one label per global frame, in order
  int64_t windows = 0;
  {
    c10::InferenceMode guard;
    for (int64_t start = 0;; start += hop) {
      // The last window runs to the end: also when what a next one would
      // hold makes no frame (less than the extractor's receptive field).
      const bool last = start + window >= total || net->frames_for(total - (start + hop)) == 0;
      const int64_t end = last ? total : start + window;
      const auto emissions = net->forward(waveform.narrow(1, start, end - start));
      const auto ids = emissions[0].argmax(-1).contiguous();
      const int64_t first = start / stride, frames = ids.size(0);
      const int64_t keep_from = windows == 0 ? first : first + overlap_frames / 2;
      const int64_t keep_to =
          last ? first + frames
               : std::min(first + frames, start / stride + hop / stride + overlap_frames / 2);
      const int64_t* data = ids.data_ptr<int64_t>();
      for (int64_t g = std::max<int64_t>(keep_from, static_cast<int64_t>(best.size())); g < keep_to;
           ++g)
        best.push_back(data[g - first]);
      ++windows;
      if (last) break;
    }
  }
  const CtcTranscript transcript = ctc_greedy_decode(best, labels);
  const double seconds_per_frame =
      static_cast<double>(stride) / static_cast<double>(audio.sample_rate);
  nlohmann::json words = nlohmann::json::array();
  for (const auto& w : transcript.words)
    words.push_back({{"word", w.text},
                     {"start", static_cast<double>(w.first_frame) * seconds_per_frame},
                     {"end", static_cast<double>(w.end_frame) * seconds_per_frame}});
  return {
      {"task", "automatic-speech-recognition"},
      {"model", loaded.info.value("name", ctx.target())},
      {"variant", loaded.variant().empty() ? nlohmann::json() : nlohmann::json(loaded.variant())},
      {"notes", loaded.notes()},
      {"text", transcript.text},
      {"words", words},
      {"frames", best.size()},
      {"windows", windows},
      {"audio", audio_summary(path, audio)}};
}

}  // namespace modelzoo::audio
