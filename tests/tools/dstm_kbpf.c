/* dstm_kbpf.c - holds a BPF fast path (kernel/kbpf.h) open for tests and
 * benchmarks: creates the TUN, loads and attaches the programs, installs
 * fixed bindings or a lease, prints "ready" and waits.  SIGUSR1 writes
 * the counters to the -o file (replaced atomically), one "name value"
 * per line: "fwd-up.pkts 3", "bind.0.pkts_up 3", ...; SIGTERM ends.
 *
 * usage: dstm_kbpf gw -t TEP6 -i TUN -u UPLINK [-u UPLINK...] [-m MTU]
 *            [-b A4=CLIENT6[,ports=MIN-MAX][,exp=SECS]] ... [-o FILE]
 *            [-N MAX_BINDINGS] [-c]
 *            exp: seconds from now (negative: already expired); the
 *            bindings get counter slots 0, 1, ... in order
 *            -c: commands on stdin (make bench), one JSON line each:
 *              fill N     synthetic bindings 100.64.0.1=2001:db8:ff::1,
 *                         ... grown or shrunk to N (< 2^21)
 *              churn SECS bind and unbind other synthetic bindings (a
 *                         window of 256 live) for SECS, as the gateway's
 *                         bpf backend does (slot cleared, then bound)
 *              maps       the process's BPF maps: entries, memlock
 *              stats      the counters to the -o file, as SIGUSR1
 *        dstm_kbpf client -s SRC6 -t TEP6 -i TUN -u UPLINK -l LEASE4
 *            [-o FILE]
 *        dstm_kbpf probe      exit 0 if BPF is usable, else say why
 */
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "common/addr.h"
#include "common/clock.h"
#include "common/log.h"
#include "kernel/kbpf.h"
#include "kernel/nl.h"
#include "kernel/tun.h"

#define MAX_BIND	16

struct bind_arg {
	uint32_t	addr4;
	struct in6_addr	client6;
	uint16_t	pmin, pmax;
	int64_t		expires;
};

static volatile sig_atomic_t got_usr1, got_term;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: dstm_kbpf gw -t TEP6 -i TUN -u UPLINK... [-m MTU] "
	    "[-b A4=CLIENT6[,ports=MIN-MAX][,exp=SECS]]... [-o FILE] "
	    "[-N MAX] [-c]\n"
	    "       dstm_kbpf client -s SRC6 -t TEP6 -i TUN -u UPLINK "
	    "-l LEASE4 [-o FILE]\n"
	    "       dstm_kbpf probe\n");
	exit(2);
}

static int
parse_bind(char *s, struct bind_arg *b)
{
	char *eq, *opt, *save = NULL;
	unsigned a, z;
	long e;

	memset(b, 0, sizeof(*b));
	b->pmax = 65535;
	if ((eq = strchr(s, '=')) == NULL)
		return -1;
	*eq++ = '\0';
	if (!addr4_parse(s, &b->addr4, NULL))
		return -1;
	opt = strtok_r(eq, ",", &save);
	if (opt == NULL || !addr6_parse(opt, &b->client6, NULL))
		return -1;
	while ((opt = strtok_r(NULL, ",", &save)) != NULL) {
		if (sscanf(opt, "ports=%u-%u", &a, &z) == 2 && a <= z &&
		    z <= 65535) {
			b->pmin = (uint16_t)a;
			b->pmax = (uint16_t)z;
		} else if (sscanf(opt, "exp=%ld", &e) == 1)
			b->expires = (int64_t)time(NULL) + e;
		else
			return -1;
	}
	return 0;
}

static int
ifindex_of(const char *name)
{
	int i = (int)if_nametoindex(name);

	if (i == 0)
		fprintf(stderr, "dstm_kbpf: no interface %s\n", name);
	return i;
}

/* the TUN, up; its fd is held until exit */
static int
open_tun(const char *name, int *ifindex)
{
	struct knl *k;
	int fd, rc;

	if ((fd = tun_open(name, 0, NULL, 0)) < 0) {
		fprintf(stderr, "dstm_kbpf: TUN %s: %s\n", name, strerror(-fd));
		return -1;
	}
	if ((*ifindex = ifindex_of(name)) == 0)
		return -1;
	if ((rc = knl_open(&k)) != 0)
		return -1;
	rc = knl_link_set_up(k, *ifindex, true);
	knl_close(k);
	return rc == 0 ? fd : -1;
}

