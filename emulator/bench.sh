#!/usr/bin/env bash
# Emulator throughput: keep-alive PUTs from several threads against a release emulator in its
# own process. A benchmark, not a test: it prints a figure and asserts nothing.
#
#   emulator/bench.sh [threads] [seconds]        (defaults: 4 threads, 5 seconds)
#
# Set PIN=1 to pin the emulator to CPU 0 and the load generator to CPU 1 (taskset).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
threads=${1:-4}
seconds=${2:-5}

cargo build --release -q -p mx-sso-emulator --bin mx-sso-emulator --example loadgen \
  --manifest-path "$root/Cargo.toml"

emulator=(env)
loadgen=(env)
if [ "${PIN:-0}" = 1 ]; then
  emulator=(taskset -c 0)
  loadgen=(taskset -c 1)
fi

# with-emulator runs the emulator binary named by MX_SSO_EMULATOR_BIN; wrap it for pinning.
wrapper=$(mktemp)
trap 'rm -f "$wrapper"' EXIT
printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${emulator[*]}" "$root/target/release/mx-sso-emulator" >"$wrapper"
chmod +x "$wrapper"

MX_SSO_EMULATOR_BIN=$wrapper "$root/scripts/with-emulator" -- \
  bash -c '"$@" --url "$MX_SSO_BASE_URL" --key "$MX_SSO_API_KEY" --client "$MX_SSO_CLIENT_GUID" \
             --threads '"$threads"' --seconds '"$seconds" \
  _ "${loadgen[@]}" "$root/target/release/examples/loadgen"
