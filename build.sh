#!/usr/bin/env bash
# build.sh: builds the unpacked Chrome extension into dist/, installing missing tools first.
# Usage: ./build.sh             install what is missing, then build dist/
#        ./build.sh --tools-only  only install what is missing (used by test.sh)
# Env:   PHEMOSSA_SKIP_WASM_OPT=1  skip wasm-opt (faster dev loop, bigger wasm)
#        PHEMOSSA_SKIP_NATIVE=1    skip the relay and hostile peer (test.sh: its native tests built
#                                  both already, in the dev profile)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
START=$SECONDS

# The wasm-bindgen CLI must equal the wasm-bindgen crate, which the root Cargo.toml pins exactly (=X.Y.Z).
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' Cargo.toml)"
if [[ -z "$WASM_BINDGEN_VERSION" ]]; then
  echo 'build.sh: Cargo.toml must pin wasm-bindgen exactly (wasm-bindgen = "=X.Y.Z")' >&2
  exit 1
fi
TARGET=wasm32-unknown-unknown
CRATES=(phemossa_background phemossa_popup phemossa_options phemossa_work_worker phemossa_verify_worker)   # cdylib lib names
DIST="$ROOT/dist"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\n== %s\n' "$*"; }

install_tools() {
  if ! rustup target list --installed | grep -qx "$TARGET"; then
    say "Installing rustup target $TARGET"
    rustup target add "$TARGET"
  fi

  if [[ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WASM_BINDGEN_VERSION" ]]; then
    say "Installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (takes a few minutes)"
    # No --locked: its lockfile pins a webpki-roots that fails to build.
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
  fi

  # npm ci only when node_modules is missing or package-lock.json changed since the last install.
  local stamp="$ROOT/tests/node_modules/.phemossa-lock.sha256"
  local want
  want="$(sha256sum "$ROOT/tests/package-lock.json" | cut -d' ' -f1)"
  if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    say "Installing node tools (npm ci in tests/: playwright-core, web-ext, binaryen)"
    (cd "$ROOT/tests" && npm ci --no-audit --no-fund)
    echo "$want" > "$stamp"
  fi
}

install_tools
if [[ "${1:-}" == "--tools-only" ]]; then
  exit 0
fi

say "Compiling wasm crates (release)"
# Panic messages name their source file, and a dependency's path starts with where cargo keeps
# the registry (/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/, 59 bytes): 220
# times in the background, 13 KB of every install. Mapped away, a path starts at its crate
# ("libp2p-swarm-0.48.0/src/dummy.rs"), and the wasm no longer depends on where cargo lives.
# Fetched first, so that the registry's directories exist to be named on a fresh machine.
cargo fetch --locked
REMAP=()
for dir in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
  REMAP+=("--remap-path-prefix=$dir=")
done
# One invocation so shared dependencies compile once.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="${REMAP[*]}" \
  cargo build --release --target "$TARGET" -p phemossa-background -p phemossa-popup -p phemossa-options \
    -p phemossa-work-worker -p phemossa-verify-worker

say "Assembling $DIST"
rm -rf "$DIST"
mkdir -p "$DIST/pkg"

WASM_OPT_CACHE="$TARGET_DIR/wasm-opt-cache"
mkdir -p "$WASM_OPT_CACHE"
# wasm-bindgen, wasm-opt and short import names for one module, into $DIST/pkg.
assemble() {
  local lib="$1" passes input key cached
  wasm-bindgen --target web --no-typescript --out-dir "$DIST/pkg" "$TARGET_DIR/$TARGET/release/$lib.wasm"
  if [[ "${PHEMOSSA_SKIP_WASM_OPT:-0}" == "1" ]]; then
    echo "skipping wasm-opt for $lib (PHEMOSSA_SKIP_WASM_OPT=1)"
  else
    # Explicit features only: --all-features output is rejected by Chromium.
    # --low-memory-unused lets wasm-opt fold `load(p + c)` into the load's own offset for c under
    # 1,024, which differs only where p + c wraps past 4 GiB into the first KiB of memory. Rust
    # never reaches memory that way, and the first KiB is the bottom of the 1 MiB stack (rustc
    # links wasm32 with the stack first: data starts at 1 MiB), used only one KiB short of a
    # stack overflow, and then not through a wrapping add. Emscripten assumes the same by
    # default. It saves 15.7 KB of the background, 3.9 KB of the popup and 3.7 KB of options.
    # The background runs the -Oz pipeline twice: the second pass finds 2.5 KB more
    # (2,619,922 to 2,617,494 bytes) for about 18 s, room under its 2.5 MiB budget
    # (tests/wasm-budgets.sh); the pages gain too little from it to wait for.
    # --strip-producers and --strip-target-features drop two custom sections nothing reads at
    # run time (260 bytes of the background).
    #
    # The background also gets --ignore-implicit-traps: wasm-opt may then treat a load, a
    # division or a float-to-int conversion as free of side effects (drop it when its result is
    # unused, move it). Rust never relies on such a trap: it checks divisors and bounds with
    # explicit branches before the instruction, converts floats with the saturating
    # (non-trapping) instructions enabled below, and safe code never loads out of bounds. So an
    # instruction that would trap is behind a check that panics first, or is a bug that aborts
    # either way. 4 KB of the background (2,621,536 to 2,617,502 bytes, with the signature pool
    # and its sync hook), room under its 2.5 MiB budget.
    passes=(-Oz --strip-producers --strip-target-features)
    if [[ "$lib" == phemossa_background ]]; then
      passes=(--ignore-implicit-traps -Oz -Oz --strip-producers --strip-target-features)
    fi
    passes+=(--low-memory-unused --enable-bulk-memory --enable-reference-types
      --enable-nontrapping-float-to-int --enable-sign-ext --enable-multivalue)
    # wasm-opt's output depends only on its input, its flags and its version, so an output is
    # kept under a hash of the three and reused while they stay the same: a build of an unchanged
    # tree (./test.sh again, or ./build.sh after it) skips the ~50 s wasm-opt takes here. Only
    # the last output of each wasm is kept.
    input="$DIST/pkg/${lib}_bg.wasm"
    key="$( { sha256sum < "$input"; echo "${passes[*]}"; tests/node_modules/.bin/wasm-opt --version; } \
      | sha256sum | cut -c1-32)"
    cached="$WASM_OPT_CACHE/$lib-$key.wasm"
    if [[ -f "$cached" ]]; then
      echo "wasm-opt: $lib unchanged since its last build, its output reused"
      cp "$cached" "$input"
    else
      tests/node_modules/.bin/wasm-opt "${passes[@]}" "$input" -o "$input"
      rm -f "$WASM_OPT_CACHE/$lib"-*.wasm
      cp "$input" "$cached.partial" && mv "$cached.partial" "$cached"
    fi
  fi
  # wasm-bindgen's hashed import names, each with its module's name again, are about 14 KB of
  # the background's wasm; short names in the wasm and its glue alike (the script says why).
  node tests/short-wasm-imports.mjs "$DIST/pkg" "$lib"
}

# The modules are assembled one per core at a time. binaryen's wasm-opt here is its npm build,
# run by node on one core, and the background's takes about a minute of this machine (57 s,
# against 19 s for the other four together): beside it, the others cost no wall time.
# Each module's output is printed whole once all are done, and any failure fails the build.
LOGS="$(mktemp -d)"
running=0
for lib in "${CRATES[@]}"; do
  # set -e holds in both subshells, so a failed command ends the module's and no .rc is written.
  ( ( assemble "$lib" ) >"$LOGS/$lib.log" 2>&1; echo "$?" >"$LOGS/$lib.rc" ) &
  if (( ++running >= $(nproc 2>/dev/null || echo 1) )); then wait -n || true; running=$((running - 1)); fi
done
wait
failed=0
for lib in "${CRATES[@]}"; do
  cat "$LOGS/$lib.log"
  if [[ "$(cat "$LOGS/$lib.rc" 2>/dev/null)" != 0 ]]; then
    echo "build.sh: assembling $lib failed" >&2
    failed=1
  fi
done
rm -rf "$LOGS"
(( failed == 0 )) || exit 1

cp manifest.json "$DIST/"
cp background/static/service_worker.js background/static/offscreen.html background/static/offscreen.js "$DIST/"
cp popup/static/snapshot.js "$DIST/"
# The proof-of-work Web Worker, a module worker: its script imports pkg/phemossa_work_worker.js
# (wasm-bindgen's --target web glue, as the pages'), under the extension pages' CSP.
cp work-worker/static/work_worker.js "$DIST/"
# The signature-check workers (issue 16), started by the offscreen document, one per core; the
# same kind of module worker.
cp verify-worker/static/verify_worker.js "$DIST/"
for page in popup options; do
  cp "$page/static/$page.html" "$page/static/$page.js" "$DIST/"
  if [[ -f "$page/static/$page.css" ]]; then
    cp "$page/static/$page.css" "$DIST/"
  else
    echo "note: $page/static/$page.css not found; the $page page will be unstyled"
  fi
done
mkdir -p "$DIST/icons"
cp icons/*.png "$DIST/icons/"

# The relay, and the hostile peer the end-to-end tests run, are native: built in the root
# Cargo.toml's `native` profile (release without wasm's size tuning and LTO), into target/native/.
RELAY_BIN="$TARGET_DIR/native/phemossa-relay"
if [[ "${PHEMOSSA_SKIP_NATIVE:-0}" == "1" ]]; then
  echo "skipping the relay and hostile peer (PHEMOSSA_SKIP_NATIVE=1)"
else
  say "Building the native relay and hostile peer (relay/, relay/hostile-peer/)"
  cargo build --profile native --locked -p phemossa-relay -p phemossa-hostile-peer
fi

say "Done in $((SECONDS - START)) s"
ls -l "$DIST/pkg"/*.wasm
cat <<EOF

The unpacked extension is in: $DIST
Load it in Chrome/Chromium: open chrome://extensions, turn on "Developer mode",
click "Load unpacked" and choose that dist/ folder.
EOF
if [[ -x "$RELAY_BIN" ]]; then
  cat <<EOF

The relay binary is: $RELAY_BIN
Run it with: $RELAY_BIN --addrs-file /tmp/relay.addrs   (see relay/README.md)
EOF
else
  echo
  echo "The relay was not built (PHEMOSSA_SKIP_NATIVE=1); ./build.sh without it builds $RELAY_BIN."
fi
