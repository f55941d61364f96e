# tests/lab_dslite.sh - the DS-lite lab (RFC 6333) in network namespaces,
# sourced by tests/demo_dslite.sh (make demo-dslite) and
# tests/integration/dslite_lab.sh after tests/integration/lib.sh and
# tests/lab.sh.  It is the DSTM lab of tests/lab.sh (c1, c2, gw, v4) with
# a home network beside it:
#
#  [lan] 192.0.2.10/24 -- 192.0.2.1 [b4] wan0 SLAAC ---- 2001:db8:10::1 [gw] 203.0.113.1 -- [v4]
#   IPv4-only host         rpcd mode = b4                  rpcdstmd: DSTM leases + AFTR
#   (the home LAN)         dti0 192.0.0.2 peer 192.0.0.1   named, kea-dhcp6, radvd (b4 link)
#  [c1] 2001:db8:1::10 -- 2001:db8:1::1 [gw]   (a DSTM client: a global address, no NAT)
#
# gw is the AFTR, as the user's lab box is: it routes, tunnels, translates
# (pool 198.51.100.128/28; the DSTM pool is 198.51.100.0/25), serves the
# zone isp.example with bind9 (aftr.isp.example AAAA = the AFTR's tunnel
# end point), hands out the AFTR's name (DHCPv6 option 64, RFC 6334) and
# its DNS server (option 23) with a stateless kea-dhcp6, and advertises
# 2001:db8:10::/64 with the O flag with radvd, so the B4 configures its
# address by SLAAC and asks DHCPv6 for the rest.  All with the Debian
# packages' binaries, our own config and pid files in $T_TMP.
# shellcheck shell=bash

DSL_PKGS=${DSL_PKGS:-"bind9 bind9-dnsutils kea-dhcp6-server radvd"}
DSL_ZONE=isp.example
DSL_AFTR_NAME=aftr.$DSL_ZONE
DSL_AFTR6=${DSL_AFTR6:-2001:db8:1::1}	# the AFTR: the gateway's tep6
DSL_DNS6=2001:db8:10::1			# gw on the B4's link
DSL_LAN_HOST=192.0.2.10
DSL_V4_HOST=203.0.113.10		# the IPv4 host (tests/lab.sh: v4)
DSL_POOL=198.51.100.128/28		# the AFTR's public (NAT) pool
DSL_PREFIX=2001:db8:10::/64		# the B4 link, advertised by radvd

# dsl_missing: the lab's packages that are not installed, on stdout
dsl_missing() {
	local p
	for p in $DSL_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "ok installed" || echo "$p"
	done
}

# dsl_deps: install what is missing (tests/deps.sh dslite: apt-get, the
# packaged services left stopped and disabled)
dsl_deps() {
	[ -z "$(dsl_missing)" ] && return 0
	bash "$TOP/tests/deps.sh" dslite
}

# AppArmor: Debian's profiles for named and kea-dhcp6 confine them to
# /etc/bind, /etc/kea, /run and /var paths; our instances read and write
# only $T_TMP.  Where such a profile is enforced, run them unconfined
# (aa-exec, from the package apparmor that such hosts have).
dsl_confine() {	# dsl_confine PROFILE: the wrapper to run it with, if any
	local f=/sys/kernel/security/apparmor/profiles
	if [ -r "$f" ] && grep -q "^$1 (enforce)" "$f" &&
	    command -v aa-exec >/dev/null; then
		echo "aa-exec -p unconfined --"
	fi
}

