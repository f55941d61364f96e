#!/usr/bin/env bash
# dstmctl.sh - dstmctl against a real rpcdstmd: leases, pool and stats in
# text and JSON (parsed, fields checked), operator leases (static and
# timed) seen from the client side, revoke, reload (and a broken config
# named by file:line), the client protocol commands with -S over tcp6 and
# udp6, and the exit codes scripts rely on: 0 ok, 1 refused, 2 usage,
# 3 unreachable (under -j with a JSON error object on stdout).  Every -j
# output is checked against its documented keys (tests/json_schema.py).
# Lease filters and paging, stats --reset, OpenMetrics (tests/om_check.py),
# config (round trip through -n), --version of every program, counters
# kept across a restart.  Then a fake control server that sends hostile
# strings (dstmctl must escape them) and plays an older daemon without
# LEASE_QUERY.
. "$(dirname "$0")/lib.sh"

make_ns NS ctl || { not_ok "create namespace"; finish; exit 1; }
PORT=7550
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo
A=2001:db8:99::a
B=2001:db8:99::b
S=2001:db8:99::5
S2=2001:db8:99::6
SOCK=$T_TMP/ctl.sock
CTL() { "$BUILD/dstmctl" -s "$SOCK" "$@"; }
NET() { ip netns exec "$NS" "$BUILD/dstmctl" -S ::1 -p $PORT "$@"; }
CALL() { ip netns exec "$NS" "$BUILD/tests/dstm_call" -s ::1 -p $PORT "$@"; }
addr_of() { sed -n 's/.* addr \([0-9.]*\) .*/\1/p'; }
# jcheck NAME 'python assertions on d' JSON [ARGS]: the JSON parses and
# passes (ARGS from sys.argv[3])
jcheck() {
	local name=$1 expr=$2 json=$3
	shift 3
	if python3 -c 'import json,sys
d = json.loads(sys.argv[2])
exec(sys.argv[1])' "$expr" "$json" "$@" >"$T_TMP/py.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(tail -n 3 "$T_TMP/py.out" | tr '\n' ' ') in: ${json:0:400}"
	fi
}
# run CMD...: stdout in $OUT, stderr in $ERR, exit status in $RC; under
# -j the output is checked against its schema (tests/json_schema.py),
# failures collected for one check at the end
SCHEMA_N=0
SCHEMA_BAD=()
run() {
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
	case " $* " in
	*" -j "*|*" -jj "*)
		SCHEMA_N=$((SCHEMA_N + 1))
		python3 "$TOP/tests/json_schema.py" --exit "$RC" \
		    <"$T_TMP/out" 2>"$T_TMP/schema.err" ||
			SCHEMA_BAD+=("[$*] exit $RC: $(head -c 300 "$T_TMP/schema.err" | tr '\n' ' ') in ${OUT:0:200}")
		;;
	esac
}
# expect_exit NAME CODE STDERR-REGEX CMD...: exit status CODE and a
# message on stderr matching the regex
expect_exit() {
	local name=$1 code=$2 re=$3
	shift 3
	run "$@"
	if [ "$RC" -eq "$code" ] && grep -Eq -- "$re" <<<"$ERR"; then
		ok "$name"
	else
		not_ok "$name" "exit $RC (want $code), stderr '$ERR'"
	fi
}

CONF=$T_TMP/rpcdstmd.conf
server_conf "$CONF" $PORT \
	"[pool]" "range = 198.51.100.0/29" "range = 203.0.113.8-203.0.113.11" \
	"exclude = 198.51.100.0" \
	"[clients]" "allow = 2001:db8:99::/64" "allow = ::1/128" \
	"rate-limit = 0"
LOG=$T_TMP/server.log
bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 10 port_open "$NS" $PORT
check "server up" port_open "$NS" $PORT
check "dstmctl ping (control socket)" CTL ping

# --- an empty server ---
run CTL leases
expect_eq "leases, empty: text" "0 no leases" "$RC $OUT"
run CTL -j leases
jcheck "leases, empty: JSON" '
import time
assert d["command"] == "leases" and d["status"] == "ok" and d["code"] == 0
assert d["leases"] == [] and d["truncated"] is False
assert abs(d["now"] - time.time()) < 30, d["now"]' "$OUT"
run CTL pool
expect_eq "pool: text summary line" \
	"12 addresses in 2 ranges: 11 free, 0 bound, 0 held, 1 excluded (0.0% in use)" \
	"$(head -n 1 <<<"$OUT")"
expect_eq "pool: text table, one row per range" \
	"198.51.100.0/29 8 7 0 0 1|203.0.113.8/30 4 4 0 0 0" \
	"$(awk '$1 ~ /^[0-9]+\.[0-9.\/]+$/ { print $1, $2, $3, $4, $5, $6 }' <<<"$OUT" |
	paste -sd'|' -)"
run CTL -j pool
jcheck "pool: JSON totals and ranges" '
assert (d["size"], d["free"], d["bound"], d["held"], d["excluded"]) == \
    (12, 11, 0, 0, 1), d
r = d["ranges"]
assert len(r) == 2
assert r[0] == {"range": "198.51.100.0/29", "first": "198.51.100.0",
    "last": "198.51.100.7", "size": 8, "free": 7, "bound": 0, "held": 0,
    "excluded": 1}, r[0]
