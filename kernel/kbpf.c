/* kbpf.c - what the BPF fast paths share: the availability probe,
 * libbpf's log, tc hooks, clocks, per-CPU sums. */
#include "kernel/kbpf.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <errno.h>
#include <linux/capability.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/clock.h"
#include "common/log.h"
#include "gw.skel.h"
#include "kernel/kbpf_priv.h"

#ifndef CAP_BPF
#define CAP_BPF		39
#endif

static char last_error[256];
static bool verifier_said;	/* last_error is the verifier's: keep it */

/* libbpf writes the verifier's log as one message between BEGIN and END
 * markers; its last line is the reason, and worth more than the
 * warnings that follow it ("failed to load object ..."). */
static void
keep_error(const char *msg)
{
	const char *end, *p, *line;
	bool verifier;
	size_t n;

	verifier = (end = strstr(msg, "-- END PROG LOAD LOG --")) != NULL;
	if (!verifier) {
		if (verifier_said)
			return;
		end = msg + strlen(msg);
	}
	/* the last line, not counting the verifier's statistics */
	for (;;) {
		while (end > msg && (end[-1] == '\n' || end[-1] == ' '))
			end--;
		line = msg;
		for (p = msg; p < end; p++)
			if (*p == '\n')
				line = p + 1;
		if (!verifier || line == msg ||
		    (strncmp(line, "processed ", 10) != 0 &&
		    strncmp(line, "verification time", 17) != 0 &&
		    strncmp(line, "stack depth", 11) != 0))
			break;
		end = line;
	}
	n = (size_t)(end - line);
	if (n == 0)
		return;
	if (n >= sizeof(last_error))
		n = sizeof(last_error) - 1;
	memcpy(last_error, line, n);
	last_error[n] = '\0';
	verifier_said = verifier;
}

static int
libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *msg;
	size_t n;

	if (level == LIBBPF_DEBUG && log_getverbose() < 2)
		return 0;
	/* a verifier log is a whole message, often many kB */
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	/* bpf_tc_hook_create() on an existing clsact: expected, -EEXIST */
	if (level == LIBBPF_WARN && strstr(msg, "Exclusivity flag on") != NULL)
		level = LIBBPF_DEBUG;
	if (level == LIBBPF_WARN)
		keep_error(msg);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	if (level == LIBBPF_WARN)
		log_warnx("%s", msg);
	else
		log_debug("%s", msg);
	free(msg);
	return 0;
}

void
kbpf_log_setup(void)
{
	static bool done;

	if (!done) {
		libbpf_set_print(libbpf_log);
		done = true;
	}
}

const char *
kbpf_last_error(void)
{
	return last_error;
}

void
kbpf_clear_error(void)
{
	last_error[0] = '\0';
	verifier_said = false;
}

static bool
have_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return (d[cap / 32].effective & (1u << (cap % 32))) != 0;
}

int
kbpf_permitted(char *why, size_t len)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3
	};
	struct __user_cap_data_struct d[2];
	int rc;

	if (why != NULL && len > 0)
		why[0] = '\0';
	kbpf_log_setup();
	if (syscall(SYS_capget, &h, d) != 0) {
		rc = -errno;
		snprintf(why, len, "capget: %s", strerror(-rc));
		return rc;
	}
	if (!have_cap(d, CAP_BPF) && !have_cap(d, CAP_SYS_ADMIN)) {
		snprintf(why, len, "no CAP_BPF or CAP_SYS_ADMIN");
		return -EPERM;
	}
	if (!have_cap(d, CAP_NET_ADMIN)) {
		snprintf(why, len, "no CAP_NET_ADMIN (tc hooks)");
		return -EPERM;
	}
	if (access("/sys/kernel/btf/vmlinux", F_OK) != 0) {
		snprintf(why, len, "kernel has no BTF (/sys/kernel/btf/vmlinux)");
		return -EOPNOTSUPP;
	}
	return 0;
}

int
kbpf_available(char *why, size_t len)
{
	struct kbpf_gw_bpf *skel;
	int rc;

	if ((rc = kbpf_permitted(why, len)) != 0)
		return rc;
	kbpf_clear_error();
	if ((skel = kbpf_gw_bpf__open()) == NULL) {
		rc = -errno;
		snprintf(why, len, "BPF object: %s", strerror(-rc));
		return rc;
	}
	rc = kbpf_gw_bpf__load(skel);
	kbpf_gw_bpf__destroy(skel);
	if (rc != 0) {
		if (rc > 0)
			rc = -rc;
		if (verifier_said)
			snprintf(why, len, "the verifier refused the programs: "
			    "%s", last_error);
		else
			snprintf(why, len, "cannot load the programs: %s%s%s%s",
			    strerror(-rc), last_error[0] != '\0' ? " (" : "",
			    last_error, last_error[0] != '\0' ? ")" : "");
		if (why != NULL && access("/sys/kernel/btf/vmlinux", F_OK) != 0)
			snprintf(why + strlen(why), len - strlen(why),
			    "; kernel has no BTF");
		return rc;
	}
	return 0;
}

