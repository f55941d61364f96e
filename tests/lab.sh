# tests/lab.sh - the DSTM lab in network namespaces, sourced by
# integration tests and the demo after tests/integration/lib.sh:
#
#  [c1] 2001:db8:1::10/64 ---- 2001:db8:1::1/64 [gw] 203.0.113.1/24 ---- 203.0.113.10/24 [v4]
#  [c2] 2001:db8:2::20/64 ---- 2001:db8:2::1/64 [gw]
#                              TEP 2001:db8:1::1, pool 198.51.100.0/24
#
# Names are unique per run (suffix $RUN_ID); lib.sh's trap removes them.
# shellcheck shell=bash

lab_link() {	# lab_link NS_A IF_A NS_B IF_B
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

lab_up() {
	make_ns NS_C1 c1 && make_ns NS_C2 c2 && make_ns NS_GW gw &&
	    make_ns NS_V4 v4 || return 1
	lab_link "$NS_C1" eth0 "$NS_GW" c1 || return 1
	lab_link "$NS_C2" eth0 "$NS_GW" c2 || return 1
	lab_link "$NS_V4" eth0 "$NS_GW" v4 || return 1
	ip -n "$NS_C1" -6 addr add 2001:db8:1::10/64 dev eth0 nodad
	ip -n "$NS_C2" -6 addr add 2001:db8:2::20/64 dev eth0 nodad
	ip -n "$NS_GW" -6 addr add 2001:db8:1::1/64 dev c1 nodad
	ip -n "$NS_GW" -6 addr add 2001:db8:2::1/64 dev c2 nodad
	ip -n "$NS_C1" -6 route add default via 2001:db8:1::1
	ip -n "$NS_C2" -6 route add default via 2001:db8:2::1
	# The gateway's client links compute checksums on transmit, as a
	# NIC does: a veth would pass the kernel fast path's encapsulated
	# packets on with the inner TCP/UDP checksum still partial
	# (CHECKSUM_PARTIAL), which rpcd's raw socket cannot complete.
	ip netns exec "$NS_GW" ethtool -K c1 tx off >/dev/null 2>&1
	ip netns exec "$NS_GW" ethtool -K c2 tx off >/dev/null 2>&1
	ip netns exec "$NS_GW" sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n "$NS_GW" addr add 203.0.113.1/24 dev v4
	ip -n "$NS_V4" addr add 203.0.113.10/24 dev eth0
	ip -n "$NS_V4" route add default via 203.0.113.1
	# the clients are IPv6-only
	for ns in "$NS_C1" "$NS_C2"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.forwarding=0
	done
	wait_for 5 ip netns exec "$NS_C1" ping -6 -c1 -W1 2001:db8:1::1 &&
	    wait_for 5 ip netns exec "$NS_C2" ping -6 -c1 -W1 2001:db8:1::1
}

# lab_server_conf FILE PORT [extra lines]: rpcdstmd co-located on gw
lab_server_conf() {
	local f=$1 port=$2
	shift 2
	cat >"$f" <<CONF
[server]
listen = 2001:db8:1::1
port = $port
state-dir = $T_TMP/state
control-socket = $T_TMP/ctl.sock
pid-file = $T_TMP/rpcdstmd.pid
lease-time = 120
hold-time = 60
rpcbind = no

[pool]
range = 198.51.100.0/24
exclude = 198.51.100.0
exclude = 198.51.100.255

[clients]
allow = 2001:db8::/32
rate-limit = 0

[gateway]
enable = yes
ifname = dti0
backend = ${BACKEND:-tun}
CONF
	printf '%s\n' "$@" >>"$f"
}
