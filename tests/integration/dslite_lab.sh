#!/usr/bin/env bash
# BACKENDS: tun bpf
# tests/integration/dslite_lab.sh - the DS-lite lab of make demo-dslite
# end to end, with the real servers (tests/lab_dslite.sh): radvd's RA
# with the O flag, SLAAC on the B4, kea-dhcp6 answering the
# Information-Request with the AFTR's name (option 64), bind9 resolving
# it; rpcd mode b4 with no aftr key learns the name from DHCPv6 and
# tunnels to rpcdstmd's AFTR; the home LAN's host pings and sends TCP to
# the IPv4 host, which sees an address of the AFTR's pool; the AFTR
# lists the B4, its session and its port block; a DSTM client leases
# from the same gateway meanwhile; then the B4 NATs its LAN itself
# (b4-nat, as the user's home gateway does) and the AFTR sees 192.0.0.2.
#
# Skipped (1..0 # SKIP) only when bind9, kea-dhcp6-server or radvd are
# not installed and cannot be (no network, not Debian); with CI=true
# that is a failure.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"
. "$TOP/tests/lab_dslite.sh"

PORT=7561
if [ -n "$(dsl_missing)" ]; then
	dsl_deps >"$T_TMP/deps.log" 2>&1
	if [ -n "$(dsl_missing)" ]; then
		why="cannot install $(dsl_missing | tr '\n' ' ')($(tail -n 1 "$T_TMP/deps.log"))"
		if [ "${CI:-}" = true ]; then
			not_ok "the DS-lite lab's packages" "$why"
			finish
			exit 1
		fi
		echo "1..0 # SKIP $why"
		exit 0
	fi
fi

check "namespaces and links" dsl_up
srv() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }

# ---- the B4's link: RA, SLAAC, stateless DHCPv6; the name in DNS ----
check "radvd starts on the B4 link" dsl_radvd
check "kea-dhcp6 listens on the B4 link" dsl_kea
ip netns exec "$NS_B4" python3 "$TOP/tests/dhcp6q.py" --ra wan0 12 >"$T_TMP/ra.json" 2>&1
check "the B4 hears an RA with the O flag and an autonomous prefix" \
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
assert r["other"] and not r["managed"], r
assert {"prefix": "2001:db8:10::/64", "onlink": True, "autonomous": True} in r["prefixes"], r' "$T_TMP/ra.json"
check "the B4's SLAAC address" wait_for 10 dsl_slaac
ip netns exec "$NS_B4" python3 "$TOP/tests/dhcp6q.py" wan0 2 3 >"$T_TMP/dhcp6.json" 2>&1
check "kea's Reply: option 64 = $DSL_AFTR_NAME., option 23 = $DSL_DNS6" \
	python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
assert r["aftr_name"] == sys.argv[2] + "." and r["dns_servers"] == [sys.argv[3]], r' \
	"$T_TMP/dhcp6.json" "$DSL_AFTR_NAME" "$DSL_DNS6"
check "bind9 resolves $DSL_AFTR_NAME to $DSL_AFTR6 for the B4" dsl_named

# ---- the AFTR and the B4 ----
dsl_gw_conf "$T_TMP/rpcdstmd.conf" $PORT
bg_in "$NS_GW" "$T_TMP/rpcdstmd.log" "$BUILD/rpcdstmd" -d -f "$T_TMP/rpcdstmd.conf"
check "rpcdstmd with [aftr] listens" wait_for 5 port_open "$NS_GW" $PORT
dsl_b4_conf "$T_TMP/b4.conf"
bg_in "$NS_B4" "$T_TMP/b4.log" "$BUILD/rpcd" -d -f "$T_TMP/b4.conf"
B4_PID=$BG_PID
b4_up() { ip -n "$NS_B4" -4 addr show dev dti0 2>/dev/null |
    grep -q 'inet 192.0.0.2 peer 192.0.0.1/32'; }
check "the B4's dti0: 192.0.0.2 peer 192.0.0.1" wait_for 15 b4_up
check "the B4's IPv4 default route is dti0" \
	bash -c "ip -n '$NS_B4' -4 route show default | grep -q 'dev dti0'"
check "the B4 learned the AFTR's name from DHCPv6 and its address from DNS" \
	dsl_b4_learned "$T_TMP/b4.sock"

