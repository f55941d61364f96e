/* sandbox.c - the seccomp allow-lists (see sandbox.h).
 *
 * Derived from strace of the integration tests (strace -f on each daemon
 * of server_rpc, dstmctl, client_e2e, gw_standalone, gw_packets,
 * server_crash, server_rpcbind, server_expiry, server_fdlimit and
 * privileges, both data planes) from the moment the filter is in: what
 * the event loops, the data-plane threads, the journal and its
 * compaction, reloads, the control socket, rpcbind, BPF map updates and
 * shutdown call; plus glibc's variants of the same calls, the
 * resolver's (rpcd), and the few that rare paths make (named below).
 * Nothing here runs a program, mounts, traces, loads modules or BPF
 * programs, or changes identity: those happen at start-up or never. */
#include "kernel/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <sched.h>
#include <stdbool.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

/* every daemon: memory, threads, time, signals, descriptors, sockets,
 * files (config reload, /etc/hosts and NSS, the journal, pid file) */
static const char *const base_calls[] = {
	/* memory and threads (mremap: glibc's realloc of a big block;
	 * sched_getaffinity: pthread_getattr_np) */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
	"sched_getaffinity",
	"futex", "set_robust_list", "rseq", "exit", "exit_group",
	"getpid", "gettid", "restart_syscall",
	/* signals (the blocked set, our own SIGSYS report) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "tgkill",
	/* time (the vDSO's fallbacks; libtirpc's back-off when out of
	 * descriptors) */
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"nanosleep", "clock_nanosleep",
	/* identity and the machine, read only (sysinfo: glibc's qsort
	 * asks for the memory size before sorting more than 1 KiB, e.g.
	 * the gateway's local addresses on a host with many) */
	"getuid", "geteuid", "getrandom", "sysinfo",
	/* descriptors (dup3: conn.c closes a connection) */
	"read", "write", "writev", "pread64", "lseek", "close", "dup3",
	"fcntl", "eventfd2", "poll", "epoll_create1", "epoll_ctl",
	"epoll_wait",
	/* files: the config on reload, NSS, the journal and its
	 * compaction, the control socket and pid file at exit (glibc's
	 * variants of each call side by side) */
	"openat", "open", "newfstatat", "fstat", "stat", "lstat", "statx",
	"access", "faccessat", "faccessat2", "fsync", "fdatasync",
	"ftruncate", "rename", "renameat", "renameat2", "unlink",
	"unlinkat",
	/* sockets (the domain is checked below) */
	"connect", "accept", "accept4", "bind", "getsockname",
	"getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	NULL
};

/* the server: the group commit's journal is in the base list; nothing
 * more so far */
static const char *const rpcdstmd_calls[] = { NULL };
static const char *const dstmgwd_calls[] = { NULL };
/* rpcd: the lease key file (client/rpcd_key.c) is written at every
 * lease: its directory made if missing, the file's mode set */
static const char *const rpcd_calls[] = {
	"mkdir", "mkdirat", "fchmod", NULL
};

static const char *const *const extra_calls[SANDBOX_COUNT] = {
	[SANDBOX_RPCDSTMD] = rpcdstmd_calls,
	[SANDBOX_DSTMGWD] = dstmgwd_calls,
	[SANDBOX_RPCD] = rpcd_calls,
};

/* socket(2) domains: RPC over IPv6 and UNIX sockets, netlink (libnl,
 * libbpf's tc detach at exit), IPv4 for the resolver */
static const int socket_domains[] = {
	AF_UNIX, AF_INET, AF_INET6, AF_NETLINK,
};

/* bpf(2) on maps that are already open: bindings, counters */
static const int bpf_cmds[] = {
	BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
	BPF_MAP_GET_NEXT_KEY, BPF_OBJ_GET_INFO_BY_FD,
};

/* ioctl(2): non-blocking mode, queued bytes, tty checks of stdio */
static const unsigned long ioctl_reqs[] = {
	FIONBIO, FIONREAD, TCGETS,
};

/* prctl(2): thread names only */
static const int prctl_ops[] = { PR_SET_NAME, PR_GET_NAME };

static const char *prog_name;

