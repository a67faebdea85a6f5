#!/usr/bin/env bash
# test.sh: the single command that runs every Phemossa test, installing what is missing first.
# Stops at the first failing step (non-zero exit) and prints a timing summary either way.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CI="${CI:-true}"
# No incremental compilation: a clean clone gains nothing from it, and its caches were 5.6 GB of
# the 17 GB a warm target/ held (target/debug/incremental 3.7 GB, the browser tests' 1.9 GB). A CI
# machine with a small disk ran out of space in the native step because of them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
STEP_NAMES=()
STEP_TIMES=()
TOTAL_START=$SECONDS
CURRENT=""

summary() {
  local rc=$?
  printf '\n== Summary\n'
  local i
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %-42s %5s s\n' "${STEP_NAMES[$i]}" "${STEP_TIMES[$i]}"
  done
  if [[ $rc -ne 0 && -n "$CURRENT" ]]; then
    printf '  FAILED: %s (exit %d)\n' "$CURRENT" "$rc"
  fi
  printf '  %-42s %5s s\n' "total" "$((SECONDS - TOTAL_START))"
  # What the run left on disk, so a growing footprint is seen before a small disk fills.
  printf '  target/ holds %s; %s free on its disk\n' \
    "$(du -sh "$TARGET" 2>/dev/null | cut -f1)" "$(df -h --output=avail "$TARGET" 2>/dev/null | tail -1 | tr -d ' ')"
  [[ $rc -eq 0 ]] && echo "All tests passed."
}
trap summary EXIT

# A clean clone's run leaves about 4.5 GB in target/ (4.1 to 4.4 GB measured): said up front, so
# a disk too small for it is named as the cause instead of a compiler's write error half-way.
NEEDED_KB=$((5 * 1024 * 1024))
mkdir -p "$TARGET"
FREE_KB=$(df -Pk "$TARGET" | awk 'NR == 2 { print $4 }')
if [[ -n "$FREE_KB" && "$FREE_KB" -lt "$NEEDED_KB" ]]; then
  printf 'warning: %s MB free on the disk of %s; a run from a clean clone needs about 5,000 MB there\n' \
    "$((FREE_KB / 1024))" "$TARGET" >&2
fi

# step NAME CMD...: announce, run, time; any failure ends the script (set -e).
step() {
  local name="$1"; shift
  CURRENT="$name"
  printf '\n==== %s\n' "$name"
  local start=$SECONDS
  "$@" < /dev/null
  STEP_NAMES+=("$name")
  STEP_TIMES+=("$((SECONDS - start))")
  CURRENT=""
}

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

install_missing() {
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver ]]; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
  fi
  # tests/netns/run.sh: unshare (util-linux) and ip (iproute2) make the end-to-end tests' namespace.
  if ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends iproute2 util-linux
  fi
  # tests/module-cycles.py
  if ! command -v python3 >/dev/null; then
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3
  fi
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
  ./build.sh --tools-only   # rustup target, wasm-bindgen-cli, node tools
}

wasm_browser_tests() {
  # ChromeDriver makes a fresh profile (about 57 MB) under TMPDIR for every session and, when the
  # runner ends it, leaves it behind: 486 of them had filled 25 GB of /tmp here. This folder is
  # the run's own and goes when the step ends, passed or failed.
  local profiles="$TARGET/tmp/chromedriver-profiles"
  rm -rf "$profiles" && mkdir -p "$profiles"
  local rc=0
  # wasm-bindgen-test-runner (0.2.108 and 0.2.130 alike) reads Chrome capabilities from this file (it adds
  # headless, no-sandbox and disable-dev-shm-usage itself). Linted as it compiles (LINT, below).
  env "${LINT[@]}" \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CHROMEDRIVER=/usr/bin/chromedriver \
  WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/tests/webdriver.json" \
  WASM_BINDGEN_TEST_DRIVER_TIMEOUT=30 \
  WASM_BINDGEN_TEST_TIMEOUT=120 \
  TMPDIR="$profiles" \
    cargo test --target wasm32-unknown-unknown -p phemossa-background -p phemossa-store -p phemossa-store-worker || rc=$?
  rm -rf "$profiles"
  return "$rc"
}

