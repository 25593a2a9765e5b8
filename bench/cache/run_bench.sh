#!/usr/bin/env bash
# Benchmarks the modelzoo cache against its peers, all in one run against the
# same nginx on 127.0.0.1:
#   pull of a 1 GiB file:   modelzoo pull --url (the CLI) | cache_bench pull (the library)
#                           | curl -o | torch.hub   (SHA-256 included for all but curl)
#   re-verify of 1 GiB:     modelzoo cache verify --all (the CLI) | Store::verify --all
#                           | openssl dgst -sha256 | sha256sum
#   + `openssl speed -evp sha256`, 16 KiB blocks (the hashing ceiling)
# Writes the tables to $OUT (default bench/cache/RESULTS.md).
#
# usage: bench/cache/run_bench.sh [BUILD_DIR] [SIZE_MIB] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../../build}
size_mib=${2:-1024}
runs=${3:-3}
torch_runs=${TORCH_RUNS:-$runs}
bench_bin=$build/bench/cache/cache_bench
cli=$build/bin/modelzoo
[ -x "$bench_bin" ] && [ -x "$cli" ] ||
  { echo "build cache_bench and modelzoo first: ninja -C $build cache_bench modelzoo" >&2; exit 1; }

# Work on tmpfs by default: on this class of VM, writing 1 GiB to the disk's
# page cache hits the dirty-page writeback throttle and caps every tool at the
# disk's speed, which would measure the disk, not the tools. BENCH_DIR=/tmp
# (or any disk path) measures that case instead.
bench_dir=${BENCH_DIR:-/dev/shm}
work=$(mktemp -d "$bench_dir/modelzoo-bench-XXXXXX")
nginx_pid=
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/www" "$work/nginx/tmp" "$work/no-plugins"
export MODELZOO_PLUGIN_PATH=$work/no-plugins  # the CLI has nothing to discover
echo "creating a ${size_mib} MiB file..." >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/www/weights.bin"
sha=$(openssl dgst -sha256 -r "$work/www/weights.bin" | cut -d' ' -f1)
bytes=$(stat -c %s "$work/www/weights.bin")

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p=$work/nginx
cat > "$p/nginx.conf" <<CONF
master_process off; daemon off; worker_processes 1;
pid $p/nginx.pid; error_log $p/error.log;
events { worker_connections 64; }
http {
  access_log off; default_type application/octet-stream; sendfile on;
  client_body_temp_path $p/tmp/b; proxy_temp_path $p/tmp/p; fastcgi_temp_path $p/tmp/f;
  uwsgi_temp_path $p/tmp/u; scgi_temp_path $p/tmp/s;
  server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
/usr/sbin/nginx -p "$p" -c "$p/nginx.conf" -e "$p/error.log" &
nginx_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
url=http://127.0.0.1:$port/weights.bin

now() { date +%s.%N; }
# best (shortest) of $runs wall times of a command; prints seconds
best_of() {
  local best=
  for _ in $(seq "$runs"); do
    eval "$PREP"
    local t0 t1
    t0=$(now); eval "$1" >/dev/null; t1=$(now)
    best=$(echo "$t0 $t1 $best" | awk '{d=$2-$1; if ($3=="" || d<$3) print d; else print $3}')
  done
  echo "$best"
}
rate() { awk -v b="$bytes" -v s="$1" 'BEGIN{printf "%.0f", b/s/1e6}'; }

echo "pull..." >&2
PREP="rm -rf $work/mz $work/curl.out $work/torch.out; sync"
t_cli_pull=$(best_of "MODELZOO_HOME=$work/mz $cli pull --quiet --url $url --sha256 $sha")
t_pull=$(best_of "MODELZOO_HOME=$work/mz $bench_bin pull $url $sha")
t_curl=$(best_of "curl -s -o $work/curl.out $url")
t_torch=$(runs=$torch_runs best_of "/usr/bin/python3 -c 'import torch.hub,sys; torch.hub.download_url_to_file(sys.argv[1], sys.argv[2], hash_prefix=sys.argv[3], progress=False)' $url $work/torch.out ${sha:0:8}")

t_import=$(runs=$torch_runs best_of "/usr/bin/python3 -c 'import torch.hub'")

echo "verify..." >&2
PREP=": "
MODELZOO_HOME=$work/mz "$bench_bin" pull "$url" "$sha" >/dev/null
blob=$work/mz/blobs/sha256/$sha
cat "$blob" > /dev/null  # page cache warm for every contestant
t_cli_verify=$(best_of "MODELZOO_HOME=$work/mz $cli cache verify --all")
t_verify=$(best_of "MODELZOO_HOME=$work/mz $bench_bin verify-store")
t_openssl=$(best_of "openssl dgst -sha256 $blob")
t_sha256sum=$(best_of "sha256sum $blob")
# openssl speed divides by CPU time unless -elapsed: report both; every other
# figure here is wall-clock, so the -elapsed one is the like-for-like ceiling
# on a shared machine.
speed_k=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '/^sha256|^SHA256/ {v=$NF} END{print v}')
speed_cpu=$(awk -v k="${speed_k%k}" 'BEGIN{printf "%.0f", k*1000/1e6}')
speed_k=$(openssl speed -elapsed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '/^sha256|^SHA256/ {v=$NF} END{print v}')
speed=$(awk -v k="${speed_k%k}" 'BEGIN{printf "%.0f", k*1000/1e6}')

