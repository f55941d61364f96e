#!/usr/bin/env bash
# tests/units_boot.sh - the three systemd units, booted for real: an
# overlay of this host's root (nothing written to the host), `make install`
# into it, systemd-nspawn -b with a private network, and a probe unit that
# checks each daemon (active, uid dstm, CAP_NET_ADMIN only, no_new_privs,
# seccomp), a lease through rpcd, dstmgwd's pool route, reloads, release
# and a clean stop, then powers off.  Not part of make check (it needs
# systemd-container and boots a whole system: about 20 s); run it after
# changing etc/*.service.  Prints the probe's report and "units boot: ok".
#   BUILD=dir (default build), as root, after make.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
command -v systemd-nspawn >/dev/null || {
	echo "units boot: needs systemd-nspawn (apt-get install systemd-container)"
	exit 2
}
B=$(mktemp -d /tmp/dstm-boot.XXXXXX)
R=$B/root
cleanup() {
	umount "$R" 2>/dev/null
	rm -rf "$B"
}
trap cleanup EXIT
mkdir -p "$B/upper" "$B/work" "$R" "$B/out"
mount -t overlay overlay -o "lowerdir=/,upperdir=$B/upper,workdir=$B/work" "$R" ||
	exit 1
make -s install DESTDIR="$R" PREFIX=/usr/local BUILD="$BUILD" >/dev/null ||
	exit 1
getent -s files passwd dstm >/dev/null ||
	echo "dstm:x:999:999:dstm daemons:/nonexistent:/usr/sbin/nologin" >>"$R/etc/passwd"
getent -s files group dstm >/dev/null || echo "dstm:x:999:" >>"$R/etc/group"
cat >"$R/etc/dstm/rpcdstmd.conf" <<'EOF'
[server]
listen = ::1
[pool]
range = 198.51.100.0/28
[clients]
allow = ::/0
[gateway]
enable = yes
EOF
cat >"$R/etc/dstm/dstmgwd.conf" <<'EOF'
[gateway]
listen = ::1
tep6 = ::1
ifname = dti2
pool = 198.51.102.0/28
[servers]
allow = ::1
EOF
cat >"$R/etc/dstm/rpcd.conf" <<'EOF'
[client]
server = ::1
ifname = dti1
EOF
W=$R/etc/systemd/system/multi-user.target.wants
mkdir -p "$W" "$R/etc/systemd/system/rpcd.service.d"
# only what the probe needs starts
find "$R/etc/systemd/system" -name '*.wants' -type d -exec sh -c 'rm -f "$1"/*' _ {} \;
printf '[Unit]\nAfter=rpcdstmd.service\n' >"$R/etc/systemd/system/rpcd.service.d/order.conf"
cat >"$R/etc/systemd/system/tun-perm.service" <<'EOF'
[Unit]
Description=/dev/net/tun 0666, as Debian's udev makes it
Before=rpcdstmd.service rpcd.service dstmgwd.service
[Service]
Type=oneshot
ExecStart=/bin/chmod 0666 /dev/net/tun
EOF
cat >"$R/etc/systemd/system/dstm-probe.service" <<'EOF'
[Unit]
After=rpcdstmd.service rpcd.service dstmgwd.service
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/dstm-probe
EOF
cat >"$R/usr/local/sbin/dstm-probe" <<'EOF'
#!/bin/bash
exec >/out/report 2>&1
CTL=/usr/local/sbin/dstmctl
for i in $(seq 1 50); do
	$CTL -s /run/dstm/rpcd.sock status 2>/dev/null | grep -q '^state: *bound' && break
	sleep 0.2
done
for u in rpcdstmd dstmgwd rpcd; do
	P=$(systemctl show -p MainPID --value $u.service)
	echo "$u $(systemctl is-active $u.service)" \
	    "$(awk '$1 ~ /^(Uid|CapEff|NoNewPrivs|Seccomp):$/ { printf "%s%s ", $1, $2 }' /proc/$P/status)"
done
echo "rpcd-lease $(ip -4 addr show dev dti1 | grep -c 'inet 198.51.100')"
echo "gwd-route $(ip route show 198.51.102.0/28 | grep -c dti2)"
systemctl reload rpcdstmd.service dstmgwd.service rpcd.service
sleep 1
echo "reloaded $(systemctl is-active rpcdstmd.service dstmgwd.service rpcd.service | tr '\n' ' ')"
$CTL -s /run/dstm/rpcd.sock release >/dev/null
echo "released $(ip -4 addr show dev dti1 | grep -c 'inet 198.51.100')"
systemctl stop rpcd.service dstmgwd.service rpcdstmd.service
for u in rpcdstmd dstmgwd rpcd; do
	echo "stopped $u $(systemctl show -p Result --value $u.service) $(systemctl show -p ExecMainStatus --value $u.service)"
done
echo "sockets-left $(ls /run/dstm | wc -l)"
journalctl --no-pager -o cat | grep -E 'seccomp: system call' || true
systemctl poweroff --no-block
EOF
chmod 0755 "$R/usr/local/sbin/dstm-probe"
for u in rpcdstmd dstmgwd rpcd; do
	ln -s /lib/systemd/system/$u.service "$W/$u.service"
done
ln -s /etc/systemd/system/tun-perm.service "$W/tun-perm.service"
ln -s /etc/systemd/system/dstm-probe.service "$W/dstm-probe.service"
timeout 180 systemd-nspawn -q -D "$R" --register=no --keep-unit \
	--link-journal=no --private-network --bind="$B/out:/out" -b \
	>"$B/console.log" 2>&1
cat "$B/out/report" 2>/dev/null || { tail -n 30 "$B/console.log"; exit 1; }
uid=$(id -u dstm 2>/dev/null || echo 999)
ok=yes
for u in rpcdstmd dstmgwd rpcd; do
	grep -qx "$u active Uid:$uid CapEff:0000000000001000 NoNewPrivs:1 Seccomp:2 " \
	    "$B/out/report" || ok=no
	grep -qx "stopped $u success 0" "$B/out/report" || ok=no
done
for l in "rpcd-lease 1" "gwd-route 1" "reloaded active active active " \
    "released 0" "sockets-left 0"; do
	grep -qx "$l" "$B/out/report" || ok=no
done
grep -q 'seccomp: system call' "$B/out/report" && ok=no
echo "units boot: $([ $ok = yes ] && echo ok || echo FAILED)"
[ $ok = yes ]