fuzz_smoke() {
  # Every decoder of outside input has a libFuzzer target in fuzz/ or webrtc-b2b/fuzz. No
  # nightly toolchain can be installed here, so cargo-fuzz runs on stable with RUSTC_BOOTSTRAP and
  # without sanitizers.
  cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
  local crate target targets=() seconds
  # Both fuzz crates build into one target folder, so what they share (libfuzzer-sys and its C++
  # libFuzzer above all) compiles once. Their flags (sancov, cfg fuzzing) differ from every other
  # build's, so it is a folder of its own.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/fuzz"
  # fuzz/ (at the root) covers phemossa-core, -sync, -gossip and -api; webrtc-b2b/fuzz its own crate.
  for crate in . webrtc-b2b; do
    (cd "$crate" && RUSTC_BOOTSTRAP=1 cargo fuzz build -s none) || return 1
    for target in $(cd "$crate" && cargo fuzz list); do targets+=("$crate:$target"); done
  done
  # One fixed budget for the whole smoke, shared evenly, so a new target does not lengthen the
  # suite; at least 5 s each, enough for libFuzzer to get past the seed inputs. A libFuzzer run
  # uses one core, so the targets run one per core at a time: each gets the same seconds, and the
  # smoke takes the budget divided by the cores (32 s, not 64, on the 2-core machine).
  seconds=$(( FUZZ_BUDGET / ${#targets[@]} ))
  (( seconds >= 5 )) || seconds=5
  local jobs running=0 i logs
  jobs=$(nproc 2>/dev/null || echo 1)
  logs=$(mktemp -d)
  for i in "${!targets[@]}"; do
    crate="${targets[$i]%%:*}" target="${targets[$i]#*:}"
    ( (
      echo "-- $crate/$target: ${seconds}s"
      cd "$crate"
      RUSTC_BOOTSTRAP=1 cargo fuzz run -s none "$target" -- -max_total_time="$seconds" -max_len=8192 2>&1 \
        | grep -E '^(Done|#[0-9]+ +DONE)|ERROR|panicked' || true
      # libFuzzer leaves a crash-* or leak-* file in artifacts/ for every failure it finds.
      if compgen -G "fuzz/artifacts/$target/*" >/dev/null; then
        echo "fuzz target $target found a failing input: $crate/fuzz/artifacts/$target/"
        exit 1
      fi
    ) >"$logs/$i.log" 2>&1; echo "$?" >"$logs/$i.rc" ) &
    # Each target's lines are printed whole once all have run, so two targets' never interleave.
    if (( ++running >= jobs )); then wait -n; running=$(( running - 1 )); fi
  done
  wait
  local failed=0
  for i in "${!targets[@]}"; do
    cat "$logs/$i.log"
    [[ "$(cat "$logs/$i.rc" 2>/dev/null)" == 0 ]] || failed=1
  done
  rm -rf "$logs"
  return "$failed"
}
FUZZ_BUDGET="${PHEMOSSA_FUZZ_BUDGET:-64}"
run_in_subshell() ( "$@" )

# Every crate's files import each other one way only (tests/module-cycles.py says what counts).
module_loops() {
  local src failed=0
  for src in */src relay/hostile-peer/src; do
    printf '%-24s ' "$src"
    python3 tests/module-cycles.py "$src" | paste -sd ' ' || failed=1
  done
  return "$failed"
}

step "Install missing tools"            install_missing
step "cargo fmt --check"                cargo fmt --all -- --check
step "docs name only paths that exist"   tests/docs-paths.sh
step "no import loops between files"    module_loops
# The pure crates (core, sync, store, store-protocol, gossip, node, api, net) are native; so are the relay and the
# hostile peer (native-only, empty on wasm32). Every other crate (webext, ui, background, popup,
# options) is wasm. phemossa-webrtc-b2b is both: its sans-IO core and tests run natively (proptest needs an OS
# random source), its library runs in the browser. So is phemossa-work-worker: its search's tests
# run natively, its wasm is linted in build.sh's release build. phemossa-verify-worker's logic is
# phemossa-core's (event::check_batch, tested with it); its wasm is linted in the same build.
# phemossa-store-worker is both: `serve` is tested natively, its exports in the browser step.
PURE_CRATES=(-p phemossa-core -p phemossa-sync -p phemossa-store -p phemossa-store-protocol -p phemossa-store-worker
             -p phemossa-gossip -p phemossa-node -p phemossa-api -p phemossa-net)
# The node's many-node simulator and its scenarios (node/src/sim/, node/tests/sim_*.rs).
NODE_SIM=(--features phemossa-node/sim)
NATIVE_TOOLS=(-p phemossa-relay -p phemossa-hostile-peer)
# Clippy lints as the builds that follow compile: `cargo clippy` is rustc run through
# clippy-driver for the workspace's own crates (RUSTC_WORKSPACE_WRAPPER, with its lint arguments
# in CLIPPY_ARGS), so giving the test and release builds the same wrapper lints every target they
# compile, with -D warnings, instead of two separate check passes that compiled every dependency
# once more for nothing but metadata (about 9 minutes of a clean-clone run). What they compile:
# natively, every target of the native crates (lib, tests, examples, bins); for wasm, the
# background and every workspace crate it uses in the browser test build, and the popup, the
# options page, the ui and both workers in build.sh's release build.
LINT=(RUSTC_WORKSPACE_WRAPPER=clippy-driver CLIPPY_ARGS=-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__)
# Every native test in one invocation, in the dev profile (dependencies unoptimised but for the
# few the tests need: Cargo.toml says which): the relay and the hostile peer share the pure
# crates' compiled dependencies instead of a second, release build of them. This also builds
# what the end-to-end tests run: both binaries (the relay's and the hostile peer's integration
# tests need them) and phemossa-core's example gen_events.
step "clippy + cargo test (native crates)" env "${LINT[@]}" cargo test --locked "${PURE_CRATES[@]}" "${NODE_SIM[@]}" \
                                          -p phemossa-ui -p phemossa-webrtc-b2b -p phemossa-work-worker \
                                          "${NATIVE_TOOLS[@]}"
# In a subshell, so the fuzz smoke's target folder stays its own.
step "fuzz smoke (peer-input decoders)" run_in_subshell fuzz_smoke
step "clippy + wasm tests (Chromium)" wasm_browser_tests
# Without build.sh's release build of the relay and the hostile peer: the native tests built
# both. That build compiles ~200 dependencies again (6.5 min here), because a cargo command's
# package set decides its dependencies' features; its two packages are linted and tested above.
step "clippy + build dist/"             env PHEMOSSA_SKIP_NATIVE=1 "${LINT[@]}" ./build.sh
step "wasm size budgets"               tests/wasm-budgets.sh
step "web-ext lint"                     tests/node_modules/.bin/web-ext lint --source-dir dist --no-config-discovery
# Each file in a network namespace of its own (root needed), so browser traffic never leaves this
# machine, one more file at a time than there are cores (tests/run-e2e.mjs says why that is safe,
# and which run alone).
# The binaries are the ones the native tests built (target/debug/).
BIN_DIR="$TARGET/debug"
step "end-to-end tests (Playwright)"    env PHEMOSSA_RELAY_BIN="$BIN_DIR/phemossa-relay" \
                                          PHEMOSSA_HOSTILE_BIN="$BIN_DIR/phemossa-hostile-peer" \
                                          PHEMOSSA_GEN_EVENTS_BIN="$BIN_DIR/examples/gen_events" \
                                          node tests/run-e2e.mjs
