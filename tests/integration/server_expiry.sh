#!/usr/bin/env bash
# server_expiry.sh - the lease clock: with the shortest lease time (10 s)
# and a short hold, a lease that is not renewed expires into "held" (not
# before its time), is kept from other clients while free addresses
# remain, can be renewed late by its owner, and is free for anyone when
# the hold ends; a renewed lease outlives its first expiry.  Counters
# leases.expired and leases.hold_ended follow.  Takes about 20 s.
. "$(dirname "$0")/lib.sh"

make_ns NS expiry || { not_ok "create namespace"; finish; exit 1; }
PORT=7548
LEASE=10	# the minimum lease-time (server/conf.c MIN_LEASE_TIME)
HOLD=4
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
CALL() { ip netns exec "$NS" "$BUILD/tests/dstm_call" -s ::1 -p $PORT "$@"; }
CTL() { "$BUILD/dstmctl" -s "$T_TMP/ctl.sock" "$@"; }
A=2001:db8:99::a
B=2001:db8:99::b
C=2001:db8:99::c
D=2001:db8:99::d
E=2001:db8:99::e

CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT \
	"[pool]" "range = 198.51.100.0/29" "exclude = 198.51.100.0" \
	"[clients]" "allow = 2001:db8:99::/64" "rate-limit = 0"
sed -i "s/^lease-time = .*/lease-time = $LEASE/; s/^hold-time = .*/hold-time = $HOLD/" \
	"$CONF"
LOG=$T_TMP/server.log
bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 10 port_open "$NS" $PORT
check "server up with lease-time $LEASE, hold-time $HOLD" port_open "$NS" $PORT

now() { date +%s.%N; }
elapsed_ge() {	# elapsed_ge T0 SECONDS: at least SECONDS since T0
	python3 -c 'import sys,time; sys.exit(time.time() - float(sys.argv[1])
	    < float(sys.argv[2]))' "$1" "$2"
}
addr_of() { sed -n 's/.* addr \([0-9.]*\) .*/\1/p'; }
# lease ADDR FIELD: a field of ADDR's entry in dstmctl -j leases, or
# "absent" when ADDR is not listed (free)
lease() {
	CTL -j leases | python3 -c 'import json,sys
d = json.load(sys.stdin)
l = [x for x in d["leases"] if x["address"] == sys.argv[1]]
print(l[0][sys.argv[2]] if l else "absent")' "$1" "$2"
}
state_is() { [ "$(lease "$1" state)" = "$2" ]; }
expires_in_le() { local v; v=$(lease "$1" expires_in); [ "$v" -le "$2" ]; }
counter() {
	CTL -j stats | python3 -c 'import json,sys
print(json.load(sys.stdin)["counters"][sys.argv[1]])' "$1"
}
pool() {
	CTL -j pool | python3 -c 'import json,sys
print(json.load(sys.stdin)[sys.argv[1]])' "$1"
}

# --- three leases at once; one will be renewed ---
t0=$(now)
a=$(CALL -b $A alloc | addr_of)
d=$(CALL -b $D alloc | addr_of)
e=$(CALL -b $E alloc | addr_of)
if [ -n "$a" ] && [ -n "$d" ] && [ -n "$e" ]; then
	ok "three leases: $a $d $e"
else
	not_ok "three leases" "a=$a d=$d e=$e"
	finish
	exit 1
fi
expect_eq "all bound" "bound bound bound" \
	"$(lease "$a" state) $(lease "$d" state) $(lease "$e" state)"
v=$(lease "$a" expires_in)
if [ -n "$v" ] && [ "$v" -le $LEASE ] && [ "$v" -ge $((LEASE - 5)) ]; then
	ok "expires_in is the lease time ($v)"
else
	not_ok "expires_in is the lease time" "got $v"
fi
expect_eq "leases.expired starts at 0" 0 "$(counter leases.expired)"

# renew d past the half of its lease: it must outlive the others
wait_for $LEASE expires_in_le "$a" $((LEASE / 2))
t_renew=$(now)
out=$(CALL -b $D renew "$d")
check "renew after T1: lease $LEASE again" grep -q "^status ok addr $d lease $LEASE " <<<"$out"
ea=$(lease "$a" expires)
ed=$(lease "$d" expires)
if [ $((ed - ea)) -ge $((LEASE / 2 - 1)) ]; then
	ok "the renewed lease expires later ($((ed - ea)) s)"
