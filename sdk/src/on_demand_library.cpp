#include "modelzoo/sdk/on_demand_library.h"

#include <dlfcn.h>

#include "modelzoo/sdk/error.h"

namespace modelzoo {

OnDemandLibrary::OnDemandLibrary(const char* soname, const char* purpose, const char* package)
    : soname_(soname), package_(package) {
  handle_ = ::dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (!handle_)
    throw Error(std::string(purpose) + " need " + soname + ", which cannot be loaded (" +
                ::dlerror() + "); install it: apt-get install " + package);
}

void* OnDemandLibrary::symbol(const char* name) const {
  ::dlerror();
  void* address = ::dlsym(handle_, name);
  if (!address)
    throw Error(soname_ + " lacks " + name + ": the installed " + package_ +
                " is older than the one modelzoo was built against; upgrade it");
  return address;
}

}  // namespace modelzoo
