#!/usr/bin/env bash
# The metadata path at the floor (issue 23), in one run with the ratios side
# by side: whole-process `modelzoo list` (in-tree plugins, registry cache
# warm) against a program that only starts and exits (/bin/true) and the
# Python line; the libraries `list` maps; 1000 plugins warm and cold (cold:
# read, hashed and parsed, without and with the scanner's load test);
# `info resnet50`; a shell completion; `cache verify` of a 1 GiB file
# against `openssl speed -evp sha256` (16 KiB blocks, wall clock); `pull`
# from a loopback nginx against `curl -o`. Prints a markdown table.
#
# usage: bench/metadata.sh [BUILD_DIR] [SIZE_MIB]
set -euo pipefail
build=$(cd "${1:-build}" && pwd)
size_mib=${2:-1024}
cli="$build/bin/modelzoo"
toy="$build/tests/plugins/good/toy.so"
[ -x "$cli" ] && [ -f "$toy" ] || { echo "build first: $cli or $toy missing" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "needs hyperfine (scripts/install-deps.sh)" >&2; exit 1; }

# tmpfs: the files measured are in the page cache, and writing 1 GiB does
# not hit the disk's writeback throttle (bench/cache/run_bench.sh).
work=$(mktemp -d "${BENCH_DIR:-/dev/shm}/modelzoo-metadata-XXXXXX")
nginx_pid=
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export XDG_CONFIG_HOME="$work/config"