assert r[1] == {"range": "203.0.113.8/30", "first": "203.0.113.8",
    "last": "203.0.113.11", "size": 4, "free": 4, "bound": 0, "held": 0,
    "excluded": 0}, r[1]' "$OUT"
run CTL stats
check "stats: text has uptime and the counters" \
	grep -Eq "^uptime +[0-9]+s$" <<<"$OUT"
check "stats: text counter lines are 'name  value'" \
	grep -Eq "^replies\.rate_limited +0$" <<<"$OUT"
run CTL -j stats
jcheck "stats: JSON counters by name" '
c = d["counters"]
for k in ("requests.alloc", "requests.renew", "requests.release",
          "requests.info", "replies.ok", "replies.rate_limited",
          "leases.expired", "leases.hold_ended", "leases.revoked",
          "journal.commits", "config.reloads", "control.requests"):
    assert isinstance(c[k], int), k
assert c["requests.alloc"] == 0 and d["uptime"] >= 0' "$OUT"
run CTL -jj pool
jcheck "-jj: indented JSON parses to the same object" \
	'assert d["size"] == 12 and "\n  " in sys.argv[2]' "$OUT"

# --- leases made by clients ---
a=$(CALL -b $A alloc | addr_of)
b=$(CALL -b $B alloc | addr_of)
CALL -b $B release "$b" >/dev/null
run CTL leases
expect_eq "leases: text rows (address, state, client)" \
	"$a bound $A|$b held $B" \
	"$(awk 'NR > 1 && $1 ~ /^[0-9]+\.[0-9.\/]+$/ { print $1, $2, $3 }' <<<"$OUT" |
	paste -sd'|' -)"
check "leases: text EXPIRES column is a duration" \
	grep -Eq "^$a +bound +$A +([0-9]+m)?[0-9]+s +0 +0 B +0 +0 B +-$" <<<"$OUT"
expect_eq "leases: text summary" "2 leases: 1 bound, 0 static, 1 held" \
	"$(tail -n 1 <<<"$OUT")"
run CTL -j leases
jcheck "leases: JSON entries" '
l = {x["address"]: x for x in d["leases"]}
a, b = l["'"$a"'"], l["'"$b"'"]
assert len(l) == 2
assert a["state"] == "bound" and a["client"] == "'"$A"'"
assert 50 <= a["expires_in"] <= 60 and a["expires"] - d["now"] == a["expires_in"]
assert abs(a["since"] - d["now"]) < 30
assert b["state"] == "held" and b["client"] == "'"$B"'"
assert 0 <= b["expires_in"] <= 30
for k in ("pkts_in", "bytes_in", "pkts_out", "bytes_out"):
    assert a[k] == 0, k
assert a["last_seen"] is None' "$OUT"
run CTL -j pool
jcheck "pool: JSON counts follow" '
assert (d["free"], d["bound"], d["held"]) == (9, 1, 1), d
assert (d["ranges"][0]["bound"], d["ranges"][0]["held"]) == (1, 1)' "$OUT"
run CTL -j stats
jcheck "stats: JSON counts the requests" '
c = d["counters"]
assert (c["requests.alloc"], c["requests.release"], c["replies.ok"]) == \
    (2, 1, 3), c' "$OUT"

# --- operator leases ---
run CTL lease --for $S --addr 198.51.100.5 --time 0
if [ "$RC" -eq 0 ] && grep -q "^lease time  never expires (static)$" <<<"$OUT"; then
	ok "lease --for --addr --time 0: a static lease"
else
	not_ok "lease --for --addr --time 0: a static lease" "exit $RC: $OUT $ERR"
fi
run CTL -j leases
jcheck "leases: the static lease (no expiry)" '
l = [x for x in d["leases"] if x["address"] == "198.51.100.5"][0]
assert l["state"] == "static" and l["client"] == "'"$S"'", l
assert l["expires"] is None and l["expires_in"] is None, l' "$OUT"
run CTL leases
check "leases: text shows static, never" \
	grep -Eq "^198\.51\.100\.5 +static +$S +never " <<<"$OUT"
expect_eq "the client renews its static lease: infinite lease time" \
	"status ok addr 198.51.100.5 lease 4294967295 t1 4294967295 t2 4294967295" \
	"$(CALL -b $S renew 198.51.100.5 | cut -d' ' -f1-10)"
expect_eq "the client's ALLOC returns its static lease" \
	"status ok addr 198.51.100.5 lease 4294967295" \
	"$(CALL -b $S alloc | cut -d' ' -f1-6)"
expect_eq "the client cannot release a static lease" "status not-owner" \
	"$(CALL -b $S release 198.51.100.5)"
run CTL -j lease --for=$S2 --time 2m
jcheck "lease --time 2m: a timed lease (JSON)" '
assert d["status"] == "ok" and d["static"] is False
assert (d["lease_time"], d["t1"], d["t2"]) == (120, 60, 96), d
assert d["tep6"] == "::1" and d["tep4"] == "192.0.0.1" and d["mtu"] == 1460' "$OUT"
s2=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["address"])' "$OUT")
run CTL -j lease --for 2001:db8:99::7
jcheck "lease without --time: static" \
	'assert d["static"] is True and d["lease_time"] == 4294967295' "$OUT"
expect_exit "lease of an address leased to another: exit 1" 1 \
	"address unavailable" CTL lease --for 2001:db8:99::8 --addr "$a"
