#!/bin/sh
# Runs a command inside a network namespace of its own, for the Firefox room checks.
# Firefox never offers a 127.0.0.1 ICE candidate; it offers an interface address. Our tests may
# reach only 127.0.0.1 or addresses inside a namespace they made themselves, so: a new
# namespace (unshare -n, root), loopback up, and a veth pair whose two ends both stay inside it
# (10.213.0.1 and 10.213.0.2) with a default route via the peer. Firefox then gathers
# 10.213.0.1; nothing in here can reach the machine's own interfaces or the outside.
# Usage: unshare -n -- sh tools/testing/netns.sh <command> [args...]
set -eu
ip link set lo up
ip link add lkd0 type veth peer name lkd1
ip addr add 10.213.0.1/24 dev lkd0
ip addr add 10.213.0.2/24 dev lkd1
ip link set lkd0 up
ip link set lkd1 up
ip route add default via 10.213.0.2 dev lkd0
export LK_NETNS_ADDRESS=10.213.0.1
exec "$@"
