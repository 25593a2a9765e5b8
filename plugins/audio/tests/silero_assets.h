// Where the tests find Silero VAD's published archive and its test
// recording: ../shared/assets/silero_vad beside the clone (never in the
// repository). Torch-free and Catch-free, so that any test can include it
// first.
#pragma once

#include <filesystem>
#include <string>

namespace modelzoo::audio::test {

inline const std::string kSileroDir =
    std::string(MODELZOO_SOURCE_DIR) + "/../shared/assets/silero_vad";
inline const std::string kSileroJit = kSileroDir + "/silero_vad.jit";
inline const std::string kSileroWav = kSileroDir + "/test.wav";

/// Why a test that needs them skips, when they are absent; "" when present.
inline std::string silero_assets_missing() {
  if (std::filesystem::exists(kSileroJit) && std::filesystem::exists(kSileroWav)) return "";
  return "skipped: " + kSileroDir +
         " (silero_vad.jit, test.wav) is absent: ../shared/assets beside the clone holds them";
}

}  // namespace modelzoo::audio::test