static void
dump(const char *path, const struct kbpf_counter *c, unsigned n,
    const char *(*name)(unsigned), struct kbpf_gw *g, unsigned nbind)
{
	struct kbpf_binding_counters bc;
	char tmp[512];
	FILE *f;

	if (path == NULL)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "%s.pkts %llu\n%s.bytes %llu\n", name(i),
		    (unsigned long long)c[i].pkts, name(i),
		    (unsigned long long)c[i].bytes);
	for (unsigned i = 0; g != NULL && i < nbind; i++) {
		if (kbpf_gw_binding_counters(g, i, &bc) != 0)
			continue;
		fprintf(f, "bind.%u.pkts_up %llu\nbind.%u.bytes_up %llu\n"
		    "bind.%u.pkts_down %llu\nbind.%u.bytes_down %llu\n"
		    "bind.%u.last_seen %lld\n",
		    i, (unsigned long long)bc.pkts_up,
		    i, (unsigned long long)bc.bytes_up,
		    i, (unsigned long long)bc.pkts_down,
		    i, (unsigned long long)bc.bytes_down,
		    i, (long long)bc.last_seen);
	}
	fclose(f);
	rename(tmp, path);
}

static void
wait_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!got_term && !got_usr1)
		sigsuspend(&none);
}

/* ---- command mode (-c): the maps at size and their update rate ---- */

#define CHURN_WINDOW	256	/* churned bindings live at once */

struct synth {
	struct kbpf_gw	*g;
	uint32_t	 base;	/* first counter slot after the -b bindings */
	uint32_t	 max;	/* max_bindings */
	uint32_t	 n;	/* synthetic bindings 1..n are bound */
};

/* synthetic binding i of set 0 (fill: 100.64.0.0 + i = 2001:db8:ff::i)
 * or set 1 (churn: 100.96.0.0 + i = 2001:db8:fe::i), i < 2^21: map keys
 * only, in RFC 6598 space, never in a packet */
#define SYNTH_MAX	0x1fffff

static void
synth_pair(unsigned set, uint32_t i, uint32_t *a4, struct in6_addr *c6)
{
	i &= SYNTH_MAX;
	*a4 = (set == 0 ? 0x64400000u : 0x64600000u) + i;
	memset(c6, 0, sizeof(*c6));
	c6->s6_addr[0] = 0x20;
	c6->s6_addr[1] = 0x01;
	c6->s6_addr[2] = 0x0d;
	c6->s6_addr[3] = 0xb8;
	c6->s6_addr[4] = 0x00;
	c6->s6_addr[5] = set == 0 ? 0xff : 0xfe;
	c6->s6_addr[13] = (uint8_t)(i >> 16);
	c6->s6_addr[14] = (uint8_t)(i >> 8);
	c6->s6_addr[15] = (uint8_t)i;
}

/* what be_bpf.c does for a new binding: a fresh counter slot, then bind */
static int
synth_bind(struct kbpf_gw *g, unsigned set, uint32_t i, uint32_t slot)
{
	struct in6_addr c6;
	uint32_t a4;
	int rc;

	synth_pair(set, i, &a4, &c6);
	if ((rc = kbpf_gw_binding_counters_clear(g, slot)) != 0)
		return rc;
	return kbpf_gw_bind(g, a4, &c6, 0, 65535, 0, slot);
}

static int
synth_unbind(struct kbpf_gw *g, unsigned set, uint32_t i)
{
	struct in6_addr c6;
	uint32_t a4;

	synth_pair(set, i, &a4, &c6);
	return kbpf_gw_unbind(g, a4, &c6);
}

