#!/usr/bin/env bash
# security.sh - an attacker on the client link (issue 12).  The forger runs
# in its own namespace and prefix (2001:db8:3::30, and 2001:db8:3:1::/64
# routed to it) and writes whole IPv6/UDP packets with the victim's source
# address to a raw socket (tests/forge.py: no dstm code), in protocol
# version 1 (no key) and version 2 (a made-up key).  The victim is rpcd on
# c1 (2001:db8:1::10), bound over tcp6; c2 is another /64.
#
#   1. a forged RELEASE of the victim's lease, then a sweep of the pool,
#      release nothing: server, gateway and rpcd unchanged, traffic flows
#   2. a forged RENEW changes nothing (expiry unchanged)
#   3. dstmctl revoke: rpcd drops the address within 2 s; a forged revoke
#      notice is ignored
#   4. an unprivileged local user on the victim's host cannot release the
#      host's lease with dstmctl -S (nor read rpcd's key)
#   5. 200 forged requests a second with the victim's source do not make
#      the server refuse the victim's own requests (rate-limited)
#   6. a forged ALLOC for a neighbour, and from 300 addresses of the
#      victim's /64, leases nothing
#   7. 300 real tcp6 ALLOCs from 300 addresses of one /64 are held to
#      max-leases-per-prefix while another /64 still leases
#
# Run against binaries from before lease keys (BUILD=...), it must fail:
# the keys of [clients] those do not know are left out of their config.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/lab.sh"

PORT=7551
SRV6=2001:db8:1::1
VICTIM=2001:db8:1::10
QUOTA=8
lab_up || { not_ok "lab up"; finish; exit 1; }
make_ns NS_FG fg || { not_ok "forger namespace"; finish; exit 1; }
lab_link "$NS_FG" eth0 "$NS_GW" fg
ip -n "$NS_FG" -6 addr add 2001:db8:3::30/64 dev eth0 nodad
ip -n "$NS_GW" -6 addr add 2001:db8:3::1/64 dev fg nodad
ip -n "$NS_FG" -6 route add default via 2001:db8:3::1
ip -n "$NS_FG" -6 route add local 2001:db8:3:1::/64 dev lo
ip -n "$NS_GW" -6 route add 2001:db8:3:1::/64 via 2001:db8:3::30
check "forger reaches the server" wait_for 5 \
	ip netns exec "$NS_FG" ping -6 -c1 -W1 $SRV6

# --- the server: the lab's, with the default rate limits and a quota ---
CONF=$T_TMP/rpcdstmd.conf
lab_server_conf "$CONF" $PORT
sed -i 's/^rate-limit = 0$/rate-limit = 20/' "$CONF"
supported() {	# supported PROG SECTION LINE: PROG -n takes the key
	printf '%s\n' "[pool]" "range = 198.51.100.0/24" "[$2]" "$3" \
	    >"$T_TMP/probe.conf"
	[ "$1" = rpcd ] && printf '[client]\n%s\n' "$3" >"$T_TMP/probe.conf"
	"$BUILD/$1" -n -f "$T_TMP/probe.conf" >/dev/null 2>&1
}
if supported rpcdstmd clients "max-leases-per-prefix = $QUOTA"; then
	sed -i "s/^rate-limit = 20$/rate-limit = 20\nprefix-length = 64\nmax-leases-per-prefix = $QUOTA\nprefix-rate-limit = 100/" "$CONF"
else
	echo "# this rpcdstmd has no per-prefix limits"