else
	not_ok "the renewed lease expires later" "a $ea, d $ed"
fi

# --- expiry: bound -> held ---
if wait_for $((LEASE + 5)) state_is "$a" held; then
	ok "a lease that is not renewed moves to held"
else
	not_ok "a lease that is not renewed moves to held" \
	    "state $(lease "$a" state)"
fi
t_held=$(now)
check "not before its lease time ($LEASE s, 1 s granularity)" \
	elapsed_ge "$t0" $((LEASE - 1))
wait_for 3 state_is "$e" held
check "the other unrenewed lease is held too" state_is "$e" held
check "the renewed lease is still bound after the first expiry" \
	state_is "$d" bound
expect_eq "leases.expired counts both" 2 "$(counter leases.expired)"
check "the server logs the expiry" grep -q "lease $a of $A expired" "$LOG"
v=$(lease "$a" expires_in)
if [ "$v" -le $HOLD ]; then
	ok "held: expires_in is what is left of the hold ($v)"
else
	not_ok "held: expires_in is what is left of the hold" "got $v"
fi
expect_eq "held: still shows its client" "$A" "$(lease "$a" client)"
expect_eq "INFO: a held lease is not the client's lease (held counts as free)" \
	"status ok caller $A pool 7 free 6 leases" "$(CALL -b $A info)"

# --- the hold: other clients get other addresses ---
b=$(CALL -b $B alloc | addr_of)
case " $a $d $e " in
*" $b "*) not_ok "a new client does not get a held address" "got $b" ;;
*) [ -n "$b" ] && ok "a new client does not get a held address ($b)" ||
	not_ok "a new client does not get a held address" "no lease" ;;
esac
expect_eq "a held address asked for strictly by another client" \
	"status address-unavailable" "$(CALL -b $C alloc "$a" strict)"
expect_eq "pool: two held" 2 "$(pool held)"
out=$(CALL -b $E renew "$e")
check "a late renew by the owner binds the held lease again" \
	grep -q "^status ok addr $e lease $LEASE " <<<"$out"
check "... and it is bound" state_is "$e" bound
expect_eq "renew of a held lease by another client: no-such-lease" \
	"status no-such-lease" "$(CALL -b $C renew "$a")"
expect_eq "pool: held 1, bound 3" "1 3" "$(pool held) $(pool bound)"

# --- the hold ends: free for anyone ---
if wait_for $((HOLD + 5)) state_is "$a" absent; then
	ok "after the hold the address is free (not listed)"
else
	not_ok "after the hold the address is free" "state $(lease "$a" state)"
fi
check "not before the hold time ($HOLD s)" elapsed_ge "$t_held" $((HOLD - 1))
expect_eq "leases.hold_ended" 1 "$(counter leases.hold_ended)"
# d (renewed half a lease in) may expire into held meanwhile on a loaded
# machine, even between two queries: the pool counts exactly the held
# leases it lists, read until two reads agree
held_listed() { CTL -j leases | python3 -c 'import json,sys
print(sum(1 for x in json.load(sys.stdin)["leases"] if x["state"] == "held"))'; }
held_agree() { [ "$(held_listed)" = "$(pool held)" ]; }
check "pool: $a no longer held (held = the held leases listed)" \
	wait_for 3 held_agree
check "... and $a is not among them" test "$(lease "$a" state)" = absent
out=$(CALL -b $C alloc "$a" strict)
check "another client gets the address now" grep -q "^status ok addr $a " <<<"$out"

# --- the renewed lease expires at its new time ---
if wait_for $((LEASE + 5)) state_is "$d" held; then
	ok "the renewed lease expires in the end"
else
	not_ok "the renewed lease expires in the end" "state $(lease "$d" state)"
fi
check "... not before lease-time after the renewal" \
	elapsed_ge "$t_renew" $((LEASE - 1))
expect_eq "leases.expired" 3 "$(counter leases.expired)"
check "the expired lease is gone from its client's INFO" \
	grep -q "leases$" <<<"$(CALL -b $D info)"

kill -TERM "$SPID"
wait "$SPID"
expect_eq "SIGTERM: clean exit" 0 "$?"
check "no sanitizer reports in the server log" bash -c "! grep -q 'Sanitizer' '$LOG'"
finish
