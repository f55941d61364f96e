#!/usr/bin/env bash
# server_rpc.sh - rpcdstmd on ::1 in a private namespace, real RPC calls
# from many source addresses: alloc, renew, release, affinity, ownership
# (address and lease key), quota, ACL, exhaustion, bad input, UDP and its
# cookie, protocol version 1 refused, control socket, reload, stop.
. "$(dirname "$0")/lib.sh"

make_ns NS srv || { not_ok "create namespace"; finish; exit 1; }
PORT=7545
# client sources: a routed-local /64 lets one process speak as many hosts
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
ip -n "$NS" -6 route add local 2001:db8:77::/64 dev lo
CALL() { ip netns exec "$NS" "$BUILD/tests/dstm_call" -s ::1 -p $PORT "$@"; }
A=2001:db8:99::a
B=2001:db8:99::b
C=2001:db8:99::c

CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT \
	"[pool]" "range = 198.51.100.0/29" "exclude = 198.51.100.0" \
	"[clients]" "allow = 2001:db8:99::/64" "allow = ::1/128" \
	"max-leases-per-client = 1" "rate-limit = 0"
LOG=$T_TMP/server.log
start_server() {
	bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
	SPID=$BG_PID
	wait_for 5 port_open "$NS" $PORT
}
check "rpcdstmd -n accepts the test config" "$BUILD/rpcdstmd" -n -f "$CONF"
start_server
check "server listens on tcp6 ::1" port_open "$NS" $PORT
expect_eq "NULL call" "status ok" "$(CALL null)"

# --- alloc / renew / release and ownership ---
out=$(CALL -b $A alloc)
ADDR_A=$(sed -n 's/.* addr \([0-9.]*\) .*/\1/p' <<<"$out")
case $ADDR_A in 198.51.100.[1-7]) ok "alloc gives a pool address ($ADDR_A)" ;;
	*) not_ok "alloc gives a pool address" "$out" ;; esac
check "lease carries lease 60 t1 30 t2 48" grep -q "lease 60 t1 30 t2 48 " <<<"$out"
check "lease carries TEP ::1, 192.0.0.1, mtu 1460, whole port range" \
	grep -q "tep6 ::1 tep4 192.0.0.1 mtu 1460 ports 0-65535" <<<"$out"
out2=$(CALL -b $A alloc)
expect_eq "a repeated ALLOC returns the same lease" "$ADDR_A" \
	"$(sed -n 's/.* addr \([0-9.]*\) .*/\1/p' <<<"$out2")"
expect_eq "renew by the owner" "status ok" "$(CALL -b $A renew "$ADDR_A" | cut -d' ' -f1-2)"
expect_eq "renew by another client: not-owner" "status not-owner" "$(CALL -b $B renew "$ADDR_A")"
expect_eq "release by another client: not-owner" "status not-owner" "$(CALL -b $B release "$ADDR_A")"
OTHER=0123456789abcdef0123456789abcdef
expect_eq "renew from the owner's address with another key: not-owner" \
	"status not-owner" "$(CALL -b $A -k $OTHER renew "$ADDR_A")"
expect_eq "release from the owner's address with another key: not-owner" \
	"status not-owner" "$(CALL -b $A -k $OTHER release "$ADDR_A")"
expect_eq "... over udp6 too" "status not-owner" \
	"$(CALL -u -b $A -k $OTHER release "$ADDR_A")"
expect_eq "protocol version 1 ALLOC: version-mismatch" "status version-mismatch" \
	"$(CALL -1 -b $A alloc)"
expect_eq "protocol version 1 RELEASE: version-mismatch" "status version-mismatch" \
	"$(CALL -1 -b $A release "$ADDR_A")"
expect_eq "a retransmitted ALLOC with a hint: the same lease" "$ADDR_A" \
	"$(CALL -b $A alloc 198.51.100.7 | sed -n 's/.* addr \([0-9.]*\) .*/\1/p')"
expect_eq "INFO lists the caller's lease" "status ok caller $A pool 7 free 6 leases $ADDR_A" "$(CALL -b $A info)"
expect_eq "release by the owner" "status ok" "$(CALL -b $A release "$ADDR_A")"
expect_eq "release twice: ok again (a retransmission), nothing changes" "status ok" "$(CALL -b $A release "$ADDR_A")"
expect_eq "... and the lease is not bound" "status ok caller $A pool 7 free 7 leases" "$(CALL -b $A info)"
expect_eq "renew after release by someone else: no-such-lease" "status no-such-lease" "$(CALL -b $B renew "$ADDR_A")"
out=$(CALL -b $B alloc)
ADDR_B=$(sed -n 's/.* addr \([0-9.]*\) .*/\1/p' <<<"$out")
if [ -n "$ADDR_B" ] && [ "$ADDR_B" != "$ADDR_A" ]; then
	ok "another client does not get the held address"
else
	not_ok "another client does not get the held address" "$out"
fi
expect_eq "the returning client gets its previous address" "$ADDR_A" \
	"$(CALL -b $A alloc | sed -n 's/.* addr \([0-9.]*\) .*/\1/p')"

