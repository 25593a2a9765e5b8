#include "curl_api.h"

#include <dlfcn.h>

#include <string>
#include <type_traits>

#include "modelzoo/sdk/error.h"

namespace modelzoo::cache::detail {
namespace {

CurlApi load() {
  // The soname the build linked against (libcurl4's, ABI 4 since 2006).
  void* lib = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    throw Error(std::string("downloads need libcurl, which cannot be loaded (") + ::dlerror() +
                "); install it: apt-get install libcurl4");
  auto bind = [lib](auto& slot, const char* name) {
    void* symbol = ::dlsym(lib, name);
    if (!symbol)
      throw Error(std::string("libcurl.so.4 lacks ") + name +
                  " (modelzoo needs libcurl 7.80 or newer)");
    slot = reinterpret_cast<std::remove_reference_t<decltype(slot)>>(symbol);
  };
  CurlApi api{};
  bind(api.easy_init, "curl_easy_init");
  bind(api.easy_cleanup, "curl_easy_cleanup");
  bind(api.easy_setopt, "curl_easy_setopt");
  bind(api.easy_perform, "curl_easy_perform");
  bind(api.easy_getinfo, "curl_easy_getinfo");
  bind(api.easy_strerror, "curl_easy_strerror");
  bind(api.easy_unescape, "curl_easy_unescape");
  bind(api.free, "curl_free");
  bind(api.getdate, "curl_getdate");
  bind(api.slist_append, "curl_slist_append");
  bind(api.slist_free_all, "curl_slist_free_all");
  bind(api.url, "curl_url");
  bind(api.url_cleanup, "curl_url_cleanup");
  bind(api.url_get, "curl_url_get");
  bind(api.url_set, "curl_url_set");
  decltype(&::curl_global_init) global_init = nullptr;
  bind(global_init, "curl_global_init");
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl: global init failed");
  return api;  // the library stays loaded for the process's life
}

}  // namespace

const CurlApi& curl_api() {
  static const CurlApi api = load();  // a failed load throws, and is retried next call
  return api;
}

}  // namespace modelzoo::cache::detail
