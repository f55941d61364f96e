#!/usr/bin/env bash
# units.sh - the systemd units (etc/*.service, etc/*.timer): `systemd-analyze security`
# rates each 3.0 or better (offline, on the files), each is Type=notify,
# runs as dstm with the start-up capabilities only, and `make install`
# puts them in SYSTEMDUNITDIR with the install paths, with the sysusers
# file for the user.  Skipped (one ok line says so) without
# systemd-analyze.
. "$(dirname "$0")/lib.sh"

UNITS="rpcdstmd dstmgwd rpcd"
if ! command -v systemd-analyze >/dev/null; then
	ok "systemd-analyze not installed: units not rated (skipped)"
	finish
	exit 0
fi
for u in $UNITS; do
	f=$TOP/etc/$u.service
	score=$(systemd-analyze security --offline=yes "$f" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "# $u.service: exposure $score"
	check "$u.service: systemd-analyze security <= 3.0 ($score)" \
		systemd-analyze security --offline=yes --threshold=30 "$f"
	check "$u.service: Type=notify, User=dstm, no new privileges" bash -c \
		"grep -qx 'Type=notify' '$f' && grep -qx 'User=dstm' '$f' &&
		 grep -qx 'NoNewPrivileges=yes' '$f'"
	expect_eq "$u.service: ambient = bounding capabilities" \
		"$(sed -n 's/^AmbientCapabilities=//p' "$f")" \
		"$(sed -n 's/^CapabilityBoundingSet=//p' "$f")"
done

D=$T_TMP/dest
make -s -C "$TOP" install DESTDIR="$D" PREFIX=/opt/dstm SYSCONFDIR=/etc/dstmtest \
	SYSTEMDUNITDIR=/lib/systemd/system SYSUSERSDIR=/usr/lib/sysusers.d \
	BUILD="$BUILD" >"$T_TMP/install.log" 2>&1
expect_eq "make install DESTDIR=...: exit 0" 0 "$?"
for u in $UNITS; do
	f=$D/lib/systemd/system/$u.service
	check "installed $u.service runs /opt/dstm/sbin/$u with /etc/dstmtest" \
		bash -c "grep -q '^ExecStart=/opt/dstm/sbin/$u .*-f /etc/dstmtest/dstm/$u.conf' '$f'"
done
check "installed the sysusers file for dstm" \
	grep -q '^u dstm ' "$D/usr/lib/sysusers.d/dstm.conf"
# the metrics writer (README "Metrics"): unprivileged, installed with
# its timer and the install path of dstmctl
f=$TOP/etc/dstm-metrics.service
check "dstm-metrics.service: systemd-analyze security <= 2.0" \
	systemd-analyze security --offline=yes --threshold=20 "$f"
check "dstm-metrics.service: User=dstm, no capability" bash -c \
	"grep -qx 'User=dstm' '$f' && grep -qx 'CapabilityBoundingSet=' '$f'"
check "installed dstm-metrics.service runs /opt/dstm/sbin/dstmctl stats -o prometheus" \
	grep -q "/opt/dstm/sbin/dstmctl stats -o prometheus" \
	"$D/lib/systemd/system/dstm-metrics.service"
check "installed dstm-metrics.timer" test -s "$D/lib/systemd/system/dstm-metrics.timer"
finish
