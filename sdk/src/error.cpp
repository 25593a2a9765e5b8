#include "modelzoo/sdk/error.h"

#include <exception>

namespace modelzoo {

Error::Error(const std::string& message) : std::runtime_error(message) {}
Error::~Error() = default;

void rethrow_with_context(const std::string& context) {
  try {
    throw;
  } catch (const std::exception& e) {
    throw Error(context + ": " + e.what());
  } catch (...) {
    throw Error(context + ": unknown error");
  }
}

}  // namespace modelzoo
