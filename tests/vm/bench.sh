#!/usr/bin/env bash
# tests/vm/bench.sh [N...] - the cost of backend ip6tnl's per-binding
# devices, in the VM lab (a Debian kernel under qemu, software emulation:
# every figure is many times slower than on hardware or under KVM).
# For each N (default 1000 10000): dstm_gwbench creates N tunnels
# (device, sysctls, up, /32 route), removes them, and reads MemAvailable
# and Slab around them.  Not part of make check; `make check-vm` tests,
# this measures.  VM_MEM (MB, default 2048) must hold 10k devices.
. "$(dirname "$0")/../integration/lib.sh"
. "$TOP/tests/vm/vm.sh"

[ -x "$BUILD/tests/dstm_gwbench" ] || { echo "make build/tests/dstm_gwbench first"; exit 1; }
why=$(vm_available) || { echo "no VM lab: $why"; exit 1; }
VM_MEM=${VM_MEM:-2048}
vm_lab_up || exit 1
vm_boot bench || exit 1
echo "# VM: $(vm_sh uname -r), ${VM_MEM} MB, 1 vCPU, qemu TCG (no KVM); boot ${VM_BOOT_S} ms"
vm_sh "modprobe ip6_tunnel"
[ $# -gt 0 ] || set -- 1000 10000
for n in "$@"; do
	VM_SH_TIMEOUT=1800 vm_sh "dstm_gwbench -b ip6tnl -n $n 2>&1 | tail -n 3"
	echo
done
vm_stop
