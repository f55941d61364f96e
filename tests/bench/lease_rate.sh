#!/usr/bin/env bash
# tests/bench/lease_rate.sh - part 1: lease rate, dstm against ISC Kea.
#
# dstm: rpcdstmd on ::1 in a namespace, pinned to one core; dstm_rate on
# the other core offers requests at a ramp of rates from simulated
# clients in 2001:db8:99::/64 (a locally routed prefix; random-looking
# interface identifiers, as SLAAC gives: part 2 shows what addresses in
# sequence do to the server's client hash).  Kea: kea-dhcp4
# (memfile, persist, lfc-interval 0) on a veth pair in two namespaces,
# pinned the same way, driven by perfdhcp as a relay (DORA exchanges).
# Both keep their lease files under /var/tmp and log each lease to a file.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/bench/common.sh"
. "$TOP/tests/lab.sh"

OUT=$BENCH_OUT/lease_rate.jsonl
STEP=1
[ "$FULL" = 1 ] && STEP=3
PORT=7545

make_ns NS lease || exit 1
ip -n "$NS" -6 route add local 2001:db8:99::/64 dev lo

start_dstm() {	# start_dstm yes|no (journal-sync)
	rm -rf "$BSTATE/dstm"
	srv_conf "$T_TMP/p1.conf" ::1 $PORT "$BSTATE/dstm" "$1" \
		"range = 100.64.0.0/11"
	bg_in "$NS" "$T_TMP/p1-srv.log" taskset -c $CPU_A "$BUILD/rpcdstmd" \
		-d -f "$T_TMP/p1.conf"
	SPID=$BG_PID
	wait_for 10 port_open "$NS" $PORT
}

ramp_dstm() {	# ramp_dstm udp6|tcp6 MIX sync|nosync
	local u= first=(--first-next) n=1024
	[ "$1" = udp6 ] && u=-u
	[ "$1" = tcp6 ] && n=256
	[ "$2" = renew ] && first=(--first 50000000)
	[ "$2" = mixed ] && first=(--first 60000000)
	[ "$2" = release ] && first=(--first 70000000 --first-next)
	bench_py ramp "$OUT" --tag server=dstm --tag "transport=$1" \
		--tag "mix=$2" --tag "journal=$3" --tag "step_secs=$STEP" \
		--tag "clients=$(case $2 in alloc|release) echo fresh ;; *) echo $n ;; esac)" \
		--start 1000 --max 400000 "${first[@]}" -- \
		ip netns exec "$NS" taskset -c $CPU_B "$BB/dstm_rate" -s ::1 \
		-p $PORT -c 2001:db8:99:: -x $u -o "$2" -r '{rate}' -d $STEP \
		-n $n -i '{first}'
}

SERVERS=${SERVERS:-dstm kea}	# which servers to measure (both by default)
has() { case " $SERVERS " in *" $1 "*) return 0 ;; esac; return 1; }

has dstm && echo "  rpcdstmd on CPU $CPU_A, dstm_rate on CPU $CPU_B; ${STEP}s" \
	"steps, 1 s timeout; pool 100.64.0.0/11; fresh state per server;" \
	"client addresses scrambled"
for sync in yes no; do
	has dstm || break
	j=sync
	[ $sync = no ] && j=nosync
	for tr in udp6 tcp6; do
		start_dstm $sync || { note "rpcdstmd did not start"; exit 1; }
		ramp_dstm $tr alloc $j
		if [ $sync = yes ] || [ "$FULL" = 1 ]; then
			ramp_dstm $tr renew $j
			ramp_dstm $tr mixed $j
			# each step prefills its own leases: udp6 only
			[ $tr = udp6 ] && ramp_dstm $tr release $j
		fi
		kill_pid "$SPID"
	done
done

# ---- ISC Kea, same machine, same pinning ----
if ! has kea; then
	:
elif ! command -v kea-dhcp4 >/dev/null || ! command -v perfdhcp >/dev/null; then
	note "kea-dhcp4 or perfdhcp missing: no Kea comparison"
else
	make_ns NS_KS keasrv && make_ns NS_KC keacli || exit 1
	lab_link "$NS_KS" eth0 "$NS_KC" eth0
	ip -n "$NS_KS" addr add 192.0.2.1/24 dev eth0
	ip -n "$NS_KC" addr add 192.0.2.2/24 dev eth0
	mkdir -p "$BSTATE/kea" "$T_TMP/kea"
	cat >"$T_TMP/kea.json" <<CONF
{ "Dhcp4": {
  "interfaces-config": { "interfaces": [ "eth0" ], "dhcp-socket-type": "udp" },
  "lease-database": { "type": "memfile", "persist": true,
                      "name": "$BSTATE/kea/leases4.csv", "lfc-interval": 0 },
  "valid-lifetime": 86400,
  "subnet4": [ { "id": 1, "subnet": "100.64.0.0/10",
                 "pools": [ { "pool": "100.64.0.1 - 100.127.255.254" } ],
                 "relay": { "ip-addresses": [ "192.0.2.2" ] } } ],
  "loggers": [ { "name": "kea-dhcp4", "severity": "INFO",
                 "output_options": [ { "output": "$T_TMP/kea/kea.log" } ] } ]
} }
CONF
	bg_in "$NS_KS" "$T_TMP/kea/stdout.log" env KEA_LOCKFILE_DIR="$T_TMP/kea" \
		KEA_PIDFILE_DIR="$T_TMP/kea" taskset -c $CPU_A kea-dhcp4 \
		-c "$T_TMP/kea.json"
	KPID=$BG_PID
	kea_up() { ip netns exec "$NS_KS" ss -Hlun 'sport = :67' | grep -q .; }
	if wait_for 10 kea_up; then
		echo "  kea-dhcp4 $(kea-dhcp4 -v) on CPU $CPU_A, perfdhcp on CPU" \
			"$CPU_B as a relay; memfile persist, lfc-interval 0"
		bench_py ramp "$OUT" --kind perfdhcp --tag server=kea \
			--tag transport=udp4 --tag mix=DORA --tag journal=memfile \
			--tag "step_secs=$STEP" --start 1000 --max 400000 -- \
			ip netns exec "$NS_KC" taskset -c $CPU_B perfdhcp -4 \
			-g single -l 192.0.2.2 -r '{rate}' -R 4000000 -p $STEP \
			-d 1 192.0.2.1
	else
		note "kea-dhcp4 did not start: $(tail -n 3 "$T_TMP/kea/stdout.log")"
	fi
	kill_pid "$KPID"
fi
echo
bench_py table lease_rate "$OUT"
python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))
print("\n  the disk under the journals: %d fdatasync/s.  With journal-sync = yes "
      "rpcdstmd answers\n  a change only once it is on disk; the changes read "
      "in one round share one\n  fdatasync (group commit).  Kea'"'"'s memfile "
      "appends to its CSV file without any\n  fsync (compare it with "
      "journal-sync = no)." % m["fsync_per_s"])' \
	"$BENCH_OUT/machine.json" 2>/dev/null
