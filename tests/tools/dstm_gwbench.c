/* dstm_gwbench.c - the cost of a gateway backend's bindings: opens the
 * gateway (gateway/gateway.h) with backend -b, binds N whole addresses
 * of 198.18.0.0/15 (RFC 2544's benchmarking block: the documentation
 * /24s are too small for 10k; no packet is sent to them, the VM's NIC
 * stays unconfigured) to N clients 2001:db8:b::/64 + i, then unbinds
 * them, timing both and reading /proc/meminfo around them.  For ip6tnl
 * this is N kernel devices created and removed.
 *
 * usage: dstm_gwbench [-b tun|bpf|ip6tnl] [-n N] [-t TEP6]
 * prints one line:
 *   backend ip6tnl bindings N bind_s S bind_per_s R unbind_s S
 *   unbind_per_s R mem_kib_per_binding K slab_kib_per_binding K
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "gateway/gateway.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* kB of one /proc/meminfo line */
static long
meminfo(const char *key)
{
	char line[256];
	size_t kl = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

int
main(int argc, char **argv)
{
	struct gw_settings s;
	struct gw_config gc;
	struct in6_addr tep6, c;
	struct range4 pool = { 0xc6120000u, 0xc613ffffu };	/* 198.18/15 */
	struct gw *g;
	const char *why;
	unsigned n = 1000;
	long avail0, slab0, avail1, slab1;
	double t0, t1, t2;
	int ch, rc;

	gw_settings_defaults(&s);
	s.backend = GW_BACKEND_IP6TNL;
	addr6_parse("2001:db8:1::1", &tep6, NULL);
	while ((ch = getopt(argc, argv, "b:n:t:")) != -1) {
		switch (ch) {
		case 'b':
			s.backend = strcmp(optarg, "tun") == 0 ? GW_BACKEND_TUN :
			    strcmp(optarg, "bpf") == 0 ? GW_BACKEND_BPF :
			    GW_BACKEND_IP6TNL;
			break;
		case 'n':
			n = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			if (!addr6_parse(optarg, &tep6, &why)) {
				fprintf(stderr, "-t: %s\n", why);
				return 2;
			}
			break;
		default:
			fprintf(stderr, "usage: dstm_gwbench [-b tun|bpf|ip6tnl] "
			    "[-n N] [-t TEP6]\n");
			return 2;
		}
	}
	if (n == 0 || n > pool.last - pool.first) {
		fprintf(stderr, "-n: 1-%u\n", pool.last - pool.first);
		return 2;
	}
	log_init(1, 0, "dstm_gwbench");
	gw_config_init(&gc, &s, &tep6, &pool, 1);
	if ((rc = gw_open(&gc, &g)) != 0) {
		fprintf(stderr, "gw_open: %s\n", strerror(-rc));
		return 1;
	}
	addr6_parse("2001:db8:b::", &c, NULL);
	avail0 = meminfo("MemAvailable");
	slab0 = meminfo("Slab");
	t0 = now_s();
	for (unsigned i = 0; i < n; i++) {
		c.s6_addr[14] = (uint8_t)((i + 1) >> 8);
		c.s6_addr[15] = (uint8_t)(i + 1);
		c.s6_addr[13] = (uint8_t)((i + 1) >> 16);
		if ((rc = gw_bind(g, pool.first + 1 + i, &c, 0)) != 0) {
			fprintf(stderr, "bind %u: %s\n", i, strerror(-rc));
			n = i;
			break;
		}
	}
	t1 = now_s();
	avail1 = meminfo("MemAvailable");
	slab1 = meminfo("Slab");
	for (unsigned i = 0; i < n; i++)
		gw_unbind(g, pool.first + 1 + i, NULL);
	t2 = now_s();
	gw_close(g);
	if (n == 0)
		return 1;
	printf("backend %s bindings %u bind_s %.2f bind_per_s %.0f "
	    "unbind_s %.2f unbind_per_s %.0f mem_kib_per_binding %.1f "
	    "slab_kib_per_binding %.1f\n", gw_backend_kind_name(s.backend), n,
	    t1 - t0, n / (t1 - t0), t2 - t1, n / (t2 - t1),
	    (double)(avail0 - avail1) / n, (double)(slab1 - slab0) / n);
	return 0;
}