expect_exit "lease of an address outside the pool: exit 1" 1 \
	"bad IPv4" CTL lease --for 2001:db8:99::8 --addr 192.0.2.1

# --- revoke ---
run CTL revoke 198.51.100.5
expect_eq "revoke the static lease: exit 0 and the server's message" \
	"0 revoked 198.51.100.5 from $S" "$RC $OUT"
run CTL -j leases
jcheck "revoked: gone from the lease table" \
	'assert "198.51.100.5" not in [x["address"] for x in d["leases"]]' "$OUT"
expect_eq "the client's renew after revoke: no-such-lease" \
	"status no-such-lease" "$(CALL -b $S renew 198.51.100.5)"
expect_exit "revoke of a free address: exit 1 with a message" 1 \
	"^dstmctl: revoke: no such lease \(198\.51\.100\.5 has no bound lease\)$" \
	CTL revoke 198.51.100.5
expect_eq "... and nothing on stdout" "" "$OUT"
run CTL -j revoke 198.51.100.5
jcheck "revoke of a free address: JSON refusal on stdout (exit 1)" '
assert sys.argv[3] == "1"
assert d["command"] == "revoke" and d["status"] == "no-such-lease"
assert d["code"] == 7 and d["message"] == "no such lease"
assert d["detail"] == "198.51.100.5 has no bound lease"' "$OUT" "$RC"
expect_exit "revoke of an address outside the pool: exit 1" 1 \
	"not in the pool" CTL revoke 192.0.2.1
expect_exit "revoke of a held lease: exit 1 (only bound and static)" 1 \
	"no bound lease" CTL revoke "$b"
run CTL revoke "$s2"
expect_eq "revoke a timed operator lease" "0 revoked $s2 from $S2" "$RC $OUT"
run CTL -j stats
jcheck "leases.revoked counts both" \
	'assert d["counters"]["leases.revoked"] == 2, d["counters"]' "$OUT"

# --- usage errors: exit 2, a message, nothing on stdout ---
usage() {	# usage NAME ARGS...
	local name=$1
	shift
	run "$BUILD/dstmctl" "$@"
	if [ "$RC" -eq 2 ] && [ -z "$OUT" ] && grep -q "^dstmctl: " <<<"$ERR"
	then
		ok "usage error, exit 2: $name"
	else
		not_ok "usage error, exit 2: $name" "exit $RC, stdout '$OUT', stderr '$ERR'"
	fi
}
usage "unknown command" -s "$SOCK" frobnicate
usage "unknown option" -s "$SOCK" --frobnicate pool
usage "revoke without an address" -s "$SOCK" revoke
usage "revoke of a malformed address" -s "$SOCK" revoke 198.51.100.256
usage "revoke with two addresses" -s "$SOCK" revoke 198.51.100.1 198.51.100.2
usage "an argument to leases" -s "$SOCK" leases all
usage "lease --time under the server's floor" -s "$SOCK" lease --for $S --time 5
usage "lease --time not a duration" -s "$SOCK" lease --for $S --time soon
usage "lease --for a multicast address" -s "$SOCK" lease --for ff02::1
usage "lease --for a malformed address" -s "$SOCK" lease --for 2001:db8::zz
usage "lease --addr malformed" -s "$SOCK" lease --for $S --addr 1.2.3
usage "lease --time twice" -s "$SOCK" lease --for $S --time 0 --time 0
usage "lease with a stray argument" -s "$SOCK" lease --for $S extra
usage "lease --for without a value" -s "$SOCK" lease --for
usage "a client protocol command without -S" -s "$SOCK" alloc
usage "a control command with -S" -S ::1 pool
usage "-p without -S" -s "$SOCK" -p 7545 pool
usage "-S with an IPv4 address" -S 192.0.2.1 info
usage "-t 0" -s "$SOCK" -t 0 pool
usage "-t out of range" -s "$SOCK" -t 2h pool
usage "-p out of range" -S ::1 -p 65536 info
usage "alloc --strict without an address" -S ::1 alloc --strict
usage "renew without an address" -S ::1 renew
usage "-s and -S together" -s "$SOCK" -S ::1 info
run "$BUILD/dstmctl"
expect_eq "no command: exit 2, usage on stderr" "2 yes" \
	"$RC $(grep -q '^Usage: dstmctl' <<<"$ERR" && echo yes)"
run "$BUILD/dstmctl" -h
expect_eq "-h: exit 0, usage on stdout" "0 yes" \
	"$RC $(grep -q '^Usage: dstmctl' <<<"$OUT" && echo yes)"

# --- unreachable: exit 3, nothing on stdout ---
expect_exit "-s /nonexistent: exit 3, names the socket" 3 \
	"cannot connect to /nonexistent/ctl.sock: No such file" \
	"$BUILD/dstmctl" -s /nonexistent/ctl.sock pool
run "$BUILD/dstmctl" -j -s /nonexistent/ctl.sock leases
jcheck "-j -s /nonexistent: exit 3, a JSON error on stdout" '
assert sys.argv[3] == "3"
assert d["command"] == "leases" and d["status"] == "unreachable"
assert d["code"] is None and d["error"]["type"] == "unreachable"
assert d["error"]["exit_code"] == 3
assert "/nonexistent/ctl.sock" in d["error"]["message"], d' "$OUT" "$RC"
expect_exit "-S to a port nobody listens on: exit 3" 3 \
	"cannot connect to \[::1\]:$((PORT + 1))/tcp6: Connection refused" \
	ip netns exec "$NS" "$BUILD/dstmctl" -S ::1 -p $((PORT + 1)) info
