/* bench_binding.c - the gateway's binding table at size: memory per
 * binding and the cost of the data plane's lookups (binding_lookup4 for
 * IPv4 -> client, binding_lookup6 for the RFC 7596 source check) and of
 * the control plane's updates, on the production code (libgateway.a).
 *
 * For each size N: add N bindings (random client interface identifiers
 * in one /64, consecutive IPv4 addresses), then time lookups of random
 * existing bindings (a cache-unfriendly order: the realistic worst case
 * for many flows), then remove-and-add pairs.  Prints one JSON line per N.
 *
 * usage: bench_binding [-l LOOKUPS] N...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/binding.h"

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t
rss_kb(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static uint64_t
xorshift(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static void
make_binding(struct binding *b, uint32_t i, uint64_t iid)
{
	static const uint8_t prefix[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 4, 0, 0 };

	memset(b, 0, sizeof(*b));
	memcpy(b->client.s6_addr, prefix, 8);
	memcpy(b->client.s6_addr + 8, &iid, 8);
	b->addr4 = 0x64400000u + i;		/* 100.64.0.0 + i */
	b->port_min = BINDING_PORT_ALL_MIN;
	b->port_max = BINDING_PORT_ALL_MAX;
	b->expires = 0;
}

static int
bench(uint32_t n, uint32_t lookups)
{
	struct binding_table t;
	struct binding b;
	uint64_t seed = 0x9e3779b97f4a7c15ull, *iid, rss0, rss1, misses = 0;
	uint32_t *pick, updates = n < 100000 ? n : 100000;
	int64_t t0, t_add, t_l4, t_l6, t_upd;
	uintptr_t sink = 0;

	iid = malloc(n * sizeof(*iid));
	pick = malloc(lookups * sizeof(*pick));
	if (iid == NULL || pick == NULL)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		iid[i] = xorshift(&seed) | 1;	/* never ::, never a dup */
	for (uint32_t i = 0; i < lookups; i++)
		pick[i] = (uint32_t)(xorshift(&seed) % n);

	rss0 = rss_kb();
	if (binding_table_init(&t, 0) != 0)
		return -1;
	t0 = now_ns();
	for (uint32_t i = 0; i < n; i++) {
		make_binding(&b, i, iid[i]);
		if (binding_add(&t, &b) != 0) {
			fprintf(stderr, "bench_binding: add %u failed\n", i);
			return -1;
		}
	}
	t_add = now_ns() - t0;
	rss1 = rss_kb();

	t0 = now_ns();
	for (uint32_t i = 0; i < lookups; i++) {
		struct binding *f = binding_lookup4(&t, 0x64400000u + pick[i],
		    (uint16_t)(i * 7919));

		misses += f == NULL;
		sink += (uintptr_t)f;
	}
	t_l4 = now_ns() - t0;

	t0 = now_ns();
	for (uint32_t i = 0; i < lookups; i++) {
		struct in6_addr a;
		struct binding *f;

		make_binding(&b, 0, iid[pick[i]]);
		a = b.client;
		f = binding_lookup6(&t, &a);
		misses += f == NULL;
		sink += (uintptr_t)f;
	}
	t_l6 = now_ns() - t0;

	/* control plane churn: unbind one, bind it again */
	t0 = now_ns();
	for (uint32_t i = 0; i < updates; i++) {
		uint32_t k = pick[i % lookups];

		make_binding(&b, k, iid[k]);
		if (binding_remove(&t, b.addr4, b.port_min) != 0 ||
		    binding_add(&t, &b) != 0) {
			fprintf(stderr, "bench_binding: update failed\n");
			return -1;
		}
	}
	t_upd = now_ns() - t0;
	if (binding_table_check(&t) != 0) {
		fprintf(stderr, "bench_binding: table inconsistent\n");
		return -1;
	}

	printf("{\"bindings\":%u,\"capacity\":%u,\"rss_kb\":%llu,"
	    "\"bytes_per_binding\":%.1f,\"alloc_bytes_per_binding\":%.1f,"
	    "\"add_ns\":%.1f,\"lookup4_ns\":%.1f,\"lookup6_ns\":%.1f,"
	    "\"update_ns\":%.1f,\"lookups\":%u,\"misses\":%llu,"
	    "\"sink\":%u}\n", n, t.cap,
	    (unsigned long long)(rss1 - rss0),
	    (double)(rss1 - rss0) * 1024.0 / n,
	    (double)t.cap * (sizeof(struct binding) + 2 * sizeof(uint32_t) +
	    2 * sizeof(uint32_t)) / n,
	    (double)t_add / n, (double)t_l4 / lookups, (double)t_l6 / lookups,
	    (double)t_upd / (2.0 * updates), lookups,
	    (unsigned long long)misses, (unsigned)(sink & 1));
	binding_table_free(&t);
	free(iid);
	free(pick);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned long lookups = 2000000;
	int ch;

	while ((ch = getopt(argc, argv, "l:")) != -1) {
		if (ch != 'l')
			goto usage;
		lookups = strtoul(optarg, NULL, 10);
	}
	if (optind == argc || lookups == 0 || lookups > 100000000)
		goto usage;
	for (int i = optind; i < argc; i++) {
		unsigned long n = strtoul(argv[i], NULL, 10);

		if (n == 0 || n > 16777216)
			goto usage;
		if (bench((uint32_t)n, (uint32_t)lookups) != 0)
			return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: bench_binding [-l LOOKUPS] N...\n");
	return 2;
}
