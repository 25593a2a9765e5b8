// libcurl, bound on first use rather than linked (OnDemandLibrary). Linking it costs every
// modelzoo process ~4.6 ms before main() (libcurl.so.4 brings 28 libraries:
// GnuTLS, Kerberos, LDAP, …), half of what `modelzoo list` takes, and most
// commands never download. The headers still type every call.
#pragma once

#include <curl/curl.h>

namespace modelzoo::cache::detail {

struct CurlApi {
  decltype(&::curl_easy_init) easy_init;
  decltype(&::curl_easy_cleanup) easy_cleanup;
  decltype(&::curl_easy_setopt) easy_setopt;
  decltype(&::curl_easy_perform) easy_perform;
  decltype(&::curl_easy_getinfo) easy_getinfo;
  decltype(&::curl_easy_strerror) easy_strerror;
  decltype(&::curl_easy_unescape) easy_unescape;
  decltype(&::curl_free) free;
  decltype(&::curl_getdate) getdate;
  decltype(&::curl_slist_append) slist_append;
  decltype(&::curl_slist_free_all) slist_free_all;
  decltype(&::curl_url) url;
  decltype(&::curl_url_cleanup) url_cleanup;
  decltype(&::curl_url_get) url_get;
  decltype(&::curl_url_set) url_set;
};

/// libcurl's functions, loaded and globally initialised on the first call
/// (thread-safe). Throws modelzoo::Error naming the package when libcurl
/// cannot be loaded.
const CurlApi& curl_api();

}  // namespace modelzoo::cache::detail