expect_exit "-S -p 0 without rpcbind: exit 3, says so" 3 \
	"rpcbind" ip netns exec "$NS" "$BUILD/dstmctl" -t 2 -S ::1 -p 0 info

# a peer that accepts and never answers: -t bounds the wait
bg_in "$NS" "$T_TMP/silent.log" python3 -c '
import socket, sys, time
t = socket.socket(socket.AF_INET6)
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind(("::1", int(sys.argv[1]))); t.listen(8)
u = socket.socket(socket.AF_UNIX); u.bind(sys.argv[2]); u.listen(8)
time.sleep(600)' $((PORT + 2)) "$T_TMP/silent.sock"
SILENT=$BG_PID
wait_for 5 test -S "$T_TMP/silent.sock"
t0=$(date +%s%N)
expect_exit "-t 1 against a silent server (tcp6): exit 3, timed out" 3 \
	"RPC: Timed out" ip netns exec "$NS" "$BUILD/dstmctl" -t 1 -S ::1 \
	-p $((PORT + 2)) info
t1=$(date +%s%N)
expect_exit "-t 1 against a silent control socket: exit 3, timed out" 3 \
	"silent.sock: RPC: Timed out" "$BUILD/dstmctl" -t 1 -s \
	"$T_TMP/silent.sock" pool
t2=$(date +%s%N)
if [ $(((t1 - t0) / 1000000)) -lt 3000 ] && [ $(((t2 - t1) / 1000000)) -lt 3000 ]
then
	ok "-t 1: each gave up within 3 s"
else
	not_ok "-t 1: each gave up within 3 s" \
	    "$(((t1 - t0) / 1000000)) ms, $(((t2 - t1) / 1000000)) ms"
fi
kill_pid "$SILENT"

# --- reload ---
run CTL reload
expect_eq "reload: exit 0 and the server's message" "0" "$RC"
check "reload: the message says what was loaded" \
	grep -q "^configuration reloaded: 11 addresses, 2 bound" <<<"$OUT"
sed -i 's/^lease-time = 60/lease-time = 120/' "$CONF"
run CTL -j reload
jcheck "reload: JSON" '
assert d["command"] == "reload" and d["status"] == "ok"
assert d["message"].startswith("configuration reloaded")' "$OUT"
run NET -j info
jcheck "the reloaded lease time is in force" \
	'assert d["lease_time"] == 120, d' "$OUT"
cp "$CONF" "$T_TMP/good.conf"
echo "port 7545" >>"$CONF"
badline=$(wc -l <"$CONF")
expect_exit "reload of a broken config: exit 1, file:line" 1 \
	"$CONF:$badline: expected 'key = value'" CTL reload
check "... the message says the old config is kept" \
	grep -q "old one is kept" <<<"$ERR"
run CTL -j reload
jcheck "reload of a broken config: JSON bad-config with file:line" '
assert sys.argv[3] == "1"
assert d["status"] == "bad-config" and d["code"] == 14
assert "'"$CONF:$badline"':" in d["detail"], d' "$OUT" "$RC"
run NET -j info
jcheck "the old config stays in force" \
	'assert d["lease_time"] == 120, d' "$OUT"
cp "$T_TMP/good.conf" "$CONF"
run CTL -j stats
jcheck "config.reloads counts the successful ones" \
	'assert d["counters"]["config.reloads"] == 2, d["counters"]' "$OUT"

# --- the client protocol with -S (this host is ::1 to the server) ---
run NET -j alloc
jcheck "-S alloc: a lease for ::1 (JSON)" '
assert d["command"] == "alloc" and d["status"] == "ok"
assert d["address"].startswith("198.51.100.") or \
    d["address"].startswith("203.0.113."), d
assert (d["lease_time"], d["t1"], d["t2"]) == (120, 60, 96), d
assert d["static"] is False and d["tep6"] == "::1" and \
    d["tep4"] == "192.0.0.1"
assert (d["mtu"], d["port_min"], d["port_max"]) == (1460, 0, 65535)
assert len(d["key"]) == 32 and int(d["key"], 16) != 0, d' "$OUT"
n=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("address", ""))' "$OUT")
key=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("key", ""))' "$OUT")
run NET info
check "-S info: text names this host and its lease" \
	bash -c 'grep -q "^caller      ::1$" <<<"$1" &&
	    grep -q "^leases      $2, expires in " <<<"$1"' _ "$OUT" "$n"
run NET -j info
jcheck "-S info: JSON" '
assert d["caller"] == "::1" and d["server"].startswith("dstm rpcdstmd")
assert d["pool_size"] == 11 and d["lease_time"] == 120
assert [x["address"] for x in d["leases"]] == ["'"$n"'"], d' "$OUT"
expect_exit "-S renew without the key: exit 1, not-owner" 1 \
	"not the owner" NET renew "$n"
expect_exit "-S release with another key: exit 1, not-owner" 1 \
	"not the owner" NET release --key 0123456789abcdef0123456789abcdef "$n"
usage "-S release --key that is not a key" -S ::1 release --key 12 "$n"
usage "-S renew --key of zeros" -S ::1 renew \
	--key 00000000000000000000000000000000 "$n"