int
kbpf_check_ether(int ifindex)
{
	char name[IF_NAMESIZE];
	struct ifreq ifr;
	int fd, rc = 0;

	if (if_indextoname((unsigned)ifindex, name) == NULL) {
		rc = -errno;
		log_warnx("kbpf: interface %d: %s", ifindex, strerror(-rc));
		return rc;
	}
	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) != 0)
		rc = -errno;
	else if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
		rc = -EOPNOTSUPP;
	close(fd);
	if (rc != 0)
		log_warnx("kbpf: %s: %s", name, rc == -EOPNOTSUPP ?
		    "not an Ethernet device" : strerror(-rc));
	return rc;
}

int
kbpf_hook_attach(struct kbpf_hook *h, int ifindex, bool egress, int prog_fd)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
	    .attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	/* one fixed slot per hook, replaced on attach: a program that a
	 * killed daemon left behind is taken over, never run before ours */
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd,
	    .handle = KBPF_TC_HANDLE, .priority = KBPF_TC_PRIORITY,
	    .flags = BPF_TC_F_REPLACE);
	int rc;

	memset(h, 0, sizeof(*h));
	h->ifindex = ifindex;
	h->egress = egress;
	rc = bpf_tc_hook_create(&hook);
	if (rc == 0)
		h->created = true;
	else if (rc != -EEXIST) {
		log_warnx("kbpf: clsact on interface %d: %s", ifindex,
		    strerror(-rc));
		return rc;
	}
	if ((rc = bpf_tc_attach(&hook, &opts)) != 0) {
		log_warnx("kbpf: attach to interface %d %s: %s", ifindex,
		    egress ? "egress" : "ingress", strerror(-rc));
		kbpf_hook_detach(h);
		return rc;
	}
	h->attached = true;
	h->handle = opts.handle;
	h->priority = opts.priority;
	return 0;
}

void
kbpf_hook_detach(struct kbpf_hook *h)
{
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = h->ifindex,
	    .attach_point = h->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = h->handle,
	    .priority = h->priority);
	int rc;

	if (h->attached) {
		/* the interface may be gone already: nothing to detach */
		rc = bpf_tc_detach(&hook, &opts);
		if (rc != 0 && rc != -ENOENT && rc != -ENODEV &&
		    rc != -EINVAL)
			log_warnx("kbpf: detach from interface %d: %s",
			    h->ifindex, strerror(-rc));
		h->attached = false;
	}
	if (h->created) {
		/* clsact is one qdisc for both directions */
		hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		(void)bpf_tc_hook_destroy(&hook);
		h->created = false;
	}
}

uint64_t
kbpf_boot_ns(int64_t unix_secs)
{
	int64_t now_unix, delta;

	if (unix_secs == 0)
		return 0;
	now_unix = clock_ns(CLOCK_REALTIME) / 1000000000;
	delta = unix_secs - now_unix;
	/* already expired: any past boot time that is not 0 */
	if (delta < 0 && -delta >= clock_ns(CLOCK_BOOTTIME) / 1000000000)
		return 1;
	if (delta > (INT64_MAX - clock_ns(CLOCK_BOOTTIME)) / 1000000000)
		return UINT64_MAX;	/* centuries away */
	return (uint64_t)(clock_ns(CLOCK_BOOTTIME) + delta * 1000000000);
}

int64_t
kbpf_unix_secs(uint64_t boot_ns)
{
	int64_t ago;

	if (boot_ns == 0)
		return 0;
	ago = clock_ns(CLOCK_BOOTTIME) - (int64_t)boot_ns;
	return (clock_ns(CLOCK_REALTIME) - ago) / 1000000000;
}

int
kbpf_ncpus(void)
{
	int n = libbpf_num_possible_cpus();

	return n > 0 ? n : 1;
}

int
kbpf_sum_counters(int fd, unsigned n, struct kbpf_counter *out)
{
	int ncpus = kbpf_ncpus(), rc = 0;
	struct kbpf_ctr *v;

	if ((v = calloc((size_t)ncpus, sizeof(*v))) == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		out[i].pkts = out[i].bytes = 0;
		if (bpf_map_lookup_elem(fd, &i, v) != 0) {
			rc = -errno;
			break;
		}
		for (int c = 0; c < ncpus; c++) {
			out[i].pkts += v[c].pkts;
			out[i].bytes += v[c].bytes;
		}
	}
	free(v);
	return rc;
}

/* Deletes every key of a hash map; each key is fetched before its
 * predecessor goes, so the walk never restarts. */
int
kbpf_map_clear(int fd, size_t key_size)
{
	uint8_t k[64], next[64];
	int more;

	if (key_size > sizeof(k))
		return -EINVAL;
	if (bpf_map_get_next_key(fd, NULL, k) != 0)
		return errno == ENOENT ? 0 : -errno;
	do {
		more = bpf_map_get_next_key(fd, k, next) == 0;
		if (bpf_map_delete_elem(fd, k) != 0 && errno != ENOENT)
			return -errno;
		memcpy(k, next, key_size);
	} while (more);
	return 0;
}
