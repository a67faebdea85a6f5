#!/usr/bin/env bash
# Every repository path a README or docs/architecture.md names in backticks must exist, so the
# docs cannot keep pointing at files that moved. A token counts as a path when it contains a `/`
# or ends in a known file extension, and has no space, `<`, `*` or `…`, is no URL and no
# multiaddr, no link text of an outside link (`x`](https://…)), and no build output (dist/,
# target/, pkg/, node_modules/, fuzz artifacts). A path with a `/` inside must exist relative to
# the repository root or to the document's own folder. A bare file name (`peer.rs`, `static/`)
# is named in the context of a list or table, so it must exist somewhere under the document's
# folder (anywhere in the repository for README.md and docs/). A `:line` suffix is ignored.
# Prints each missing path as document:line: path and exits 1 if any.
# Needs only bash, grep and sed.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root" || exit 2

docs=(README.md docs/architecture.md)
for readme in */README.md relay/hostile-peer/README.md; do
  [[ -f "$readme" ]] && docs+=("$readme")
done

exts='rs|md|json|mjs|js|sh|toml|html|css|py|lock|pem|txt|yaml|yml'
missing=0
tab=$'\t'

# Every file and folder of the tree (build output and dependencies left out), as
# "<tab>name<tab>./path" lines, for looking up bare names.
index=""
walk() {
  local entry name
  for entry in "$1"/* "$1"/.[!.]*; do
    [[ -e "$entry" ]] || continue
    name="${entry##*/}"
    case "$name" in .git | target | node_modules | dist | pkg | artifacts | corpus) continue ;; esac
    index+="$tab$name$tab$entry"$'\n'
    [[ -d "$entry" && ! -L "$entry" ]] && walk "$entry"
  done
}
walk .

for doc in "${docs[@]}"; do
  [[ -f "$doc" ]] || { echo "$doc: listed document is missing" >&2; missing=1; continue; }
  dir="$(dirname "$doc")"
  # Fenced code blocks are commands and sketches, not references: blank them, then take every
  # inline `token` with its line number (a code span never crosses lines here).
  while IFS= read -r hit; do
    n="${hit%%:*}"
    token="${hit#*:}"
    [[ "$token" == *'](http'* ]] && continue
    token="${token#\`}"
    token="${token%\`}"
    [[ -z "$token" ]] && continue
    case "$token" in
      *' '* | *'<'* | *'*'* | *'…'* | *'{'* | *'$'* | *'='* | *'"'*) continue ;;
      *://* | chrome-extension:* | http:* | https:*) continue ;;
      /ip4/* | /ip6/* | /dns/* | /dns4/* | /dns6/* | /p2p/* | /p2p-circuit* | /tcp/* | /udp/* \
        | /ws* | /wss* | /webrtc* | /certhash/* | /phemossa/* | /rendezvous/* | /tmp/* | /var/* \
        | ~/* | -*) continue ;;
      dist | dist/* | target | target/* | */target | */target/* | pkg/* | */pkg/* | ...*) continue ;;
    esac
    # Looks like a path: a slash, or a known extension.
    if [[ "$token" != */* ]] && ! [[ "$token" =~ \.($exts)$ ]]; then
      continue
    fi
    # Starts like a path (a name, ./ or ../), not a protocol id or a Rust path.
    [[ "$token" =~ ^(\./|\.\./)?[A-Za-z0-9_.-]+(/|$) ]] || continue
    [[ "$token" == *::* ]] && continue
    path="${token%%:*}" # drop a :line suffix
    path="${path%/}"
    if [[ -e "$path" || -e "$dir/$path" ]]; then
      continue
    fi
    if [[ "$path" != */* ]]; then
      scope="./$dir/"
      [[ "$dir" == . || "$dir" == docs ]] && scope="./"
      grep -qF -- "$tab$path$tab$scope" <<<"$index" && continue
    fi
    echo "$doc:$n: $token"
    missing=1
  done < <(sed '/^[[:space:]]*```/,/^[[:space:]]*```/ s/.*//' "$doc" \
    | grep -n -o '`[^`]*`\(](https\?:[^)]*)\)\?')
done

if ((missing)); then
  echo "docs-paths: the paths above are named in backticks but do not exist" >&2
  exit 1
fi
echo "docs-paths: every path named in ${#docs[@]} documents exists"