run NET alloc --key "$key"
expect_eq "-S alloc with the lease's key: the same lease (retransmission)" \
	"0 address     $n" "$RC $(head -n 1 <<<"$OUT")"
check "... and prints the key" grep -q "^key         $key$" <<<"$OUT"
run NET renew --key "$key" "$n"
expect_eq "-S renew --key: exit 0, the lease printed" "0 address     $n" \
	"$RC $(head -n 1 <<<"$OUT")"
check "... with its times" grep -q "^lease time  2m0s (renew in 1m0s, rebind in 1m36s)$" <<<"$OUT"
run NET release --key "$key" "$n"
expect_eq "-S release --key: exit 0" "0 released $n" "$RC $OUT"
run NET release --key "$key" "$n"
expect_eq "-S release again: the same answer (a retransmission)" \
	"0 released $n" "$RC $OUT"
run NET -j release --key 0123456789abcdef0123456789abcdef "$n"
jcheck "-S release of a released lease with another key: JSON refusal" '
assert d["status"] == "no-such-lease" and d["detail"] == "'"$n"'"' "$OUT"
expect_exit "-S renew of another's lease: exit 1, not-owner" 1 \
	"not-owner|another client" NET renew --key "$key" "$a"
run NET -j info
jcheck "-S info after release: no leases" 'assert d["leases"] == []' "$OUT"
run NET -u -j alloc "$n" --strict
jcheck "-S -u alloc --strict of its previous address: udp6" '
assert d["status"] == "ok" and d["address"] == "'"$n"'", d' "$OUT"
expect_exit "-S alloc --strict of a taken address: exit 1" 1 \
	"address unavailable" NET alloc --strict "$a"
run NET -j ping
jcheck "-S ping: JSON peer and rtt" '
assert d["peer"] == "[::1]:'"$PORT"'/tcp6" and d["rtt_us"] >= 0' "$OUT"
run CTL -j ping
jcheck "ping: JSON peer is the socket" \
	'assert d["peer"] == "'"$SOCK"'"' "$OUT"


# --- lease filters and paging ---
# four static leases (stable while the test runs) and a held one
for i in 20 21 22 23; do
	CTL lease --for 2001:db8:99::$i --time 0 >/dev/null
done
h=$(CALL -b 2001:db8:99::30 alloc | addr_of)
CALL -b 2001:db8:99::30 release "$h" >/dev/null
P=2001:db8:99::20/126
run CTL -j leases $P
all=$(python3 -c 'import json,sys; print(" ".join(x["address"] for x in json.loads(sys.argv[1])["leases"]))' "$OUT")
jcheck "leases CLIENT6/LEN: the clients in the prefix" '
c = sorted(x["client"] for x in d["leases"])
assert c == ["2001:db8:99::20", "2001:db8:99::21", "2001:db8:99::22",
             "2001:db8:99::23"], c
assert d["count"] == 4 and d["truncated"] is False and d["next"] is None' "$OUT"
s20=$(python3 -c 'import json,sys; print([x["address"] for x in json.loads(sys.argv[1])["leases"] if x["client"] == "2001:db8:99::20"][0])' "$OUT")
run CTL leases 2001:db8:99::20
expect_eq "leases CLIENT6 (dstmctl leases 2001:db8:99::20): only its lease" \
	"0 $s20 static 2001:db8:99::20" \
	"$RC $(awk 'NR > 1 && $1 ~ /^[0-9]+\.[0-9.]+$/ { print $1, $2, $3 }' <<<"$OUT" | paste -sd'|' -)"
run CTL -j leases "$h"
jcheck "leases IPV4: that address only" '
assert [(x["address"], x["state"], x["client"]) for x in d["leases"]] == \
    [("'"$h"'", "held", "2001:db8:99::30")], d' "$OUT"
run CTL -j leases 203.0.113.8/30 --state static
jcheck "leases IPV4/LEN --state static: the static ones in the range" '
assert d["leases"] and all(x["state"] == "static" and
    x["address"].startswith("203.0.113.") for x in d["leases"]), d' "$OUT"
run CTL -j leases --state held,bound
jcheck "leases --state held,bound: no static lease" '
s = {x["state"] for x in d["leases"]}
assert s <= {"held", "bound"} and "'"$h"'" in [x["address"] for x in
    d["leases"]], s' "$OUT"
run CTL -j leases 2001:db8:99::/64 --state held
jcheck "leases CLIENT6/LEN --state held: combined filters" '
assert all(x["state"] == "held" for x in d["leases"]) and \
    "'"$h"'" in [x["address"] for x in d["leases"]], d' "$OUT"
run CTL -j leases $P --page 1
jcheck "leases --page 1: every lease, one per request, in order" '
assert " ".join(x["address"] for x in d["leases"]) == "'"$all"'", d
assert d["truncated"] is False and d["next"] is None' "$OUT"
run CTL -j leases $P --limit 3 --page 2
jcheck "leases --limit 3: three, and where the rest starts" '
l = "'"$all"'".split()
assert [x["address"] for x in d["leases"]] == l[:3], d
assert d["count"] == 3 and d["truncated"] is True and d["next"] == l[3], d' "$OUT"
next=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["next"])' "$OUT")
run CTL -j leases $P --from "$next" --page 1
jcheck "leases --from NEXT: the rest" '
assert [x["address"] for x in d["leases"]] == "'"$all"'".split()[3:], d' "$OUT"
run CTL leases $P --limit 3
check "leases --limit 3: text says how to go on" \
	grep -q "^3 leases: 0 bound, 3 static, 0 held (more: --from $next)$" <<<"$OUT"