# --- bad input: each its own status, nothing changes ---
expect_eq "renew of an address outside the pool: bad-ipv4" "status bad-ipv4" "$(CALL -b $A renew 192.0.2.1)"
expect_eq "strict hint for a taken address: address-unavailable" \
	"status address-unavailable" "$(CALL -b $C alloc "$ADDR_A" strict)"
expect_eq "strict hint for an excluded address: bad-ipv4" \
	"status bad-ipv4" "$(CALL -b $C alloc 198.51.100.0 strict)"
expect_eq "unknown ALLOC flags: bad-request" "status bad-request" "$(CALL -b $C alloc 0.0.0.0 6)"
expect_eq "quota: a second lease (another key) for the same client" "status quota" \
	"$(CALL -b $A -k $OTHER alloc 198.51.100.7)"
out=$(CALL -b $C garbage)
check "undecodable arguments are refused by the RPC layer" grep -qi "decode" <<<"$out"
expect_eq "ACL: a caller outside [clients] allow is denied" "status denied" \
	"$(CALL -b 2001:db8:77::1 alloc)"
expect_eq "server still answers after bad input" "status ok" "$(CALL null)"
expect_eq "no lease was made by the refused requests" \
	"status ok caller $C pool 7 free 5 leases" "$(CALL -b $C info)"

# --- UDP: return routability by cookie ---
out=$(CALL -u -n -b $C alloc)
check "udp6 alloc without a cookie: status cookie, nothing leased" \
	grep -q "^status cookie [0-9a-f]\{32\}$" <<<"$out"
expect_eq "... no lease for C" "status ok caller $C pool 7 free 5 leases" "$(CALL -b $C info)"
COOKIE=${out#status cookie }
expect_eq "a cookie for another address does not do" "status cookie" \
	"$(CALL -u -n -b 2001:db8:99::d -c "$COOKIE" alloc | cut -d' ' -f1-2)"
out=$(CALL -u -n -b $C -c "$COOKIE" alloc)
check "udp6 alloc with the cookie: a lease" grep -q "^status ok addr 198.51.100." <<<"$out"
out=$(CALL -u -b 2001:db8:99::e alloc)
check "alloc over udp6 (cookie round trip)" grep -q "^status ok addr 198.51.100." <<<"$out"

# --- exhaustion ---
for i in 1 2 3 4; do CALL -b 2001:db8:99::10$i alloc >/dev/null; done
expect_eq "pool exhausted" "status pool-exhausted" "$(CALL -b 2001:db8:99::200 alloc)"

# --- control socket ---
mode=$(stat -c %a "$T_TMP/ctl.sock" 2>/dev/null)
expect_eq "control socket mode 600" "600" "$mode"
uaddr="::1.$((PORT / 256)).$((PORT % 256))"
if ip netns exec "$NS" rpcinfo -a "$uaddr" -T tcp6 $((0x20445355)) 1 >/dev/null 2>&1; then
	not_ok "control program is not reachable over tcp6"
else
	ok "control program is not reachable over tcp6"
fi
check "server log says the network control request was refused" \
	grep -q "control request from the network" "$LOG"

# --- reload ---
sed -i 's/^lease-time = 60/lease-time = 120/' "$CONF"
kill -HUP "$SPID"
wait_for 5 grep -q "configuration reloaded" "$LOG"
check "SIGHUP reloads the config" grep -q "configuration reloaded" "$LOG"
CALL -b $A release "$ADDR_A" >/dev/null
check "new lease time applies after reload" grep -q "lease 120 " <<<"$(CALL -b $A alloc)"
echo "[bogus" >>"$CONF"
kill -HUP "$SPID"
wait_for 5 grep -q "reload refused" "$LOG"
check "a bad config is refused on reload" grep -q "reload refused" "$LOG"
expect_eq "the old config stays in force" "status ok" "$(CALL -b $A renew "$ADDR_A" | cut -d' ' -f1-2)"
# a pid file moved by a reload waits for the restart, and the reload
# says so (rpcdstmd.conf(5), RELOAD; daemonized, the old one is the one
# removed at exit)
sed -i '$d' "$CONF"
sed -i "s|^pid-file = .*|pid-file = $T_TMP/moved.pid|" "$CONF"
n=$(grep -c "configuration reloaded" "$LOG")
kill -HUP "$SPID"
wait_for 5 eval '[ "$(grep -c "configuration reloaded" "$LOG")" -gt '"$n"' ]'
check "the reload says pid-file takes effect at restart" \
	grep -q "pid-file, rpcbind, journal-sync .*take effect at restart" "$LOG"

# --- stop ---
kill -TERM "$SPID"
wait "$SPID"
expect_eq "SIGTERM: clean exit" "0" "$?"
check "control socket removed on exit" test ! -e "$T_TMP/ctl.sock"
check "no sanitizer reports in the server log" bash -c "! grep -q 'Sanitizer' '$LOG'"
finish
