#!/usr/bin/env bash
# The size budgets of the extension's wasm after wasm-opt (issue 16): prints each file's size
# beside its budget and fails if any is over. Run after ./build.sh (test.sh does).
#
# - background: 2.5 MiB, "at most today's 2.5 MB, even as features are added". It was 2,585,009
#   bytes at 835ca32 and 2,671,620 with issue 13's profiles and invites, over; switching off
#   libp2p's compiled-in `tracing` events (background/Cargo.toml) took it to 2,385,261. Core's
#   `multiaddr` 0.18, while libp2p 0.57 uses 0.19, had put a second multiaddr and a second
#   libp2p-identity in it: one version saved 55,654 bytes (2,634,395 → 2,578,741 with issue 15's
#   stored limit). Issue 14's deletion brought it to 2,593,094: the api's requests read without
#   serde's buffering of adjacently tagged enums (api/src/lib.rs, `request_wire`) saved about
#   40 KB, and the backup's argon2 and chacha20poly1305 of snow's RustCrypto generation
#   10.8 KB more, so 2,542,293. Issue 14's notifications, mentions and thread paging took it
#   to 2,605,617, and reposts to 2,623,509, over: one reader of event JSON for events and
#   reposts' originals (core/src/event/validate.rs) and build.sh mapping the cargo registry's
#   path out of panic locations (13 KB of the background) brought it to 2,610,519. test.sh's
#   build (through clippy-driver) comes out about 1 KB larger than ./build.sh alone: the
#   clean-clone CI measured 2,621,488 where ./build.sh gave 2,620,477, over by 48 bytes, and
#   the feed reset on deletes of reposted posts was taken back out (4.8 KB) to fit. Issue 13's
#   owner protocol (a fourth request-response behaviour) took 2,614,953 to 2,629,059, over:
#   `core::Error` without `Clone`, `unreachable!` for `expect`s that kept errors' `Debug`, and
#   wasm-opt's `--low-memory-unused` (build.sh) brought it to 2,609,511 with the first page's
#   shared read (docs/benchmarks.md, "Extension size"). Issue 16's ingest work left test.sh's
#   build 177 bytes under (2,621,263); short names for wasm-bindgen's imports
#   (tests/short-wasm-imports.mjs, run by build.sh) took 14,332 bytes off, 2,605,963. Schema
#   14's terms_pending (one record per batch of posts waiting for search terms, instead of an
#   index entry each) took test.sh's build to 2,613,738. Writing server messages as text, not
#   through serde's Message and RawValue (api/src/wire.rs), took ./build.sh's 1.8 KB lower,
#   2,614,380 to 2,612,536. Test.sh's build measured 2,620,980 at 64dd63e; snow's own sha2 0.10
#   at opt-level "z" (Cargo.toml: only sha2 0.11, the one signatures hash with, stays at 3) took
#   it to 2,612,594.
# - popup: issue 16 asks for 450 KB so the popup paints at once; that work has not landed, and
#   until it does the budget is a ratchet at the last measured size plus 3 %, so the popup
#   cannot grow unnoticed. Lower it as the popup shrinks. Raised once, by issue 13 (people:
#   names, pictures, a person's view, followers, search, invites read through the background):
#   622,693 bytes at 3d50a6a, 715,876 at the people commit, so 737,400. Raised again for
#   avatars (loading pictures over the port, the blob messages): 734,782 → 756,925, so 779,700;
#   and for pictures in posts (the composer's re-encoding, the large view): 803,574, so 827,700;
#   and for issue 15's Mute and Block on every post and person, and muted words' "Show anyway"
#   (the keep-out status and its push): 838,792, so 864,000; and for issue 14's replies and
#   threads (the reply box, the conversation view, `get_thread` and its answer's decoder, which
#   every page carries with the one Response type): 848,947 → 890,010, so 917,000. Issue 14's
#   deletion and reactions took it to 919,283; reading responses and pushes without serde's
#   buffering of tagged enums (api/src/wire.rs) brought it to 876,111, so the ratchet is
#   lowered to 902,400. Notifications and mentions took it to 899,083, and issue 14's reposts
#   (the repost line and button, and the recursive feed item) to 909,879; build.sh's mapping
#   of the registry path out of panic locations gave 4.4 KB back, 905,456, so 932,600. The
#   `expect`s and wasm-opt's `--low-memory-unused` (see the background) took it to 901,581, so
#   928,700. Issue 16's size work took 917,190 to 841,096, so 866,400: each page reads only the
#   answers and pushes it can be sent (api/src/pages.rs), records as JSON objects only
#   (api/src/objects.rs, 37 KB), the network states without serde's buffering, and a wrong
#   answer named without `Debug`.
# - options: a ratchet the same way (858,336 bytes at 3d50a6a; 935,641 with the profile form,
#   the invite and its QR code (the `qrcode` crate), so 963,700; 970,846 with the avatar's
#   crop and re-encoding, so 1,000,000; 1,055,501 with issue 15's "Muted and blocked" section,
#   the first place this page shows people by name and picture (`PersonName` and the people
#   `Directory`, whose case folding brings Unicode tables), so 1,087,200. Its muted words are
#   checked by the background only, which saved 5.6 KB of the word rules). api/src/wire.rs
#   took it from 1,087,660 (with reactions in the api) to 1,043,191, so 1,074,500; the registry
#   path mapped out of panic locations (build.sh) took it to 1,036,570, so 1,067,700. Issue 16's
#   size work (as the popup's; its own answers and its topics' pushes alone were 49 KB) took
#   1,045,557 to 947,456, so 975,900.
# - work worker (issue 14's proof of work, work-worker/): loaded each time a post needs work,
#   so it carries the search and its messages only (no web-sys, no futures, no formatting of
#   errors). A ratchet at the first measured size plus 3 %: 23,507 bytes, so 24,300.
# - verify worker (issue 16's signature checks, verify-worker/): one per core, each holding the
#   event validation of phemossa-core (serde_json, ed25519 and SHA-256 at opt-level 3). A
#   ratchet at the first measured size plus 3 %: 178,635 bytes, so 184,000.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="${1:-$ROOT/dist/pkg}"

declare -A BUDGET=(
  [phemossa_background_bg.wasm]=2621440
  [phemossa_popup_bg.wasm]=866400
  [phemossa_options_bg.wasm]=975900
  [phemossa_work_worker_bg.wasm]=24300
  [phemossa_verify_worker_bg.wasm]=184000
)

failed=0
printf '%-30s %12s %12s\n' "wasm" "bytes" "budget"
for name in phemossa_background_bg.wasm phemossa_popup_bg.wasm phemossa_options_bg.wasm \
  phemossa_work_worker_bg.wasm phemossa_verify_worker_bg.wasm; do
  file="$PKG/$name"
  if [[ ! -f "$file" ]]; then
    echo "wasm-budgets: $file is missing (run ./build.sh first)" >&2
    failed=1
    continue
  fi
  size=$(stat -c %s "$file")
  budget=${BUDGET[$name]}
  verdict="ok"
  if (( size > budget )); then
    verdict="OVER by $((size - budget)) bytes"
    failed=1
  fi
  printf '%-30s %12d %12d  %s\n' "$name" "$size" "$budget" "$verdict"
done
exit "$failed"