run CTL leases 2001:db8:99::99
expect_eq "leases of a client without any" "0 no leases" "$RC $OUT"
usage "leases: a malformed IPv6 filter" -s "$SOCK" leases 2001:db8::zz
usage "leases: two client filters" -s "$SOCK" leases $A $B
usage "leases: an unknown state" -s "$SOCK" leases --state gone
usage "leases: --page 0" -s "$SOCK" leases --page 0
usage "leases: --limit not a number" -s "$SOCK" leases --limit x
run "$BUILD/dstmctl" -j -s "$SOCK" leases 2001:db8::zz
jcheck "leases: a usage error under -j is a JSON error (exit 2)" '
assert sys.argv[3] == "2" and d["status"] == "usage", d
assert d["error"]["type"] == "usage" and d["error"]["exit_code"] == 2
assert "2001:db8::zz" in d["error"]["message"]' "$OUT" "$RC"
run "$BUILD/dstmctl" -j
jcheck "no command under -j: a JSON error (exit 2)" '
assert sys.argv[3] == "2" and d["command"] is None, d' "$OUT" "$RC"

# --- OpenMetrics ---
run CTL stats -o openmetrics
printf '%s\n' "$OUT" >"$T_TMP/m.prom"
run python3 "$TOP/tests/om_check.py" \
	'dstm_requests_total{daemon="ctl",procedure="alloc"}>=2' \
	'dstm_pool_addresses{daemon="ctl",state="bound"}>=4' \
	'dstm_leases_revoked_total{daemon="ctl"}=2' \
	'dstm_connections_open{daemon="ctl"}>=0' <"$T_TMP/m.prom"
expect_eq "stats -o openmetrics: parses, TYPE before samples, # EOF, values" \
	0 "$RC$ERR"
check "... counters end in _total, gauges do not" bash -c \
	"grep -q '^# TYPE dstm_replies counter$' '$T_TMP/m.prom' &&
	 grep -q '^dstm_replies_total{daemon=\"ctl\",status=\"rate_limited\"} 0$' '$T_TMP/m.prom' &&
	 grep -q '^# TYPE dstm_connections_open gauge$' '$T_TMP/m.prom'"
run CTL stats -o prometheus
printf '%s\n' "$OUT" >"$T_TMP/m.txt"
run python3 "$TOP/tests/om_check.py" --prometheus \
	'dstm_requests_total{daemon="ctl",procedure="alloc"}>=2' <"$T_TMP/m.txt"
expect_eq "stats -o prometheus: the 0.0.4 text (TYPE names the sample)" \
	0 "$RC$ERR"
check "... which node_exporter reads: '# TYPE dstm_replies_total counter'" \
	grep -q '^# TYPE dstm_replies_total counter$' "$T_TMP/m.txt"