# Times a whole process with hyperfine; sets the globals med, mn (wall ms)
# and cpu (user + system ms, mean): on a shared machine the CPU time is the
# figure a run's neighbours disturb least, the minimum the one nearest an
# idle box.
measure() {
  hyperfine -N --style none --export-json "$work/r.json" "$@" >/dev/null 2>&1
  read -r med mn cpu < <(/usr/bin/python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.2f %.2f %.2f" % (r["median"] * 1e3, r["min"] * 1e3, (r["user"] + r["system"]) * 1e3))' "$work/r.json")
}
median_ms() { measure "$@"; echo "$med"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }

# In-tree plugins, warm.
home="$work/home"
env_list="env MODELZOO_HOME=$home"
$env_list "$cli" list >/dev/null
measure --warmup 10 --min-runs 200 /bin/true
t_true=$med; min_true=$mn; cpu_true=$cpu
measure --warmup 10 --min-runs 200 "$env_list $cli list"
t_list=$med; min_list=$mn; cpu_list=$cpu
measure --warmup 10 --min-runs 100 "$env_list $cli info resnet50"
t_info=$med; min_info=$mn; cpu_info=$cpu
measure --warmup 10 --min-runs 100 "$env_list $cli __complete info resnet50."
t_complete=$med; min_complete=$mn; cpu_complete=$cpu
t_python=$(median_ms --warmup 1 --runs 5 "/usr/bin/python3 -c 'import torchvision; torchvision.models.list_models()'")
libs=$(MODELZOO_HOME=$home LD_DEBUG=libs "$cli" list 2>&1 >/dev/null | grep -c "calling init:")
libs_python=$(/usr/bin/python3 -c 'import torchvision; torchvision.models.list_models(); print(len({l.split()[-1] for l in open("/proc/self/maps") if ".so" in l}))')

# 1000 plugins: stripped copies of the toy plugin.
strip -o "$work/toy.so" "$toy"
mkdir -p "$work/p1000"
for i in $(seq -w 1 1000); do cp "$work/toy.so" "$work/p1000/toy_$i.so"; done
p1000="env MODELZOO_PLUGIN_PATH=$work/p1000 MODELZOO_PLUGIN_PATH_ONLY=1 MODELZOO_TRUST=off"
$p1000 MODELZOO_HOME="$work/h1000" "$cli" list >/dev/null
measure --warmup 3 --min-runs 30 "$p1000 MODELZOO_HOME=$work/h1000 $cli list"
t_warm=$med; min_warm=$mn; cpu_warm=$cpu
# Without the load test: the scanner cannot be found, so discovery reads the
# manifests in-process (as when it is unavailable), and says so.
t_cold=$(median_ms --runs 3 --prepare "rm -rf $work/hc" \
  "$p1000 MODELZOO_HOME=$work/hc MODELZOO_SCANNER=$work/no-scanner $cli list")
t_cold_probed=$(median_ms --runs 3 --prepare "rm -rf $work/hp" "$p1000 MODELZOO_HOME=$work/hp $cli list")

# cache verify and pull, against the same nginx as bench/cache/run_bench.sh.
mkdir -p "$work/www" "$work/nginx/tmp" "$work/no-plugins"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom >"$work/www/weights.bin"
sha=$(openssl dgst -sha256 -r "$work/www/weights.bin" | cut -d' ' -f1)
bytes=$(stat -c %s "$work/www/weights.bin")
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p=$work/nginx
cat >"$p/nginx.conf" <<CONF
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
export MODELZOO_PLUGIN_PATH=$work/no-plugins MODELZOO_PLUGIN_PATH_ONLY=1
t_pull=$(median_ms --runs 3 --prepare "rm -rf $work/mz" "env MODELZOO_HOME=$work/mz $cli pull --quiet --url $url --sha256 $sha")
t_pull_thread=$(median_ms --runs 3 --prepare "rm -rf $work/mz" "env MODELZOO_HASH_THREAD=1 MODELZOO_HOME=$work/mz $cli pull --quiet --url $url --sha256 $sha")
t_curl=$(median_ms --runs 3 --prepare "rm -f $work/curl.out" "curl -s -o $work/curl.out $url")
MODELZOO_HOME=$work/mz "$cli" pull --quiet --url "$url" --sha256 "$sha" >/dev/null
cat "$work/mz/blobs/sha256/$sha" >/dev/null  # in the page cache
t_verify=$(median_ms --warmup 1 --runs 5 "env MODELZOO_HOME=$work/mz $cli cache verify --all")
t_verify_serial=$(median_ms --warmup 1 --runs 5 "env MODELZOO_HASH_THREAD=0 MODELZOO_HOME=$work/mz $cli cache verify --all")
speed_k=$(openssl speed -elapsed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '/^sha256|^SHA256/ {v=$NF} END{print v}')
speed=$(awk -v k="${speed_k%k}" 'BEGIN{printf "%.0f", k*1000/1e6}')  # MB/s
verify_rate=$(awk -v b="$bytes" -v t="$t_verify" 'BEGIN{printf "%.0f", b/(t/1e3)/1e6}')
pull_rate=$(awk -v b="$bytes" -v t="$t_pull" 'BEGIN{printf "%.0f", b/(t/1e3)/1e6}')
verify_serial_rate=$(awk -v b="$bytes" -v t="$t_verify_serial" 'BEGIN{printf "%.0f", b/(t/1e3)/1e6}')
pull_thread_rate=$(awk -v b="$bytes" -v t="$t_pull_thread" 'BEGIN{printf "%.0f", b/(t/1e3)/1e6}')
curl_rate=$(awk -v b="$bytes" -v t="$t_curl" 'BEGIN{printf "%.0f", b/(t/1e3)/1e6}')

met() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN{ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "**missed**"}'; }
per100=$(awk -v t="$t_cold" 'BEGIN{printf "%.1f", t/10}')
per100_probed=$(awk -v t="$t_cold_probed" 'BEGIN{printf "%.1f", t/10}')
python_ratio=$(ratio "$t_python" "$t_list")
verify_ratio=$(ratio "$verify_rate" "$speed")
pull_ratio=$(ratio "$pull_rate" "$curl_rate")

echo "One run of \`bench/metadata.sh\` ($(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)."
echo "Process times: wall-clock median (min) and CPU (user + system, mean)."
echo
echo "| what | here | against | ratio | target | met? |"
echo "|---|---:|---|---:|---|---|"
echo "| \`modelzoo list\` (in-tree plugins, warm) | $t_list ($min_list) ms, CPU $cpu_list ms | \`/bin/true\` $t_true ($min_true) ms, CPU $cpu_true ms | $(ratio "$t_list" "$t_true")× | ≤ 4 ms | median $(met "$t_list" "<=" 4), min $(met "$min_list" "<=" 4) |"
echo "| the same against the Python line | $t_list ms | \`import torchvision; list_models()\` $t_python ms | $python_ratio× faster | ≥ 400× | $(met "$python_ratio" ">=" 400) |"
echo "| shared libraries \`list\` maps | $libs | the Python line: $libs_python | – | no libcurl | – |"
echo "| \`modelzoo info resnet50\` | $t_info ($min_info) ms, CPU $cpu_info ms | \`list\` $t_list ms | $(ratio "$t_info" "$t_list")× | ≤ 6 ms | median $(met "$t_info" "<=" 6), min $(met "$min_info" "<=" 6) |"
echo "| a completion (\`__complete info resnet50.\`) | $t_complete ($min_complete) ms, CPU $cpu_complete ms | \`list\` $t_list ms | $(ratio "$t_complete" "$t_list")× | – | – |"
echo "| 1000 plugins, warm | $t_warm ($min_warm) ms, CPU $cpu_warm ms | – | – | ≤ 30 ms | median $(met "$t_warm" "<=" 30), min $(met "$min_warm" "<=" 30) |"
echo "| 1000 plugins, cold, not probed (read, hashed, parsed) | $t_cold ms | $per100 ms per 100 plugins | – | ≤ 300 ms / 100 | $(met "$per100" "<=" 300) |"
echo "| 1000 plugins, cold, each probed in the scanner | $t_cold_probed ms | $per100_probed ms per 100 plugins | – | (reported) | – |"
echo "| \`modelzoo cache verify --all\`, ${size_mib} MiB in the page cache | $verify_rate MB/s ($t_verify ms) | \`openssl speed -elapsed -evp sha256\` 16 KiB: $speed MB/s | $verify_ratio× | ≥ 0.9× | $(met "$verify_ratio" ">=" 0.9) |"
echo "| the same, hashing on this thread (\`MODELZOO_HASH_THREAD=0\`) | $verify_serial_rate MB/s ($t_verify_serial ms) | the same | $(ratio "$verify_serial_rate" "$speed")× | – | – |"
echo "| \`modelzoo pull --url\` from loopback nginx (SHA-256 included) | $pull_rate MB/s ($t_pull ms) | \`curl -o FILE\` $curl_rate MB/s ($t_curl ms) | $pull_ratio× | ≥ 1.0× | $(met "$pull_ratio" ">=" 1.0) |"
echo "| the same, hashing thread (\`MODELZOO_HASH_THREAD=1\`) | $pull_thread_rate MB/s ($t_pull_thread ms) | the same | $(ratio "$pull_thread_rate" "$curl_rate")× | – | – |"
