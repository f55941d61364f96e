# tests/vm/vm.sh - the VM lab, sourced after tests/integration/lib.sh.
# A Debian kernel under qemu (software emulation: no KVM here) boots a
# busybox initramfs with our binaries; its one NIC is a tap device on a
# bridge in a lab namespace, where the test's other namespaces hang too:
#
#   [VM eth0] -- tap0 --+-- br0 [lab] --+-- veth -- [c1] 2001:db8:1::10
#                                       +-- veth -- [c2] 2001:db8:1::20
#                                       +-- veth -- [v4] 203.0.113.10
#                                       +-- veth -- [gw] (client cases)
#
# One IPv6 /64 (2001:db8:1::/64) and one IPv4 /24 (203.0.113.0/24) on
# the segment.  vm_sh runs a command in the VM (tests/vm/vmsh.py over its
# second serial port).  Everything is torn down by lib.sh's cleanup:
# qemu by PID, the namespaces with their devices.
# shellcheck shell=bash

VM_DIR=$TOP/tests/vm
VM_QEMU=${VM_QEMU:-qemu-system-x86_64}

vm_available() {	# qemu, busybox-static, cpio, apt: or why not
	command -v "$VM_QEMU" >/dev/null || { echo "no $VM_QEMU"; return 1; }
	[ -x /bin/busybox ] && /bin/busybox --list | grep -qx depmod ||
	    { echo "no busybox-static"; return 1; }
	command -v cpio >/dev/null || { echo "no cpio"; return 1; }
	command -v ip >/dev/null || { echo "no iproute2"; return 1; }
	[ -e /dev/net/tun ] || { echo "no /dev/net/tun"; return 1; }
	return 0
}

# vm_lab_up: the lab namespace with its bridge
vm_lab_up() {
	make_ns NS_LAB lab || return 1
	ip -n "$NS_LAB" link add br0 type bridge || return 1
	# no STP delay, no multicast snooping surprises
	ip -n "$NS_LAB" link set br0 type bridge forward_delay 0 \
	    mcast_snooping 0
	ip -n "$NS_LAB" link set br0 up
}

# vm_port NS [IF]: a namespace's interface (default eth0) on the bridge
vm_port() {
	local ns=$1 ifn=${2:-eth0} peer="p$((VM_NPORT = ${VM_NPORT:-0} + 1))"
	ip link add "$ifn" netns "$ns" type veth peer name "$peer" \
	    netns "$NS_LAB" || return 1
	ip -n "$NS_LAB" link set "$peer" master br0 up
	ip -n "$ns" link set "$ifn" up
}

# vm_boot NAME: boot the VM on tap0 of the lab; VM_SOCK is its shell
vm_boot() {
	local name=$1 kdir
	kdir=$(BUILD=$BUILD bash "$VM_DIR/kernel.sh") || { echo "# no kernel"; return 1; }
	VM_KDIR=$kdir
	VM_INITRD=$T_TMP/initramfs.$name.gz
	BUILD=$BUILD bash "$VM_DIR/initramfs.sh" "$kdir" "$VM_INITRD" || return 1
	VM_SOCK=$T_TMP/vm-$name
	mkfifo "$VM_SOCK.in" "$VM_SOCK.out" || return 1
	VM_CONSOLE=$T_TMP/vm-$name.console
	ip -n "$NS_LAB" tuntap add tap0 mode tap || return 1
	ip -n "$NS_LAB" link set tap0 master br0 up
	VM_T0=$(date +%s%N)
	bg_in "$NS_LAB" "$T_TMP/qemu-$name.log" "$VM_QEMU" -accel tcg \
	    -m "${VM_MEM:-256}" -smp 1 -nodefaults -display none -no-reboot \
	    -kernel "$kdir"/boot/vmlinuz-* -initrd "$VM_INITRD" \
	    -append "console=ttyS0 quiet panic=-1 ipv6.disable=0" \
	    -serial "file:$VM_CONSOLE" \
	    -serial "pipe:$VM_SOCK" \
	    -netdev tap,id=n0,ifname=tap0,script=no,downscript=no \
	    -device virtio-net-pci,netdev=n0,mac=52:54:00:d5:7d:01
	VM_PID=$BG_PID
	python3 "$VM_DIR/vmsh.py" "$VM_SOCK" --wait-ready "${VM_BOOT_TIMEOUT:-90}" ||
	    { echo "# VM did not answer; console:"; tail -n 20 "$VM_CONSOLE" |
	    sed 's/^/#   /'; return 1; }
	VM_BOOT_S=$(( ($(date +%s%N) - VM_T0) / 1000000 ))
	vm_sh ip link set eth0 up
}

vm_sh() {	# vm_sh CMD...: run in the VM, its output and status
	python3 "$VM_DIR/vmsh.py" "$VM_SOCK" -t "${VM_SH_TIMEOUT:-60}" "$@"
}

vm_stop() {	# a clean power-off, then qemu is gone
	[ -n "${VM_PID:-}" ] || return 0
	python3 "$VM_DIR/vmsh.py" "$VM_SOCK" -t 5 "sync; reboot -f" \
	    >/dev/null 2>&1
	local i
	for i in $(seq 1 50); do
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill_pid "$VM_PID" KILL
	VM_PID=
}