echo "hit..." >&2
# A cache hit as `modelzoo run` has it (identity checked, no read) against
# one that re-hashes (verify_hits / --verify): per hit, in ms.
hit_ms=$(MODELZOO_HOME=$work/mz "$bench_bin" hit "$url" "$sha" 1000 | awk '{printf "%.3f", $2}')
rehash_ms=$(MODELZOO_HOME=$work/mz "$bench_bin" hit-rehash "$url" "$sha" 3 | awk '{printf "%.1f", $2 / 3 * 1000}')

r_cli_pull=$(rate "$t_cli_pull"); r_cli_verify=$(rate "$t_cli_verify")
r_pull=$(rate "$t_pull"); r_curl=$(rate "$t_curl"); r_torch=$(rate "$t_torch")
r_verify=$(rate "$t_verify"); r_openssl=$(rate "$t_openssl"); r_sha=$(rate "$t_sha256sum")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

out=${OUT:-$here/RESULTS.md}
{
  echo "## Run in \`$bench_dir\`"
  echo
  echo "One run of \`bench/cache/run_bench.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores shared with other jobs,"
  echo "$(openssl version | cut -d' ' -f1-2), $(curl --version | head -1 | cut -d' ' -f1-2), nginx $(/usr/sbin/nginx -v 2>&1 | cut -d/ -f2))."
  echo "File: ${size_mib} MiB of random bytes served by nginx (sendfile) on 127.0.0.1; best of $runs runs;"
  echo "MB = 10^6 bytes. Source, destinations and cache under \`$bench_dir\` ($(stat -f -c %T "$bench_dir")), no fsync;"
  echo "every command is timed whole (process start, and for torch.hub \`import torch\`, included)."
  echo
  echo "### Pull (download + SHA-256 + into the store)"
  echo
  echo "| tool | seconds | MB/s | vs curl |"
  echo "|---|---:|---:|---:|"
  echo "| \`modelzoo pull --url … --sha256 …\` (the CLI) | $(printf %.3f "$t_cli_pull") | $r_cli_pull | $(ratio "$r_cli_pull" "$r_curl") |"
  echo "| modelzoo \`Store::pull\` (SHA-256 on the fly; cache_bench) | $(printf %.3f "$t_pull") | $r_pull | $(ratio "$r_pull" "$r_curl") |"
  echo "| \`curl -o FILE\` (no hashing) | $(printf %.3f "$t_curl") | $r_curl | 1.00 |"
  echo "| \`torch.hub.download_url_to_file(hash_prefix=…)\` | $(printf %.3f "$t_torch") | $r_torch | $(ratio "$r_torch" "$r_curl") |"
  echo "| (of which \`/usr/bin/python3 -c 'import torch.hub'\` alone) | $(printf %.3f "$t_import") | – | – |"
  echo
  echo "\`modelzoo pull\` vs torch.hub: **$(ratio "$r_cli_pull" "$r_torch")×** faster (target ≥ 5×); vs curl: **$(ratio "$r_cli_pull" "$r_curl")×** (target ≥ 0.9×). Library alone: $(ratio "$r_pull" "$r_torch")× and $(ratio "$r_pull" "$r_curl")×."
  echo
  echo "### Re-verify a cached file"
  echo
  echo "| tool | seconds | MB/s | vs openssl speed 16 KiB |"
  echo "|---|---:|---:|---:|"
  echo "| \`modelzoo cache verify --all\` (the CLI) | $(printf %.3f "$t_cli_verify") | $r_cli_verify | $(ratio "$r_cli_verify" "$speed") |"
  echo "| modelzoo \`Store::verify({.all=true})\` (1 MiB reads; cache_bench) | $(printf %.3f "$t_verify") | $r_verify | $(ratio "$r_verify" "$speed") |"
  echo "| \`openssl dgst -sha256\` | $(printf %.3f "$t_openssl") | $r_openssl | $(ratio "$r_openssl" "$speed") |"
  echo "| \`sha256sum\` (coreutils) | $(printf %.3f "$t_sha256sum") | $r_sha | $(ratio "$r_sha" "$speed") |"
  echo "| \`openssl speed -elapsed -evp sha256\`, 16 KiB blocks (wall clock) | – | $speed | 1.00 |"
  echo "| \`openssl speed -evp sha256\`, 16 KiB blocks (per CPU second) | – | $speed_cpu | $(ratio "$speed_cpu" "$speed") |"
  echo
  echo "\`modelzoo cache verify\` vs openssl speed 16 KiB: **$(ratio "$r_cli_verify" "$speed")×** wall-clock figure, **$(ratio "$r_cli_verify" "$speed_cpu")×** CPU-time figure (target ≥ 0.9×); library alone $(ratio "$r_verify" "$speed")×."
  echo
  echo "### A cache hit's check"
  echo
  echo "| hit of the ${size_mib} MiB file | ms per hit |"
  echo "|---|---:|"
  echo "| identity unchanged since hashed (device, inode, size, mtime, ctime; the default) | $hit_ms |"
  echo "| re-hashed on every hit (\`--verify\`, \`PullOptions::verify_hits\`) | $rehash_ms |"
  echo
  echo "Load average when the run ended: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores."
} > "$out"
cat "$out"
