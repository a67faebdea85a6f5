#!/usr/bin/env bash
# tests/netns/run.sh COMMAND [ARG...]: runs COMMAND in a network namespace of its own, so the
# relay, the hostile peer and the browsers under test can reach each other but nothing else.
#
# Inside: loopback up, and a veth pair v0 (10.77.0.1/24) <-> v1 (10.77.0.2/24), both ends in the
# same namespace and up, with the default route via 10.77.0.2. Chromium gathers no ICE
# candidates with loopback alone, hence the veth pair. Packets to any other address go out v1,
# come back in on v0 and are dropped (a new namespace does not forward), so no test traffic
# leaves this machine. The mount namespace is kept: files, binaries and /tmp are the host's.
#
# Must run as root (unshare --net needs CAP_SYS_ADMIN). Sets PHEMOSSA_NETNS=1 for COMMAND.
set -euo pipefail

readonly NAME="tests/netns/run.sh"
readonly SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
readonly LOCAL_IP=10.77.0.1 PEER_IP=10.77.0.2 PREFIX=24

fail() { echo "$NAME: $*" >&2; exit 1; }

if [[ $# -eq 0 ]]; then
  echo "usage: $NAME COMMAND [ARG...]   (as root)" >&2
  exit 2
fi

inside() { ip -4 -o addr show dev v0 2>/dev/null | grep -q " $LOCAL_IP/$PREFIX "; }

if [[ "${PHEMOSSA_NETNS:-}" == 1 ]] && inside; then
  # Already in a test namespace (a nested call): nothing to set up.
  exec "$@"
fi

if [[ "${PHEMOSSA_NETNS_SETUP:-}" != 1 ]]; then
  # Outside: check what unshare needs, then re-exec this script in a new network namespace.
  [[ $(id -u) -eq 0 ]] || fail "must run as root: it creates a network namespace (unshare --net); try: sudo $NAME $*"
  command -v unshare >/dev/null || fail "unshare not found (Debian: apt-get install util-linux)"
  command -v ip >/dev/null || fail "ip not found (Debian: apt-get install iproute2)"
  if ! err=$(unshare --net true 2>&1); then
    fail "unshare --net failed (${err:-no message}); a container needs CAP_SYS_ADMIN (e.g. docker run --privileged or --cap-add SYS_ADMIN)"
  fi
  PHEMOSSA_NETNS_SETUP=1 exec unshare --net -- "$SELF" "$@"
fi

# Inside the new namespace.
unset PHEMOSSA_NETNS_SETUP
ip link set lo up || fail "cannot bring lo up"
ip link add v0 type veth peer name v1 || fail "cannot create the veth pair v0/v1 (is the veth module available?)"
ip addr add "$LOCAL_IP/$PREFIX" dev v0
ip addr add "$PEER_IP/$PREFIX" dev v1
ip link set v0 up
ip link set v1 up
ip route add default via "$PEER_IP" || fail "cannot add the default route via $PEER_IP"
export PHEMOSSA_NETNS=1
exec "$@"
