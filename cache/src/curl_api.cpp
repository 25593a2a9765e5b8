#include "curl_api.h"

#include "modelzoo/sdk/error.h"
#include "modelzoo/sdk/on_demand_library.h"

namespace modelzoo::cache::detail {
namespace {

CurlApi load() {
  // The soname the build linked against (libcurl4's, ABI 4 since 2006).
  const OnDemandLibrary lib("libcurl.so.4", "downloads", "libcurl4");
  CurlApi api{};
  lib.bind(api.easy_init, "curl_easy_init");
  lib.bind(api.easy_cleanup, "curl_easy_cleanup");
  lib.bind(api.easy_setopt, "curl_easy_setopt");
  lib.bind(api.easy_perform, "curl_easy_perform");
  lib.bind(api.easy_getinfo, "curl_easy_getinfo");
  lib.bind(api.easy_strerror, "curl_easy_strerror");
  lib.bind(api.easy_unescape, "curl_easy_unescape");
  lib.bind(api.free, "curl_free");
  lib.bind(api.getdate, "curl_getdate");
  lib.bind(api.slist_append, "curl_slist_append");
  lib.bind(api.slist_free_all, "curl_slist_free_all");
  lib.bind(api.url, "curl_url");
  lib.bind(api.url_cleanup, "curl_url_cleanup");
  lib.bind(api.url_get, "curl_url_get");
  lib.bind(api.url_set, "curl_url_set");
  decltype(&::curl_global_init) global_init = nullptr;
  lib.bind(global_init, "curl_global_init");
  if (global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("libcurl: global init failed");
  return api;  // the library stays loaded for the process's life
}

}  // namespace

const CurlApi& curl_api() {
  static const CurlApi api = load();  // a failed load throws, and is retried next call
  return api;
}

}  // namespace modelzoo::cache::detail
