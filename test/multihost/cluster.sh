#!/bin/bash
# A small "cluster" on one machine for the multi-host tests: network namespaces m4ts-h1..hN, each with its own
# veth, its own IPv4 address on a private bridge and its own hostname (a persistent UTS namespace). Nothing is
# routed anywhere else; the only addresses used as targets are the ones made here.
#   test/multihost/cluster.sh up [N]   make hosts h1..hN (default 3): bridge m4tsbr0 10.231.7.1/24, hN = 10.231.7.(10+N)
#   test/multihost/cluster.sh down     remove everything `up` made (safe to repeat; kills what runs inside)
#   test/multihost/cluster.sh pids     processes still running inside the namespaces
# State (hostfile, hosts list, UTS files, each host's private folder, seen as $M4TS_STATE/private from inside
# it through agent.sh): $M4TS_STATE (default /run/mpi4ts-cluster). A second cluster beside
# it (another test file running at the same time) sets M4TS_BR, M4TS_NET (a.b.c) and M4TS_PREFIX too.
set -euo pipefail
STATE=${M4TS_STATE:-/run/mpi4ts-cluster}
BR=${M4TS_BR:-m4tsbr0}
NET=${M4TS_NET:-10.231.7}
PREFIX=${M4TS_PREFIX:-m4ts-h}

up() {
  local n=${1:-3}
  down >/dev/null 2>&1 || true
  mkdir -p "$STATE"
  : > "$STATE/hosts"
  ip link add "$BR" type bridge
  ip addr add "$NET.1/24" dev "$BR"
  sysctl -qw "net.ipv6.conf.$BR.disable_ipv6=1" || true
  ip link set "$BR" up
  for i in $(seq 1 "$n"); do
    local ns=$PREFIX$i addr=$NET.$((10 + i))
    ip netns add "$ns"
    ip link add "v-$ns" type veth peer name eth0 netns "$ns"
    ip link set "v-$ns" master "$BR" up
    sysctl -qw "net.ipv6.conf.v-$ns.disable_ipv6=1" || true
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    mkdir -p "$STATE/private" "$STATE/$ns.private"
    touch "$STATE/$ns.uts"
    unshare --uts="$STATE/$ns.uts" hostname "$ns"
    echo "$addr $ns" >> "$STATE/hosts"
  done
  for i in $(seq 1 "$n"); do
    mkdir -p "/etc/netns/$PREFIX$i"
    { echo "127.0.0.1 localhost"; echo "$NET.1 m4ts-root"; cat "$STATE/hosts"; } > "/etc/netns/$PREFIX$i/hosts"
  done
  awk '{print $1" slots=1"}' "$STATE/hosts" > "$STATE/hostfile"
  for i in $(seq 1 "$n"); do
    for _ in 1 2 3 4 5; do
      ip netns exec "$PREFIX$i" ping -c1 -W1 "$NET.1" >/dev/null 2>&1 && break
      sleep 0.3
    done
  done
  echo "cluster up: $(awk '{print $2"="$1}' "$STATE/hosts" | tr '\n' ' ')"
}

pids() {
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
    ip netns pids "$ns" 2>/dev/null || true
  done
}

down() {
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX" || true); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
    if [ -e "$STATE/$ns.uts" ]; then umount "$STATE/$ns.uts" 2>/dev/null || true; rm -f "$STATE/$ns.uts"; fi
  done
  for l in $(ip -o link show 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | grep "^v-$PREFIX" || true); do ip link del "$l" 2>/dev/null || true; done
  ip link del "$BR" 2>/dev/null || true
  rm -rf "$STATE"
  echo "cluster down"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  pids) pids ;;
  *) echo "usage: $0 up [N] | down | pids" >&2; exit 2 ;;
esac