# what etc/dstm-metrics.service runs, with this test's socket and dir
line=$(sed -n 's/^ExecStart=//p' "$TOP/etc/dstm-metrics.service")
cmd=$(python3 -c 'import shlex,sys; a = shlex.split(sys.argv[1]); assert a[:2] == ["/bin/sh", "-c"]; print(a[2])' "$line")
cmd=${cmd//\/usr\/local\/sbin\/dstmctl/$BUILD/dstmctl -s $SOCK}
mkdir -p "$T_TMP/textfile"
DIR=$T_TMP/textfile sh -c "$cmd"
check "dstm-metrics.service's command writes dstm.prom, 0.0.4 text" bash -c \
	"python3 '$TOP/tests/om_check.py' --prometheus <'$T_TMP/textfile/dstm.prom' &&
	 [ ! -e '$T_TMP/textfile/dstm.prom.tmp' ]"
usage "stats -o yaml" -s "$SOCK" stats -o yaml
usage "stats --reset -o openmetrics" -s "$SOCK" stats --reset -o openmetrics

# --- stats --reset ---
run CTL -j stats
before=$(python3 -c 'import json,sys; c = json.loads(sys.argv[1])["counters"]; print(c["requests.alloc"], c["connections.open"])' "$OUT")
run CTL stats --reset
if [ "$RC" -eq 0 ] && grep -Eq "^zeroed [0-9]+ counters; [0-9]+ gauges kept: stats.since, .*connections.open" <<<"$OUT"; then
	ok "stats --reset: exit 0, says what it zeroed and which gauges stay"
else
	not_ok "stats --reset: exit 0, says what it zeroed and which gauges stay" "exit $RC: $OUT $ERR"
fi
run CTL -j stats
jcheck "stats after --reset: counters 0, gauges kept, since now" '
import time
c = d["counters"]
b = "'"$before"'".split()
assert int(b[0]) >= 2, b
assert c["requests.alloc"] == 0 and c["leases.revoked"] == 0, c
assert c["connections.closed_idle"] == 0, c
assert abs(c["stats.since"] - time.time()) < 30, c["stats.since"]' "$OUT"
check "stats --reset is logged" grep -q "statistics reset by the operator" "$LOG"
run CTL -j stats --reset
jcheck "stats --reset: JSON message" \
	'assert d["command"] == "stats" and d["message"].startswith("zeroed")' "$OUT"
CALL -b $A renew "$a" >/dev/null
run CTL -j stats
jcheck "counting resumes after the reset" \
	'assert d["counters"]["requests.renew"] == 1, d["counters"]' "$OUT"

# --- config ---
run CTL config
printf '%s\n' "$OUT" >"$T_TMP/running.conf"
check "config: the running configuration names the pool" \
	grep -q "^range = 198.51.100.0/29$" "$T_TMP/running.conf"
"$BUILD/rpcdstmd" -n -f "$T_TMP/running.conf" >"$T_TMP/reparsed.conf" 2>&1
expect_eq "config: parses with rpcdstmd -n -f and prints the same" "" \
	"$(diff "$T_TMP/running.conf" "$T_TMP/reparsed.conf")"
"$BUILD/rpcdstmd" -n -f "$CONF" >"$T_TMP/file.conf" 2>&1
expect_eq "config: the same as -n of the file it was loaded from" "" \
	"$(diff "$T_TMP/file.conf" "$T_TMP/running.conf")"
run CTL -j config
jcheck "config: JSON" '
assert d["config"] == open(sys.argv[3]).read(), d' "$OUT" "$T_TMP/running.conf"

# --- --version ---
for p in dstmctl rpcdstmd dstmgwd rpcd; do
	run "$BUILD/$p" --version
	if [ "$RC" -eq 0 ] && grep -Eq "^$p \(dstm\) [0-9]+\.[0-9]+" <<<"$OUT" &&
	    grep -Eq "^protocols: client 1-2, control 1, gateway 1, rpcd 1, notify 1$" <<<"$OUT"; then
		ok "$p --version: name, version, protocol versions"
	else
		not_ok "$p --version: name, version, protocol versions" "exit $RC: $OUT $ERR"
	fi
done
run "$BUILD/dstmctl" -V
expect_eq "dstmctl -V" "0 dstmctl" "$RC $(head -n 1 <<<"$OUT" | cut -d' ' -f1)"

# --- the server goes away ---
kill -TERM "$SPID"
wait "$SPID"
expect_eq "SIGTERM: clean exit" 0 "$?"
expect_exit "leases with the server stopped: exit 3, hint" 3 \
	"is rpcdstmd running" CTL leases
run "$BUILD/dstmctl" -j -s "$SOCK" stats
jcheck "stats with the server stopped: exit 3, a JSON error" '
assert sys.argv[3] == "3" and d["error"]["exit_code"] == 3, d' "$OUT" "$RC"
check "the counters were saved at exit" grep -q "^requests.renew 1$" \
	"$T_TMP/state/counters"
since=$(sed -n 's/^since //p' "$T_TMP/state/counters")
# lines that are not "name digits" are ignored, not half-read
printf 'requests.alloc -5\nrequests.alloc 7x\n' >>"$T_TMP/state/counters"
# the server's counters count on after a restart
bg_in "$NS" "$LOG" "$BUILD/rpcdstmd" -d -v -f "$CONF"
SPID=$BG_PID
wait_for 10 port_open "$NS" $PORT
run CTL -j stats
jcheck "after a restart: the lifetime counters continue, since kept" '
c = d["counters"]
assert c["requests.renew"] == 1 and c["requests.alloc"] == 0, c
assert c["stats.since"] == int(sys.argv[3]), (c["stats.since"], sys.argv[3])
assert c["control.requests"] >= 1 and d["uptime"] < 30, d' "$OUT" "$since"
check "the restart logs what it restored" grep -q "counters: .* restored from" "$LOG"
check "... and the lines it ignored" grep -q "counters: line .* ignored" "$LOG"
kill_pid "$SPID"
check "no sanitizer reports in the server log" bash -c "! grep -q 'Sanitizer' '$LOG'"

# --- a fake control server with hostile strings: dstmctl escapes them ---
cat >"$T_TMP/fake.py" <<'PY'
import socket, struct, sys
# ESC sequences, BEL, C1 CSI (U+009B), RLO, an invalid byte, quote and
# backslash, UTF-8, DEL, CR LF TAB
HOSTILE = (b"a\x1b]0;pwned\x07b\x1b[2J\xc2\x9b31m\xe2\x80\xae\xff\"q\\\xc3\xa9"
           b"\x7f\r\n\tz")
def xstr(b):
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)
def results(proc):
    if proc == 0:
        return b""
    if proc == 3:	# STATS
        c = [(b"plain.counter", 1), (b"evil\n\x1b[31mred\xc2\x85", 2)]
        body = struct.pack(">IqI", 0, 5, len(c))
        for n, v in c:
            body += xstr(n) + struct.pack(">Q", v)
        return body
    if proc == 1:	# LEASES of a daemon without LEASE_QUERY (7)
        e = (bytes([192, 0, 2, 7]) + bytes(16) + struct.pack(">I", 1) +
             struct.pack(">qq", 0, 0) + bytes(8 * 4) + struct.pack(">q", 0))
        return struct.pack(">IqI", 0, 5, 1) + e
    if proc == 4:	# REVOKE: refused with a hostile message
        return struct.pack(">I", 7) + xstr(HOSTILE)
    if proc == 5:	# RELOAD: ok with a hostile message
        return struct.pack(">I", 0) + xstr(HOSTILE)
    return None
