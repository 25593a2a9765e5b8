// The message of the modelzoo::Error a call throws, for tests that check
// what a refusal says; "(no error)" when it throws none (so a CHECK_THAT on
// the text fails with a readable expansion instead of an exception).
#pragma once

#include <functional>
#include <string>

#include "modelzoo/sdk/error.h"

namespace modelzoo::test {

inline std::string error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const modelzoo::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace modelzoo::test