fi
SLOG=$T_TMP/server.log
bg_in "$NS_GW" "$SLOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
check "server up" wait_for 5 port_open "$NS_GW" $PORT
SRV() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
counter() {
	SRV -j stats | python3 -c 'import json,sys
print(json.load(sys.stdin)["counters"].get(sys.argv[1], 0))' "$1"
}
count_ge() { [ "$(counter "$1")" -ge "$2" ]; }
# "STATE CLIENT EXPIRES" of ADDR in the server's table, "none" if absent
lease_of() {
	SRV -j leases | python3 -c 'import json,sys
for e in json.load(sys.stdin)["leases"]:
    if e["address"] == sys.argv[1]:
        print(e["state"], e["client"], e["expires"]); break
else:
    print("none")' "$1"
}
bound_count() {
	SRV -j leases | python3 -c 'import json,sys
print(sum(e["state"] == "bound" for e in json.load(sys.stdin)["leases"]))'
}
prefix_count() {	# bound leases of clients in a /64 (its first 4 groups)
	SRV -j leases | python3 -c 'import json,sys,ipaddress
p = ipaddress.ip_network(sys.argv[1])
print(sum(e["state"] == "bound" and ipaddress.ip_address(e["client"]) in p
          for e in json.load(sys.stdin)["leases"]))' "$1"
}
FORGE() { ip netns exec "$NS_FG" python3 "$TOP/tests/forge.py" "$@"; }
VERS=$(FORGE probe $SRV6 $PORT)
echo "# the server answers DSTM_PROG version $VERS"
# the forged requests a server counts: both versions, or version 1 only
sent() { read -r v1 v2 <<<"${1#sent }"; echo $((v1 + (VERS >= 2 ? v2 : 0))); }

# --- the victim: rpcd on c1, always mode, tcp6 ---
cat >"$T_TMP/rpcd.conf" <<C
[client]
server = $SRV6
port = $PORT
mode = always
control-socket = $T_TMP/rpcd.sock
pid-file = $T_TMP/rpcd.pid
C
supported rpcd client "key-file = $T_TMP/rpcd.key" &&
	echo "key-file = $T_TMP/rpcd.key" >>"$T_TMP/rpcd.conf"
bg_in "$NS_C1" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd.conf"
RPID=$BG_PID
cli() { "$BUILD/dstmctl" -s "$T_TMP/rpcd.sock" "$@"; }
jget() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
state() { cli -j status 2>/dev/null | jget 'd["state"]'; }
leased() { cli -j status 2>/dev/null | jget 'd["lease"]["address"] if d["lease"] else ""'; }
bound() { [ "$(state)" = bound ]; }
check "victim: rpcd bound" wait_for 10 bound
A1=$(leased)
echo "# victim $VICTIM holds $A1"
ping_ok() { ip netns exec "$NS_C1" ping -c 1 -W 2 203.0.113.10 >/dev/null; }
check "victim: IPv4 through the tunnel" ping_ok
if [ -e "$T_TMP/rpcd.key" ]; then
	expect_eq "victim: rpcd's key file is root's, mode 600" "600 root" \
		"$(stat -c '%a %U' "$T_TMP/rpcd.key")"
fi
# the key file keeps the lease across a crash of rpcd
kill_pid "$RPID" KILL
bg_in "$NS_C1" "$T_TMP/rpcd.log" "$BUILD/rpcd" -d -v -load -f "$T_TMP/rpcd.conf"
RPID=$BG_PID
check "victim: rpcd bound again after kill -9" wait_for 10 bound
expect_eq "... with the same lease (its key was in the file)" "$A1" "$(leased)"
want="bound $VICTIM"
victim_intact() {	# NAME: server, gateway and rpcd as before
	local got
	got=$(lease_of "$A1")
	expect_eq "$1: the server still has $A1 bound to the victim" \
		"$want" "${got% *}"
	expect_eq "$1: rpcd still bound to $A1" "bound $A1" \
		"$(state) $(leased)"
	check "$1: the victim's traffic still flows" ping_ok
	repair "$1"
}
# Where an attack worked (binaries without the defences), give the victim
# a lease again, so the next attack starts from a bound victim too.
repair() {
	local got
	got=$(lease_of "$A1")
	[ "${got% *}" = "$want" ] && bound && [ "$(leased)" = "$A1" ] &&
	    return 0
	cli release >/dev/null 2>&1
	wait_for 10 bash -c "'$BUILD/dstmctl' -s '$T_TMP/rpcd.sock' lease >/dev/null 2>&1"
	wait_for 10 bound
	A1=$(leased)
	echo "# $1 worked: the victim leased again ($A1)"
}