def serve(c):
    buf = b""
    while True:
        d = c.recv(65536)
        if not d:
            return
        buf += d
        while len(buf) >= 4:
            n = struct.unpack(">I", buf[:4])[0] & 0x7fffffff
            if len(buf) < 4 + n:
                break
            m, buf = buf[4:4 + n], buf[4 + n:]
            xid, _, _, _, _, proc = struct.unpack(">6I", m[:24])
            body = results(proc)
            if body is None:	# PROC_UNAVAIL
                r = struct.pack(">6I", xid, 1, 0, 0, 0, 3)
            else:		# accepted, AUTH_NULL verifier, SUCCESS
                r = struct.pack(">6I", xid, 1, 0, 0, 0, 0) + body
            c.sendall(struct.pack(">I", 0x80000000 | len(r)) + r)
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(8)
while True:
    c, _ = s.accept()
    serve(c)
    c.close()
PY
FAKE=$T_TMP/fake.sock
bg_in "$NS" "$T_TMP/fake.log" python3 "$T_TMP/fake.py" "$FAKE"
FPID=$BG_PID
wait_for 5 "$BUILD/dstmctl" -s "$FAKE" ping
check "the fake control server answers" "$BUILD/dstmctl" -s "$FAKE" ping
# bytes FILE 'python on b (the file's bytes)'
bytes_check() {
	local name=$1 file=$2 expr=$3
	if python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
exec(sys.argv[2])' "$file" "$expr" >"$T_TMP/py.out" 2>&1; then
		ok "$name"
	else
		not_ok "$name" "$(tail -n 2 "$T_TMP/py.out" | tr '\n' ' ')"
	fi
}
# no raw control character but the newlines that end lines
NO_CONTROLS='import re
bad = re.findall(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b)
assert not bad and b.endswith(b"\n"), bad'
"$BUILD/dstmctl" -s "$FAKE" reload >"$T_TMP/f.out" 2>"$T_TMP/f.err"
expect_eq "fake: reload ok" 0 $?
bytes_check "text: no control character reaches the terminal (C0, DEL, C1)" \
	"$T_TMP/f.out" "$NO_CONTROLS"'
assert b.count(b"\n") == 1'
bytes_check "text: each is escaped as \\xNN, valid UTF-8 kept" "$T_TMP/f.out" '
want = (rb"a\x1b]0;pwned\x07b\x1b[2J\xc2\x9b31m" + b"\xe2\x80\xae" +
        rb"\xff" + b"\"q\\\xc3\xa9" + rb"\x7f\x0d\x0a\x09z" + b"\n")
assert b == want, (b, want)'
"$BUILD/dstmctl" -j -s "$FAKE" reload >"$T_TMP/f.out" 2>"$T_TMP/f.err"
bytes_check "JSON: the message round-trips (invalid UTF-8 as U+FFFD)" \
	"$T_TMP/f.out" '
import json
h = (b"a\x1b]0;pwned\x07b\x1b[2J\xc2\x9b31m\xe2\x80\xae\xff\"q\\\xc3\xa9"
     b"\x7f\r\n\tz").decode("utf-8", "replace")
assert b.count(b"\n") == 1 and b.endswith(b"\n"), b
assert json.loads(b)["message"] == h, json.loads(b)'
"$BUILD/dstmctl" -s "$FAKE" stats >"$T_TMP/f.out" 2>"$T_TMP/f.err"
bytes_check "stats: a counter name with controls stays on its line" \
	"$T_TMP/f.out" "$NO_CONTROLS"'
lines = b.split(b"\n")[:-1]
assert len(lines) == 3, lines
assert lines[2].split()[0] == rb"evil\x0a\x1b[31mred\xc2\x85", lines'
"$BUILD/dstmctl" -j -s "$FAKE" stats >"$T_TMP/f.out" 2>"$T_TMP/f.err"
bytes_check "stats: JSON counter names escaped and intact" "$T_TMP/f.out" '
import json
c = json.loads(b)["counters"]
assert c == {"plain.counter": 1, "evil\n\x1b[31mred\x85": 2}, c'
"$BUILD/dstmctl" -s "$FAKE" revoke 192.0.2.1 >"$T_TMP/f.out" 2>"$T_TMP/f.err"
expect_eq "fake: a refused revoke exits 1" 1 $?
bytes_check "refusal on stderr: the server's detail escaped" "$T_TMP/f.err" \
	"$NO_CONTROLS"'
assert b.count(b"\n") == 1
assert b.startswith(b"dstmctl: revoke: no such lease (a\\x1b]0;pwned"), b'
run "$BUILD/dstmctl" -j -s "$FAKE" leases
jcheck "an older daemon without LEASE_QUERY: leases falls back to LEASES" '
assert d["status"] == "ok" and [x["address"] for x in d["leases"]] == \
    ["192.0.2.7"], d' "$OUT"
expect_exit "... but a filter needs LEASE_QUERY: exit 3, says why" 3 \
	"Procedure unavailable.*older than dstmctl" \
	"$BUILD/dstmctl" -s "$FAKE" leases 192.0.2.7
kill_pid "$FPID"

if [ ${#SCHEMA_BAD[@]} -eq 0 ] && [ "$SCHEMA_N" -ge 40 ]; then
	ok "all $SCHEMA_N -j outputs have their documented keys, snake_case"
else
	not_ok "all $SCHEMA_N -j outputs have their documented keys, snake_case" \
	    "$(printf '%s | ' "${SCHEMA_BAD[@]}")"
fi
finish