# ---- traffic from the home LAN ----
check "the LAN host pings the IPv4 host through the B4 and the AFTR" \
	ip netns exec "$NS_LAN" ping -c 3 -i 0.2 -W 2 $DSL_V4_HOST
ip netns exec "$NS_V4" python3 "$TOP/tests/tcpxfer.py" server $DSL_V4_HOST 8080 10 >"$T_TMP/rx" &
RX=$!
T_PIDS+=("$RX")
listening() { ip netns exec "$NS_V4" ss -Htln "sport = :8080" | grep -q .; }
wait_for 5 listening
ip netns exec "$NS_LAN" python3 "$TOP/tests/tcpxfer.py" client $DSL_V4_HOST 8080 524288 10 >"$T_TMP/tx" 2>&1
wait "$RX"
SUM_TX='' PEER='' GOT='' SUM_RX=''
read -r _ _ _ SUM_TX _ <"$T_TMP/tx"
read -r _ PEER _ GOT _ SUM_RX <"$T_TMP/rx"
expect_eq "512 KB over TCP from the LAN host arrive intact" "524288 $SUM_TX" "${GOT:-0} $SUM_RX"
check "the IPv4 host saw a source in the AFTR's pool $DSL_POOL (got ${PEER:-none})" \
	python3 -c 'import ipaddress,sys
assert ipaddress.ip_address(sys.argv[1]) in ipaddress.ip_network(sys.argv[2])' "${PEER:-0.0.0.0}" $DSL_POOL

# ---- the AFTR's tables ----
srv -j aftr b4s >"$T_TMP/b4s.json" 2>&1
check "dstmctl aftr b4s lists the B4 $DSL_B4_ADDR" grep -q "$DSL_B4_ADDR" "$T_TMP/b4s.json"
srv -j aftr sessions >"$T_TMP/sessions.json" 2>&1
check "dstmctl aftr sessions: the B4's session from $DSL_LAN_HOST" \
	bash -c "grep -q '$DSL_B4_ADDR' '$T_TMP/sessions.json' && grep -q '$DSL_LAN_HOST' '$T_TMP/sessions.json'"
srv -j aftr port-blocks >"$T_TMP/blocks.json" 2>&1
check "dstmctl aftr port-blocks: a block of the pool for the B4" \
	bash -c "grep -q '$DSL_B4_ADDR' '$T_TMP/blocks.json' && grep -q '198.51.100.1[2-4][0-9]' '$T_TMP/blocks.json'"

# ---- a DSTM lease from the same gateway at the same time ----
cat >"$T_TMP/rpcd.conf" <<CONF
[client]
server = 2001:db8:1::1
port = $PORT
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
key-file = $T_TMP/rpcd.key
backend = $BACKEND
CONF
bg_in "$NS_C1" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -load -f "$T_TMP/rpcd.conf"
bound() { "$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" -j status 2>/dev/null | grep -q '"state":"bound"'; }
check "a DSTM client leases from the AFTR's gateway" wait_for 10 bound
check "the DSTM client pings the IPv4 host" \
	ip netns exec "$NS_C1" ping -c 2 -i 0.2 -W 2 $DSL_V4_HOST

# ---- the user's home gateway NATs its LAN (b4-nat): one more NAT ----
kill_pid "$B4_PID"
dsl_b4_conf "$T_TMP/b4.conf" "b4-nat = yes"
bg_in "$NS_B4" "$T_TMP/b4.log" "$BUILD/rpcd" -d -f "$T_TMP/b4.conf"
check "the B4 with b4-nat = yes is up again" wait_for 15 b4_up
check "the LAN host pings through both NATs" \
	ip netns exec "$NS_LAN" ping -c 2 -i 0.2 -W 2 $DSL_V4_HOST
srv -j aftr sessions >"$T_TMP/sessions2.json" 2>&1
check "the AFTR's new session has the B4's own address 192.0.0.2 inside" \
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["sessions"]
assert any(x["b4"] == sys.argv[2] and x["protocol"] == "icmp" and
           x["inside_address"] == "192.0.0.2" for x in s), s' \
	"$T_TMP/sessions2.json" "$DSL_B4_ADDR"

if [ "$T_FAILED" -gt 0 ]; then
	for f in rpcdstmd b4 kea named radvd; do
		echo "# --- $f.log"
		tail -n 8 "$T_TMP/$f.log" 2>/dev/null | sed 's/^/# /'
	done
fi
finish