static void
cmd_fill(struct synth *sy, unsigned long want)
{
	int64_t t0 = clock_ns(CLOCK_MONOTONIC);
	unsigned long added = 0, removed = 0, errors = 0;
	double secs;

	if (want > SYNTH_MAX || sy->base + want + CHURN_WINDOW > sy->max) {
		printf("{\"error\":\"fill %lu does not fit -N %u\"}\n", want,
		    sy->max);
		return;
	}
	for (; sy->n < want; sy->n++, added++)
		if (synth_bind(sy->g, 0, sy->n + 1, sy->base + sy->n) != 0)
			errors++;
	for (; sy->n > want; sy->n--, removed++)
		if (synth_unbind(sy->g, 0, sy->n) != 0)
			errors++;
	secs = (double)(clock_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	printf("{\"fill\":%u,\"added\":%lu,\"removed\":%lu,\"errors\":%lu,"
	    "\"secs\":%.3f,\"per_s\":%.0f}\n", sy->n, added, removed, errors,
	    secs, secs > 0 ? (double)(added + removed) / secs : 0.0);
}

static void
cmd_churn(struct synth *sy, double secs)
{
	int64_t t0 = clock_ns(CLOCK_MONOTONIC), end, t = t0;
	unsigned long binds = 0, unbinds = 0, errors = 0;
	uint32_t j, slot0 = sy->max - CHURN_WINDOW;

	end = t0 + (int64_t)(secs * 1e9);
	for (j = 0; t < end; j++) {
		if (j >= CHURN_WINDOW) {
			if (synth_unbind(sy->g, 1, j - CHURN_WINDOW + 1) != 0)
				errors++;
			unbinds++;
		}
		if (synth_bind(sy->g, 1, j + 1, slot0 + j % CHURN_WINDOW) != 0)
			errors++;
		binds++;
		if ((j & 63) == 63)
			t = clock_ns(CLOCK_MONOTONIC);
	}
	t = clock_ns(CLOCK_MONOTONIC);
	/* the window left over, not timed */
	for (uint32_t k = j > CHURN_WINDOW ? j - CHURN_WINDOW : 0; k < j; k++)
		(void)synth_unbind(sy->g, 1, k + 1);
	printf("{\"churn_secs\":%.3f,\"updates\":%lu,\"binds\":%lu,"
	    "\"unbinds\":%lu,\"errors\":%lu,\"per_s\":%.0f,\"bindings\":%u}\n",
	    (double)(t - t0) / 1e9, binds + unbinds, binds, unbinds, errors,
	    (double)(binds + unbinds) * 1e9 / (double)(t - t0), sy->n);
}

/* this process's BPF maps (the skeleton's, found by their fds) with
 * what the kernel charges for each: memlock in /proc/self/fdinfo is the
 * map's memory use, elements included for maps allocated as used */
static void
cmd_maps(void)
{
	struct bpf_map_info info;
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	const char *sep = "";
	char path[64], line[128];
	unsigned long long memlock;
	bool map;
	FILE *f;

	printf("{\"maps\":[");
	while (d != NULL && (e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		uint32_t len = sizeof(info);

		if (e->d_name[0] == '.' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		map = false;
		memlock = 0;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "map_type:", 9) == 0)
				map = true;
			(void)sscanf(line, "memlock: %llu", &memlock);
		}
		fclose(f);
		memset(&info, 0, sizeof(info));
		if (!map || bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
			continue;
		printf("%s{\"name\":\"%s\",\"type\":%u,\"key\":%u,\"value\":%u,"
		    "\"max\":%u,\"flags\":%u,\"memlock\":%llu}", sep, info.name,
		    info.type, info.key_size, info.value_size,
		    info.max_entries, info.map_flags, memlock);
		sep = ",";
	}
	if (d != NULL)
		closedir(d);
	printf("]}\n");
}

static void
command_loop(struct synth *sy, const char *out, unsigned nb)
{
	struct kbpf_counter ctr[KBPF_GW_STAT_MAX];
	char line[128];
	unsigned long n;
	double x;
	sigset_t all;

	/* signals interrupt the read (no SA_RESTART) */
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	while (!got_term) {
		if (fgets(line, sizeof(line), stdin) == NULL) {
			if (feof(stdin) || !ferror(stdin) || errno != EINTR)
				break;
			clearerr(stdin);
			continue;
		}
		if (sscanf(line, "fill %lu", &n) == 1)
			cmd_fill(sy, n);
		else if (sscanf(line, "churn %lf", &x) == 1 && x > 0 && x < 3600)
			cmd_churn(sy, x);
		else if (strncmp(line, "maps", 4) == 0)
			cmd_maps();
		else if (strncmp(line, "stats", 5) == 0) {
			if (kbpf_gw_counters(sy->g, ctr) == 0)
				dump(out, ctr, KBPF_GW_STAT_MAX,
				    kbpf_gw_counter_name, sy->g, nb);
			printf("{\"stats\":true}\n");
		} else
			printf("{\"error\":\"unknown command\"}\n");
		fflush(stdout);
	}
}

static int
run_gw(int argc, char **argv)
{
	struct kbpf_gw_config c = { .mtu = 1460 };
	struct bind_arg b[MAX_BIND];
	struct kbpf_counter ctr[KBPF_GW_STAT_MAX];
	struct kbpf_gw *g;
	const char *tun = NULL, *out = NULL;
	unsigned nb = 0;
	bool commands = false;
	int ch, fd, rc;

	while ((ch = getopt(argc, argv, "t:i:u:m:b:o:N:c")) != -1) {
		switch (ch) {
		case 't':
			if (!addr6_parse(optarg, &c.tep6, NULL))
				usage();
			break;
		case 'i':
			tun = optarg;
			break;
		case 'u':
			if (c.n_uplinks == KBPF_MAX_UPLINKS ||
			    (c.uplinks[c.n_uplinks++] = ifindex_of(optarg)) == 0)
				usage();
			break;
		case 'm':
			c.mtu = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'b':
			if (nb == MAX_BIND || parse_bind(optarg, &b[nb++]) != 0)
				usage();
			break;
		case 'o':
			out = optarg;
			break;
		case 'N':
			c.max_bindings = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			commands = true;
			break;
		default:
			usage();
		}
	}
	if (tun == NULL || c.n_uplinks == 0)
		usage();
	if ((fd = open_tun(tun, &c.tun_ifindex)) < 0)
		return 1;
	if ((rc = kbpf_gw_open(&c, &g)) != 0) {
		fprintf(stderr, "dstm_kbpf: gw: %s\n", strerror(-rc));
		return 1;
	}
	for (unsigned i = 0; i < nb; i++)
		if ((rc = kbpf_gw_bind(g, b[i].addr4, &b[i].client6, b[i].pmin,
		    b[i].pmax, b[i].expires, i)) != 0) {
			fprintf(stderr, "dstm_kbpf: bind: %s\n", strerror(-rc));
			return 1;
		}
	printf("ready\n");
	fflush(stdout);
	if (commands) {
		struct synth sy = { .g = g, .base = nb, .max = c.max_bindings ?
		    c.max_bindings : KBPF_DEFAULT_BINDINGS };

		command_loop(&sy, out, nb);
		got_term = 1;
	}
	while (!got_term) {
		wait_signals();
		if (got_usr1) {
			got_usr1 = 0;
			if (kbpf_gw_counters(g, ctr) == 0)
				dump(out, ctr, KBPF_GW_STAT_MAX,
				    kbpf_gw_counter_name, g, nb);
		}
		if (got_term)
			break;
	}
	kbpf_gw_close(g);
	tun_close(fd);
	return 0;
}

static int
run_client(int argc, char **argv)
{
	struct kbpf_client_config c;
	struct kbpf_counter ctr[KBPF_CL_STAT_MAX];
	struct kbpf_client *cl;
	const char *tun = NULL, *out = NULL;
	uint32_t lease = 0;
	int ch, fd, rc;

	memset(&c, 0, sizeof(c));
	while ((ch = getopt(argc, argv, "s:t:i:u:l:o:")) != -1) {
		switch (ch) {
		case 's':
			if (!addr6_parse(optarg, &c.src6, NULL))
				usage();
			break;
		case 't':
			if (!addr6_parse(optarg, &c.tep6, NULL))
				usage();
			break;
		case 'i':
			tun = optarg;
			break;
		case 'u':
			if ((c.uplink_ifindex = ifindex_of(optarg)) == 0)
				usage();
			break;
		case 'l':
			if (!addr4_parse(optarg, &lease, NULL))
				usage();
			break;
		case 'o':
			out = optarg;
			break;
		default:
			usage();
		}
	}
	if (tun == NULL || c.uplink_ifindex == 0 || lease == 0)
		usage();
	if ((fd = open_tun(tun, &c.tun_ifindex)) < 0)
		return 1;
	if ((rc = kbpf_client_open(&c, &cl)) != 0 ||
	    (rc = kbpf_client_set_lease(cl, lease, NULL)) != 0) {
		fprintf(stderr, "dstm_kbpf: client: %s\n", strerror(-rc));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		wait_signals();
		if (got_usr1) {
			got_usr1 = 0;
			if (kbpf_client_counters(cl, ctr) == 0)
				dump(out, ctr, KBPF_CL_STAT_MAX,
				    kbpf_client_counter_name, NULL, 0);
		}
		if (got_term)
			break;
	}
	kbpf_client_close(cl);
	tun_close(fd);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t block;
	char why[512];

	log_init(1, 1, "dstm_kbpf");
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "probe") == 0) {
		if (kbpf_available(why, sizeof(why)) != 0) {
			printf("unavailable: %s\n", why);
			return 1;
		}
		printf("available\n");
		return 0;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* signals only while waiting in sigsuspend() */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, NULL);
	if (strcmp(argv[1], "gw") == 0)
		return run_gw(argc - 1, argv + 1);
	if (strcmp(argv[1], "client") == 0)
		return run_client(argc - 1, argv + 1);
	usage();
}