# --- 1. forged RELEASE ---
before=$(counter requests.release)
out=$(FORGE release $VICTIM $SRV6 $PORT "$A1")
n=$(sent "$out")
wait_for 10 count_ge requests.release $((before + n))
echo "# forged RELEASE of $A1: the server counted $(( $(counter requests.release) - before )) of $n"
victim_intact "forged RELEASE of the victim's address"
before=$(counter requests.release)
out=$(FORGE release $VICTIM $SRV6 $PORT 198.51.100.1 198.51.100.254)
n=$(sent "$out")
wait_for 20 count_ge requests.release $((before + n))
echo "# sweep: $out, counted $(( $(counter requests.release) - before ))"
victim_intact "forged RELEASE sweep of the pool"

# --- 2. forged RENEW ---
exp0=$(lease_of "$A1")
exp0=${exp0##* }
s0=$(date +%s)
wait_for 3 bash -c "[ \$(date +%s) -gt $((s0 + 1)) ]"
before=$(counter requests.renew)
out=$(FORGE renew $VICTIM $SRV6 $PORT "$A1")
wait_for 10 count_ge requests.renew $((before + $(sent "$out")))
exp1=$(lease_of "$A1")
expect_eq "forged RENEW: the lease's expiry is unchanged" "$exp0" "${exp1##* }"

# --- 3. revoke reaches the client ---
before=$(cli -j status | jget 'd["counters"].get("notices.ignored", 0)')
FORGE notice $SRV6 $VICTIM "$A1" >/dev/null
ignored() { [ "$(cli -j status | jget 'd["counters"].get("notices.ignored", 0)')" -gt "$before" ]; }
if wait_for 3 ignored; then
	ok "a forged revoke notice is counted and ignored"
else
	not_ok "a forged revoke notice is counted and ignored"
fi
expect_eq "... rpcd stays bound to $A1" "bound $A1" "$(state) $(leased)"
has_a1() { ip -n "$NS_C1" -4 addr show dti0 | grep -q "inet $A1 "; }
gone() { ! has_a1 && [ "$(leased)" != "$A1" ]; }
check "before revoke: $A1 on the victim's dti0" has_a1
t0=$(date +%s%N)
SRV revoke "$A1" >/dev/null
wait_for 10 gone
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
echo "# revoke of $A1: gone from the victim after $ms ms (now: $(state) $(leased))"
if gone && [ $ms -le 2000 ]; then
	ok "revoke: the client drops the address within 2 s ($ms ms)"
else
	not_ok "revoke: the client drops the address within 2 s" "$ms ms"
fi
check "revoke: rpcd leases again (another address)" wait_for 10 bound
A1=$(leased)
repair "revoke"


# --- 4. an unprivileged user on the victim's host ---
PRIV=$(mktemp -d /tmp/dstm-priv.XXXXXX)
chmod 755 "$PRIV"
cp "$BUILD/dstmctl" "$PRIV/"
AS_NOBODY() { ip netns exec "$NS_C1" setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$@"; }
AS_NOBODY "$PRIV/dstmctl" -S $SRV6 -p $PORT release "$A1" >"$T_TMP/user.out" 2>&1
urc=$?
echo "# nobody: dstmctl -S release $A1: exit $urc: $(head -c 200 "$T_TMP/user.out")"
expect_eq "an unprivileged user's dstmctl -S release of the host's lease is refused" \
	1 "$urc"
if [ -e "$T_TMP/rpcd.key" ]; then
	cp "$T_TMP/rpcd.key" "$PRIV/key.copy" && chmod 600 "$PRIV/key.copy"
	if AS_NOBODY cat "$PRIV/key.copy" >/dev/null 2>&1; then
		not_ok "an unprivileged user cannot read rpcd's key file (mode 600)"
	else
		ok "an unprivileged user cannot read rpcd's key file (mode 600)"
	fi
fi
rm -rf "$PRIV"
victim_intact "after the local user's release"


# --- 5. forged requests at 200/s with the victim's source ---
FORGE flood $VICTIM $SRV6 $PORT 200 4 >"$T_TMP/flood.out" &
FPID=$!
T_PIDS+=("$FPID")
rl0=$(counter replies.rate_limited)
wait_for 3 bash -c "[ \$('$BUILD/dstmctl' -s '$T_TMP/ctl.sock' stats | awk '\$1 == \"replies.rate_limited\" { print \$2 }') -gt $rl0 ]"
served=0 refused=0
for i in 1 2 3 4 5; do
	if cli renew >/dev/null 2>&1 && bound; then
		served=$((served + 1))
	else
		refused=$((refused + 1))
	fi
	out=$(ip netns exec "$NS_C1" "$BUILD/tests/dstm_call" -s $SRV6 \
	    -p $PORT -b $VICTIM info | cut -d' ' -f1-2)
	[ "$out" = "status ok" ] && served=$((served + 1)) ||
		refused=$((refused + 1))
done
wait "$FPID"
echo "# forger: $(cat "$T_TMP/flood.out"); the server rate-limited $(( $(counter replies.rate_limited) - rl0 )) requests"
echo "# the victim's own RENEW (rpcd) and INFO during the flood: $served served, $refused refused"
expect_eq "a forger at 200/s does not get the victim's own requests refused" \
	"10 0" "$served $refused"
victim_intact "after the forged flood"


# --- 6. forged ALLOC ---
NEIGHBOUR=2001:db8:1::99
b0=$(bound_count)
before=$(counter requests.alloc)
out=$(FORGE alloc 2001:db8:1:: 0x99 1 $SRV6 $PORT)
wait_for 10 count_ge requests.alloc $((before + $(sent "$out")))
expect_eq "forged ALLOC for a neighbour: no lease for it" "0" \
	"$(SRV -j leases | python3 -c 'import json,sys
print(sum(e["client"] == sys.argv[1] for e in json.load(sys.stdin)["leases"]))' $NEIGHBOUR)"
before=$(counter requests.alloc)
out=$(FORGE alloc 2001:db8:1:: 0x1000 300 $SRV6 $PORT)
wait_for 20 count_ge requests.alloc $((before + $(sent "$out")))
after=$(bound_count)
echo "# 300 forged ALLOCs across the victim's /64: bound $b0 -> $after"
expect_eq "forged ALLOCs from 300 addresses of the victim's /64: no lease" \
	"$b0" "$after"


# what the forged ALLOCs leased (binaries without cookies): revoked, so
# that the next attack starts from the same pool
for a in $(SRV -j leases | python3 -c 'import json,sys
for e in json.load(sys.stdin)["leases"]:
    if e["state"] == "bound" and e["client"] != sys.argv[1]:
        print(e["address"])' $VICTIM); do
	SRV revoke "$a" >/dev/null
done

# --- 7. one /64 floods with real tcp6 ALLOCs ---
out=$(FORGE tcpalloc 2001:db8:3:1:: 0x100 300 $SRV6 $PORT)
held=$(prefix_count 2001:db8:3:1::/64)
echo "# tcp6 flood from 300 addresses of 2001:db8:3:1::/64: $out, bound $held"
if [ "$held" -le $QUOTA ]; then
	ok "a /64 flood holds at most max-leases-per-prefix ($held <= $QUOTA)"
else
	not_ok "a /64 flood holds at most max-leases-per-prefix" "$held leases"
fi
out=$(ip netns exec "$NS_C2" "$BUILD/tests/dstm_call" -s $SRV6 -p $PORT \
	-b 2001:db8:2::20 alloc)
check "another /64 still leases after the flood" \
	grep -q '^status ok addr ' <<<"$out"


kill_pid "$RPID"
kill -TERM "$SPID"
wait "$SPID"
expect_eq "server: clean exit" 0 "$?"
check "no sanitizer reports" bash -c "! grep -q Sanitizer '$T_TMP'/*.log"
finish
