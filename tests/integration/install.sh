#!/usr/bin/env bash
# install.sh - `make install` into a DESTDIR: exactly the files README
# "Build and install" lists, where it says, with their modes; the unit
# files point at the install paths; a second install keeps a changed
# sample config; `make uninstall` removes everything but the configs.
# Also: the man pages' version is common/version.h's; the build is up to date (`make -q all`: nothing to do after a
# build, the grouped rpcgen rule included).
. "$(dirname "$0")/lib.sh"

D=$T_TMP/dest
inst() {	# inst TARGET: make TARGET into $D with a custom layout
	make -s -C "$TOP" "$1" DESTDIR="$D" PREFIX=/opt/dstm \
		SYSCONFDIR=/etc/dstmtest SYSTEMDUNITDIR=/usr/lib/systemd/system \
		SYSUSERSDIR=/usr/lib/sysusers.d BUILD="$BUILD" \
		>>"$T_TMP/install.log" 2>&1
}
listing() {	# every file under $D: mode path
	(cd "$D" && find . -type f -printf '%m %P\n' | sort)
}

check "make -q all: the build is up to date" \
	make -q -C "$TOP" BUILD="$BUILD" all
inst install
expect_eq "make install DESTDIR=...: exit 0" 0 "$?"
want=$(sort <<'LIST'
644 etc/dstmtest/dstm/dstmgwd.conf
644 etc/dstmtest/dstm/rpcd.conf
644 etc/dstmtest/dstm/rpcdstmd.conf
644 opt/dstm/share/man/man5/rpcdstmd.conf.5
644 opt/dstm/share/man/man8/dstmctl.8
644 opt/dstm/share/man/man8/dstmgwd.8
644 opt/dstm/share/man/man8/rpcd.8
644 opt/dstm/share/man/man8/rpcdstmd.8
644 usr/lib/systemd/system/dstm-metrics.service
644 usr/lib/systemd/system/dstm-metrics.timer
644 usr/lib/systemd/system/dstmgwd.service
644 usr/lib/systemd/system/rpcd.service
644 usr/lib/systemd/system/rpcdstmd.service
644 usr/lib/sysusers.d/dstm.conf
755 opt/dstm/sbin/dstmctl
755 opt/dstm/sbin/dstmgwd
755 opt/dstm/sbin/rpcd
755 opt/dstm/sbin/rpcdstmd
LIST
)
got=$(listing)
expect_eq "installed files and modes" "$want" "$got"
for u in rpcdstmd dstmgwd rpcd; do
	check "$u.service runs /opt/dstm/sbin/$u -f /etc/dstmtest/dstm/$u.conf" \
		grep -q "^ExecStart=/opt/dstm/sbin/$u .*-f /etc/dstmtest/dstm/$u.conf" \
		"$D/usr/lib/systemd/system/$u.service"
done
check "no unit keeps the default /usr/local path" \
	bash -c "! grep -q /usr/local '$D'/usr/lib/systemd/system/*.service"
check "the installed server parses its installed sample config" \
	"$D/opt/dstm/sbin/rpcdstmd" -n -f "$D/etc/dstmtest/dstm/rpcdstmd.conf"

echo "# changed by the operator" >>"$D/etc/dstmtest/dstm/rpcdstmd.conf"
inst install
check "a second install keeps a changed config" \
	grep -q "changed by the operator" "$D/etc/dstmtest/dstm/rpcdstmd.conf"
inst uninstall
expect_eq "make uninstall leaves only the configs" \
	"$(grep ' etc/dstmtest/' <<<"$want")" "$(listing)"

# the man pages' footers carry the version by hand: the one --version says
v=$(sed -n 's/^#define DSTM_VERSION[[:space:]]*"\(.*\)"/\1/p' "$TOP/common/version.h")
expect_eq "every man page's footer says dstm $v" "" \
	"$(grep -L "^\.TH .*\"dstm $v\"" "$TOP"/man/*.[58])"
finish
