// Probing plugins out of process. Loading a plugin runs its code, and code
// can crash or hang; so discovery asks a helper process, `modelzoo-scan`, to
// load each plugin and check its factories against its manifest, and reads
// the answers over a pipe. A plugin that kills the helper (a signal) or
// stalls it (no answer within the timeout) is reported with that reason and
// the helper is started again for the rest — the host itself never runs the
// plugin's code during discovery.
//
// The helper runs in a process group of its own with its stdout and stderr
// on /dev/null (what plugins print is nobody's output, and cannot pass for
// an answer). Arguments: `--threads N --protocol-fd 3` then `SHA256 PATH`
// pairs; a random nonce arrives on its stdin. Protocol: one line per step
// on fd 3, "NONCE JSON":
//   {"probing": PATH}                      before each plugin
//   {"path": PATH, "ok": true}             its entry ran and matched
//   {"path": PATH, "ok": false, "reason": TEXT}
//   {"done": true}                         after the last
// and, in both results, "depends": [PATH…] (ProbeResult::depends). Any
// other line — untagged, malformed, mistyped, or a result for another path
// — was written by plugin code, and blacklists the plugin being probed.
// Each plugin has a deadline from its "probing" line, the whole scan one of
// its own; the helper's group is killed when a run ends, so no process a
// plugin forked survives discovery.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "modelzoo/sdk/export.h"

namespace modelzoo {

struct ProbeResult {
  bool ok = false;
  bool blacklisted = false;  ///< crashed, hung or lied to the helper
  /// Not answered for a reason that may pass (the scan's deadline): the
  /// verdict is for this run only, not to be cached.
  bool transient = false;
  std::string reason;
  /// The libraries loaded and the directories searched while probing (see
  /// CachedPlugin::probe_depends); empty when the helper died.
  std::vector<std::string> depends;
};

/// The fingerprint of a probe's `depends` now: LD_LIBRARY_PATH and every
/// path's size, mtime and inode (a missing path counts as such). With
/// `stamps`, a path already stamped there is not stat'ed again: one
/// discovery pass stats each path once, however many plugins depend on it.
MODELZOO_API std::string probe_fingerprint(
    const std::string& depends_text,
    std::unordered_map<std::string, std::string>* stamps = nullptr);

struct ScanOptions {
  std::chrono::milliseconds timeout{15000};       ///< per plugin
  std::chrono::milliseconds scan_timeout{60000};  ///< for the whole scan
  int num_threads = 1;                            ///< passed to plugin entries
};

/// The helper executable: MODELZOO_SCANNER if set (and not privileged),
/// else `modelzoo/modelzoo-scan` beside libmodelzoo_host.so. Empty when
/// there is none.
MODELZOO_API std::string find_scanner();

/// A plugin to probe, with the SHA-256 the host checked it at: the helper
/// refuses a file that changed since.
struct ProbeRequest {
  std::string path;
  std::string sha256;
};

/// Probes the plugins in a helper process; results by path. Throws
/// modelzoo::Error when the helper cannot be started at all (the caller
/// then scans in-process).
MODELZOO_API std::map<std::string, ProbeResult> probe_out_of_process(
    const std::vector<ProbeRequest>& plugins, const ScanOptions& options);

}  // namespace modelzoo
