// The one exception type of modelzoo. Every layer adds context as an error
// travels up ("loading weights for resnet50: sha256 mismatch in ..."), so the
// message a user finally reads names the thing and the fix.
//
// Declared with default visibility so the host can catch what the SDK code
// inside a plugin throws (the type must be one type across shared objects).
#pragma once

#include <stdexcept>
#include <string>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

class MODELZOO_API Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
  ~Error() override;
};

/// Re-throws the exception in flight as modelzoo::Error with `context` in
/// front: `catch (...) { rethrow_with_context("reading manifest of x.so"); }`.
[[noreturn]] MODELZOO_API void rethrow_with_context(const std::string& context);

}  // namespace modelzoo