# dsl_up: tests/lab.sh's lab plus the home network (lan, b4)
dsl_up() {
	lab_up || return 1
	make_ns NS_B4 b4 && make_ns NS_LAN lan || return 1
	lab_link "$NS_B4" wan0 "$NS_GW" b4 || return 1
	lab_link "$NS_LAN" eth0 "$NS_B4" lan0 || return 1
	ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
	ip -n "$NS_GW" -6 addr add $DSL_DNS6/64 dev b4 nodad
	# Both ends of the B4's uplink compute checksums on transmit, as a
	# NIC does (tests/lab.sh says why for the gateway's links): without
	# that, a packet the B4's kernel fast path (bpf) encapsulates keeps
	# its inner checksum partial and its GSO size, and the AFTR, whose
	# NAT works in user space on what a raw socket hands it, could not
	# complete it.  tx off also turns off TSO, so the veth segments.
	ip netns exec "$NS_GW" ethtool -K b4 tx off >/dev/null 2>&1
	ip netns exec "$NS_B4" ethtool -K wan0 tx off >/dev/null 2>&1
	# the B4: IPv6 from router advertisements only (SLAAC; accept_ra 2
	# since it forwards), IPv4 forwarding for the LAN, no IPv6 on the LAN
	ip netns exec "$NS_B4" sysctl -qw net.ipv6.conf.wan0.accept_ra=2 \
	    net.ipv6.conf.wan0.autoconf=1 net.ipv4.ip_forward=1
	ip -n "$NS_B4" addr add 192.0.2.1/24 dev lan0
	ip -n "$NS_LAN" addr add $DSL_LAN_HOST/24 dev eth0
	ip -n "$NS_LAN" route add default via 192.0.2.1
	ip netns exec "$NS_LAN" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	# the B4 resolves through the ISP's server (option 23 says the same)
	mkdir -p "/etc/netns/$NS_B4" &&
	    printf "nameserver %s\noptions timeout:1 attempts:2\n" $DSL_DNS6 \
		>"/etc/netns/$NS_B4/resolv.conf"
}

# dsl_cleanup: what lib.sh's cleanup does not know (run it before that)
dsl_cleanup() {
	[ -n "${NS_B4:-}" ] && rm -rf "/etc/netns/$NS_B4"
	return 0
}
trap 'dsl_cleanup; cleanup' EXIT

# dsl_named: bind9 in gw, authoritative for isp.example, no recursion
dsl_named() {
	local d=$T_TMP/named
	# named keeps only the capabilities it needs, even as root: no
	# CAP_DAC_OVERRIDE, so it must be able to enter $T_TMP (the user
	# dstm's, mode 0700) by its mode, and owns its own directory
	chmod 0711 "$T_TMP" && mkdir -p "$d" || return 1
	cat >"$d/named.conf" <<CONF
options {
	directory "$d";
	pid-file "$d/named.pid";
	session-keyfile "$d/session.key";
	managed-keys-directory "$d";
	listen-on { none; };
	listen-on-v6 { $DSL_DNS6; };
	recursion no;
	dnssec-validation no;
	allow-query { any; };
};
controls { };
zone "$DSL_ZONE" { type primary; file "$d/$DSL_ZONE.zone"; };
CONF
	cat >"$d/$DSL_ZONE.zone" <<ZONE
\$TTL 30
@	IN SOA	ns.$DSL_ZONE. hostmaster.$DSL_ZONE. ( 1 60 60 600 30 )
	IN NS	ns.$DSL_ZONE.
ns	IN AAAA	$DSL_DNS6
aftr	IN AAAA	$DSL_AFTR6
ZONE
	named-checkconf "$d/named.conf" >>"$T_TMP/named.log" 2>&1 &&
	    named-checkzone -q "$DSL_ZONE" "$d/$DSL_ZONE.zone" || return 1
	# as root (no -u: the files are ours), in the foreground (-g: log
	# to stderr), so that its PID is the one we kill
	# shellcheck disable=SC2046
	bg_in "$NS_GW" "$T_TMP/named.log" $(dsl_confine named) \
	    named -g -c "$d/named.conf"
	wait_for 10 dsl_resolves
}

# dsl_resolves: the B4 resolves the AFTR's name to its address
dsl_resolves() {
	ip netns exec "$NS_B4" getent ahostsv6 "$DSL_AFTR_NAME" |
		grep -q "^$DSL_AFTR6 "
}

# dsl_kea: a stateless DHCPv6 server on gw's B4 link: the AFTR's name
# (option 64) and the DNS server (23) to an Information-Request
dsl_kea() {
	local f=$T_TMP/kea/kea-dhcp6.conf
	mkdir -p "$T_TMP/kea"
	cat >"$f" <<CONF
{ "Dhcp6": {
  "interfaces-config": { "interfaces": [ "b4" ] },
  "lease-database": { "type": "memfile", "persist": false },
  "server-id": { "type": "LL", "persist": false },
  "option-data": [
    { "name": "dns-servers", "data": "$DSL_DNS6" },
    { "name": "aftr-name", "data": "$DSL_AFTR_NAME." }
  ],
  "subnet6": [ { "id": 1, "subnet": "$DSL_PREFIX", "interface": "b4" } ],
  "loggers": [ { "name": "kea-dhcp6",
    "output_options": [ { "output": "stdout" } ], "severity": "INFO" } ]
} }
CONF
	ip netns exec "$NS_GW" kea-dhcp6 -t "$f" >>"$T_TMP/kea.log" 2>&1 ||
		return 1
	# kea binds to the link-local address: past duplicate address
	# detection, else it gives up on the interface
	wait_for 10 dsl_linklocal "$NS_GW" b4 || return 1
	# its pid file and logger lock in $T_TMP, not /run/kea
	# shellcheck disable=SC2046
	KEA_PIDFILE_DIR=$T_TMP/kea KEA_LOCKFILE_DIR=none \
	    bg_in "$NS_GW" "$T_TMP/kea.log" $(dsl_confine kea-dhcp6) \
	    kea-dhcp6 -c "$f"
	wait_for 10 dsl_udp_open "$NS_GW" 547
}

