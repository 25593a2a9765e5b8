// A system library opened at its first use instead of linked. Every library
// a binary links is mapped and relocated before main(), whether the command
// uses it or not: libcurl brings 28 more (GnuTLS, Kerberos, LDAP, …),
// libcrypto costs 1.6 ms alone, and `modelzoo list` uses neither. The
// callers keep their library's headers, so every bound function is still
// typed (decltype of the real declaration); only the binding moves from
// ld.so to the first call.
//
// Invariant: a library that cannot be opened, or lacks a symbol, is an
// error naming the library, what needed it and the package that provides
// it — never a null function pointer.
#pragma once

#include <string>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

class MODELZOO_API OnDemandLibrary {
 public:
  /// Opens `soname` (RTLD_NOW | RTLD_LOCAL). `purpose` says what needs it
  /// ("downloads"), `package` where it comes from ("libcurl4"). Throws
  /// modelzoo::Error when it cannot be loaded. The library stays loaded
  /// for the life of the process.
  OnDemandLibrary(const char* soname, const char* purpose, const char* package);

  /// Binds `slot` (a function pointer typed as the real declaration) to the
  /// symbol `name`; throws modelzoo::Error when the library lacks it.
  template <class Function>
  void bind(Function& slot, const char* name) const {
    slot = reinterpret_cast<Function>(symbol(name));
  }

  /// The address of `name`; throws modelzoo::Error when it is missing.
  void* symbol(const char* name) const;

 private:
  void* handle_ = nullptr;
  std::string soname_;
  std::string package_;
};

}  // namespace modelzoo