/* AddressSanitizer's runtime makes calls of its own (LeakSanitizer stops
 * the threads with ptrace at exit): a sanitizer build logs what is not
 * on the list instead of killing (make asan runs the same tests) */
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_DEFAULT	SCMP_ACT_LOG
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_DEFAULT	SCMP_ACT_LOG
#endif
#endif
#ifndef SANDBOX_DEFAULT
#define SANDBOX_DEFAULT	SCMP_ACT_TRAP
#endif

bool
sandbox_enforcing(void)
{
	return SANDBOX_DEFAULT == SCMP_ACT_TRAP;
}

static void
sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[160];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg), "%s: seccomp: system call %d is not "
	    "on the allow-list; exiting\n", prog_name, si->si_syscall);
	if (n > 0)
		(void)write(STDERR_FILENO, msg, (size_t)n);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
allow(scmp_filter_ctx ctx, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0;	/* not on this architecture */
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
}

static int
build(scmp_filter_ctx ctx, enum sandbox_prog p)
{
	int rc = 0;

	for (unsigned i = 0; base_calls[i] != NULL && rc == 0; i++)
		rc = allow(ctx, base_calls[i]);
	for (unsigned i = 0; extra_calls[p][i] != NULL && rc == 0; i++)
		rc = allow(ctx, extra_calls[p][i]);
	for (size_t i = 0; i < sizeof(socket_domains) /
	    sizeof(socket_domains[0]) && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)socket_domains[i]));
	for (size_t i = 0; i < sizeof(bpf_cmds) / sizeof(bpf_cmds[0]) &&
	    rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(bpf), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)bpf_cmds[i]));
	for (size_t i = 0; i < sizeof(ioctl_reqs) / sizeof(ioctl_reqs[0]) &&
	    rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)ioctl_reqs[i]));
	for (size_t i = 0; i < sizeof(prctl_ops) / sizeof(prctl_ops[0]) &&
	    rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)prctl_ops[i]));
	/* threads, never a new process */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
		    SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* clone3's flags are in memory, out of the filter's reach: ENOSYS
	 * makes glibc fall back to clone */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
		    SCMP_SYS(clone3), 0);
	/* limits may be read (libtirpc sizes its tables), never set */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64),
		    1, SCMP_A2(SCMP_CMP_EQ, 0));
	if (rc == 0)
		rc = allow(ctx, "getrlimit");
	return rc;
}

int
sandbox_enter(enum sandbox_prog p, char *err, size_t len)
{
	static const char *const names[SANDBOX_COUNT] = {
		"rpcdstmd", "dstmgwd", "rpcd",
	};
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int rc;

	if ((unsigned)p >= SANDBOX_COUNT)
		return -EINVAL;
	prog_name = names[p];
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) != 0) {
		rc = -errno;
		snprintf(err, len, "SIGSYS handler: %s", strerror(errno));
		return rc;
	}
	if ((ctx = seccomp_init(SANDBOX_DEFAULT)) == NULL) {
		snprintf(err, len, "seccomp_init failed");
		return -ENOMEM;
	}
	/* every thread, and the kernel's audit log names each violation */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) != 0 ||
	    (rc = build(ctx, p)) != 0) {
		snprintf(err, len, "seccomp filter: %s", strerror(-rc));
		goto out;
	}
	if ((rc = seccomp_load(ctx)) != 0)
		snprintf(err, len, "seccomp_load: %s", strerror(-rc));
out:
	seccomp_release(ctx);
	return rc;
}

void
sandbox_print(enum sandbox_prog p, void (*fn)(const char *name))
{
	static const char *const cond[] = {
		"socket (AF_UNIX AF_INET AF_INET6 AF_NETLINK)",
		"bpf (map lookup/update/delete/next-key, object info)",
		"ioctl (FIONBIO FIONREAD TCGETS)", "prctl (PR_SET/GET_NAME)",
		"clone (CLONE_THREAD)", "clone3 (ENOSYS)",
		"prlimit64 (read only)", "getrlimit",
	};

	if ((unsigned)p >= SANDBOX_COUNT)
		return;
	for (unsigned i = 0; base_calls[i] != NULL; i++)
		fn(base_calls[i]);
	for (unsigned i = 0; extra_calls[p][i] != NULL; i++)
		fn(extra_calls[p][i]);
	for (size_t i = 0; i < sizeof(cond) / sizeof(cond[0]); i++)
		fn(cond[i]);
}