dsl_linklocal() {	# dsl_linklocal NS IFACE: a usable fe80:: address
	ip -n "$1" -6 -o addr show dev "$2" scope link -tentative | grep -q fe80
}

dsl_udp_open() {	# dsl_udp_open NS PORT
	ip netns exec "$1" ss -Huln "sport = :$2" | grep -q .
}

# dsl_radvd: router advertisements on gw's B4 link: the prefix for SLAAC
# (A flag) and the O flag (other configuration by DHCPv6)
dsl_radvd() {
	cat >"$T_TMP/radvd.conf" <<CONF
interface b4 {
	AdvSendAdvert on;
	AdvManagedFlag off;
	AdvOtherConfigFlag on;
	MinRtrAdvInterval 3;
	MaxRtrAdvInterval 10;
	prefix $DSL_PREFIX {
		AdvOnLink on;
		AdvAutonomous on;
	};
};
CONF
	radvd -c -C "$T_TMP/radvd.conf" >>"$T_TMP/radvd.log" 2>&1 || return 1
	bg_in "$NS_GW" "$T_TMP/radvd.log" radvd -n -m stderr \
	    -C "$T_TMP/radvd.conf" -p "$T_TMP/radvd.pid"
}

# dsl_slaac: the B4's global address on wan0 from the advertised prefix,
# past duplicate address detection; in $DSL_B4_ADDR
dsl_slaac() {
	DSL_B4_ADDR=$(ip -n "$NS_B4" -6 -o addr show dev wan0 scope global \
	    -tentative | awk '$4 ~ /^2001:db8:10:/ { sub("/.*", "", $4); print $4; exit }')
	[ -n "$DSL_B4_ADDR" ]
}

# dsl_gw_conf FILE PORT [extra lines]: rpcdstmd on gw, DSTM leases from
# 198.51.100.0/25 and the AFTR with the pool 198.51.100.128/28 for the
# B4s on the B4 link
dsl_gw_conf() {
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
range = 198.51.100.0/25
exclude = 198.51.100.0

[clients]
allow = 2001:db8:1::/64
rate-limit = 0

[gateway]
enable = yes
ifname = dti0
backend = ${BACKEND:-tun}

[aftr]
enable = yes
address = $DSL_AFTR6
allow = $DSL_PREFIX
pool = $DSL_POOL
port-block-size = 512
max-port-blocks-per-b4 = 4
max-sessions-per-b4 = 1024
CONF
	printf '%s\n' "$@" >>"$f"
}

# dsl_b4_learned SOCKET: the B4 (dstmctl -j status) has the AFTR's name
# from DHCPv6 and its address from DNS, and DHCPv6's DNS server
dsl_b4_learned() {
	"$BUILD/dstmctl" -s "$1" -j status 2>/dev/null | python3 -c 'import json, sys
b = json.load(sys.stdin)["b4"]
assert b["aftr_from"] == "dhcpv6", b
assert b["aftr_name"].rstrip(".") == sys.argv[1], b
assert b["aftr_address"] == sys.argv[2], b
assert sys.argv[3] in b["dns_servers"], b' "$DSL_AFTR_NAME" "$DSL_AFTR6" "$DSL_DNS6"
}

# dsl_b4_conf FILE [extra lines]: rpcd as the B4, the AFTR's name from
# DHCPv6 on wan0 (no aftr key), the LAN routed into the tunnel; its
# backend is BACKEND's unless B4_BACKEND says otherwise
dsl_b4_conf() {
	local f=$1
	shift
	cat >"$f" <<CONF
[client]
mode = b4
dhcpv6-interface = wan0
control-socket = $T_TMP/b4.sock
pid-file = $T_TMP/b4.pid
backend = ${B4_BACKEND:-${BACKEND:-tun}}
CONF
	printf '%s\n' "$@" >>"$f"
}
