/* dstm_load.c - drive rpcdstmd with many simulated IPv6 clients.
 *
 * Each simulated client speaks from its own source address inside a prefix
 * that is routed locally (ip -6 route add local PREFIX/64 dev lo), using
 * IPV6_FREEBIND, so the server sees N distinct callers.  Prints every
 * acknowledged lease as "ack CLIENT ADDR" (flushed at once: a test can
 * kill -9 the server mid-burst and know what was acknowledged), and a
 * summary line "ops N ok M fail F secs S rate R/s p50 Xus p99 Yus max Zus"
 * (latency of each completed call, measured around the RPC).
 *
 * usage: dstm_load -s SERVER6 [-p PORT] [-c PREFIX6] [-n CLIENTS]
 *                  [-o alloc|renew|release|cycle] [-u] [-q] [-P PROCS]
 *                  [-T SECS] [-x]
 *        dstm_load -s SERVER6 [-p PORT] -V ACKFILE
 *   -V  verify: for every "ack CLIENT ADDR" line, ask INFO from CLIENT and
 *       check that ADDR is still its lease; then check that no address is
 *       leased to two clients.  Prints "verified N missing M duplicates D".
 *   -c  source prefix base: client i speaks from PREFIX + i (default: the
 *       kernel's choice of source, i.e. one client)
 *   -r  requests per client over its one connection (renew/cycle mixes)
 *   -u  udp6 instead of tcp6
 *   -q  quiet: no per-lease lines
 *   -P  run the clients in PROCS parallel processes (client i in process
 *       i % PROCS), each sequential: PROCS calls in flight (make bench)
 *   -T  stop starting calls after SECS (bounded benchmark runs)
 *   -x  scramble: client i speaks from PREFIX + perm(i + 1), a bijection
 *       of the low 32 bits (addresses that look random, none twice)
 *
 * Each client's lease key is derived from its address (a client that runs
 * again, after a server crash, is the same client); over udp6 a client's
 * first ALLOC is answered with a cookie and sent again with it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "rpc/dstm.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static CLIENT *
connect_from(const struct in6_addr *src, const struct sockaddr_in6 *dst,
    int udp)
{
	struct sockaddr_in6 s6;
	struct netbuf nb;
	int fd, one = 1;
	CLIENT *cl;

	fd = socket(AF_INET6, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (src != NULL) {
		memset(&s6, 0, sizeof(s6));
		s6.sin6_family = AF_INET6;
		s6.sin6_addr = *src;
		if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) != 0) {
			perror("bind");
			close(fd);
			return NULL;
		}
	}
	nb.buf = (void *)dst;
	nb.len = nb.maxlen = sizeof(*dst);
	if (udp) {
		cl = clnt_dg_create(fd, &nb, DSTM_PROG, DSTM_V2, 0, 0);
	} else {
		if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst))) {
			close(fd);
			return NULL;
		}
		cl = clnt_vc_create(fd, &nb, DSTM_PROG, DSTM_V2, 0, 0);
	}
	if (cl == NULL) {
		close(fd);
		return NULL;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	return cl;
}

/* The key of the client at `src`: never zero. */
static void
key_of(const struct in6_addr *src, uint8_t key[static DSTM_KEY_LEN])
{
	for (int i = 0; i < DSTM_KEY_LEN; i++)
		key[i] = src->s6_addr[i] ^ (uint8_t)(0x5a + i);
}

/* ALLOC, and once more with the cookie when udp6 asks for one. */
static enum clnt_stat
alloc2(CLIENT *cl, const struct in6_addr *src, dstm_alloc_reply *res)
{
	dstm_alloc2_args a;
	enum clnt_stat cs;

	memset(&a, 0, sizeof(a));
	key_of(src, (uint8_t *)a.key);
	for (int k = 0; k < 2; k++) {
		memset(res, 0, sizeof(*res));
		cs = dstmproc2_alloc_2(&a, res, cl);
		if (cs != RPC_SUCCESS || res->lease.status != DSTM_COOKIE)
			break;
		memcpy(a.cookie, res->cookie, sizeof(a.cookie));
	}
	return cs;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
verify(const struct sockaddr_in6 *dst, const char *path)
{
	char line[256], c6[ADDR_STRLEN], a4[ADDR_STRLEN];
	struct timeval tmo = { 5, 0 };
	unsigned long n = 0, missing = 0, dups = 0, nall = 0, cap = 0;
	uint32_t *all = NULL;
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		struct in6_addr src;
		uint32_t want;
		dstm_info in;
		CLIENT *cl;
		int found = 0;

		if (sscanf(line, "ack %63s %63s", c6, a4) != 2 ||
		    !addr6_parse(c6, &src, NULL) || !addr4_parse(a4, &want,
		    NULL))
			continue;
		n++;
		if ((cl = connect_from(&src, dst, 0)) == NULL) {
			missing++;
			continue;
		}
		clnt_control(cl, CLSET_TIMEOUT, (char *)&tmo);
		memset(&in, 0, sizeof(in));
		if (dstmproc2_info_2(NULL, &in, cl) == RPC_SUCCESS) {
			for (unsigned i = 0; i < in.leases.leases_len; i++) {
				uint32_t a = addr4_from_bytes((uint8_t *)
				    in.leases.leases_val[i].addr);

				found |= a == want;
				if (nall == cap) {
					cap = cap ? 2 * cap : 1024;
					all = realloc(all, cap * sizeof(*all));
					if (all == NULL)
						return 1;
				}
				all[nall++] = a;
			}
			clnt_freeres(cl, (xdrproc_t)xdr_dstm_info, (char *)&in);
		}
		if (!found) {
			missing++;
			printf("missing %s %s\n", c6, a4);
		}
		clnt_destroy(cl);
	}
	fclose(f);
	qsort(all, nall, sizeof(*all), cmp_u32);
	for (unsigned long i = 1; i < nall; i++)
		dups += all[i] == all[i - 1];
	printf("verified %lu missing %lu duplicates %lu\n", n, missing, dups);
	free(all);
	return missing == 0 && dups == 0 ? 0 : 1;
}

/* What one process did; in shared memory when -P forks workers. */
struct load_result {
	unsigned long	ops, ok, fail;
};

struct load_job {
	struct sockaddr_in6	 dst;
	struct in6_addr		 base;
	const char		*op;
	int			 use_prefix, udp, quiet, scramble;
	unsigned long		 n, rounds;
	double			 deadline;	/* now_s(), 0 = none */
	uint32_t		*lat;	/* n * rounds * 2 slots, us + 1; 0 = none */
};

static void
lat_put(const struct load_job *j, unsigned long i, unsigned long r, int k,
    double t0)
{
	double us = (now_s() - t0) * 1e6;

	j->lat[(i * j->rounds + r) * 2 + (unsigned long)k] =
	    us >= 4e9 ? UINT32_MAX : (uint32_t)us + 1;
}

/* A bijection of 32-bit values: odd multiplications and xor-shifts,
 * each invertible */
static uint32_t
perm32(uint32_t x)
{
	x *= 0x9e3779b1u;
	x ^= x >> 16;
	x *= 0x85ebca6bu;
	x ^= x >> 13;
	return x;
}

/* Clients first, first + step, ... < n: each connects from its own
 * source and makes `rounds` requests over its one connection. */
static void
run_clients(const struct load_job *j, unsigned long first, unsigned long step,
    uint32_t *leased, struct load_result *res)
{
	struct timeval tmo = { 5, 0 };
	const char *op = j->op;

	for (unsigned long i = first; i < j->n; i += step) {
		char a4[ADDR_STRLEN], a6[ADDR_STRLEN];
		struct in6_addr src = j->base;
		uint32_t low;
		CLIENT *cl;

		if (j->deadline > 0 && now_s() >= j->deadline)
			break;
		/* client i speaks from PREFIX + i + 1 (low 32 bits) */
		low = addr4_from_bytes(&j->base.s6_addr[12]) +
		    (j->scramble ? perm32((uint32_t)i + 1) : (uint32_t)i + 1);
		addr4_to_bytes(low, &src.s6_addr[12]);
		cl = connect_from(j->use_prefix ? &src : NULL, &j->dst, j->udp);
		if (cl == NULL) {
			res->fail++;
			continue;
		}
		clnt_control(cl, CLSET_TIMEOUT, (char *)&tmo);
		for (unsigned long r = 0; r < j->rounds; r++) {
			dstm_alloc_reply ares;
			dstm_lease_args ra;
			dstm_lease lres;
			dstm_status st;
			int do_alloc = strcmp(op, "alloc") == 0 ||
			    strcmp(op, "cycle") == 0 || leased[i] == 0;
			double t0;

			if (j->deadline > 0 && now_s() >= j->deadline)
				break;
			memset(&lres, 0, sizeof(lres));
			if (do_alloc) {
				res->ops++;
				t0 = now_s();
				if (alloc2(cl, &src, &ares) != RPC_SUCCESS ||
				    ares.lease.status != DSTM_OK) {
					res->fail++;
					break;
				}
				lat_put(j, i, r, 0, t0);
				res->ok++;
				leased[i] = addr4_from_bytes((uint8_t *)
				    ares.lease.addr);
				if (!j->quiet)
					printf("ack %s %s\n", addr6_ntop(&src,
					    a6, sizeof(a6)), addr4_ntop(leased[i],
					    a4, sizeof(a4)));
				if (strcmp(op, "alloc") == 0)
					continue;
			}
			addr4_to_bytes(leased[i], (uint8_t *)ra.addr);
			key_of(&src, (uint8_t *)ra.key);
			t0 = now_s();
			if (strcmp(op, "renew") == 0) {
				res->ops++;
				if (dstmproc2_renew_2(&ra, &lres, cl) ==
				    RPC_SUCCESS && lres.status == DSTM_OK) {
					lat_put(j, i, r, 1, t0);
					res->ok++;
				} else {
					res->fail++;
				}
			} else if (strcmp(op, "release") == 0 ||
			    strcmp(op, "cycle") == 0) {
				res->ops++;
				if (dstmproc2_release_2(&ra, &st, cl) ==
				    RPC_SUCCESS && st == DSTM_OK) {
					lat_put(j, i, r, 1, t0);
					res->ok++;
					leased[i] = 0;
				} else {
					res->fail++;
				}
			}
		}
		clnt_destroy(cl);
	}
}

/* p50/p99/max of the recorded latencies (compacted in place) */
static void
lat_summary(uint32_t *lat, size_t slots, uint32_t out[3])
{
	size_t m = 0;

	for (size_t k = 0; k < slots; k++)
		if (lat[k] != 0)
			lat[m++] = lat[k] - 1;
	out[0] = out[1] = out[2] = 0;
	if (m == 0)
		return;
	qsort(lat, m, sizeof(*lat), cmp_u32);
	out[0] = lat[(m - 1) / 2];
	out[1] = lat[(size_t)((double)(m - 1) * 0.99)];
	out[2] = lat[m - 1];
}

static void
usage(void)
{
	fprintf(stderr, "usage: dstm_load -s SERVER6 [-p PORT] [-c PREFIX6] "
	    "[-n CLIENTS] [-r ROUNDS] [-o alloc|renew|release|cycle] [-u] "
	    "[-q] [-P PROCS] [-T SECS] [-x]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct load_job j;
	struct load_result *res, sum = { 0, 0, 0 };
	const char *server = NULL, *prefix = NULL, *vfile = NULL;
	unsigned long procs = 1;
	double limit = 0;
	int ch, port = DSTM_DEFAULT_PORT;
	uint32_t *leased, pct[3];
	size_t lat_bytes;
	double t0, t1;

	memset(&j, 0, sizeof(j));
	j.op = "alloc";
	j.n = j.rounds = 1;
	while ((ch = getopt(argc, argv, "s:p:c:n:o:r:uqV:P:T:x")) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': prefix = optarg; break;
		case 'n': j.n = strtoul(optarg, NULL, 10); break;
		case 'r': j.rounds = strtoul(optarg, NULL, 10); break;
		case 'o': j.op = optarg; break;
		case 'u': j.udp = 1; break;
		case 'q': j.quiet = 1; break;
		case 'V': vfile = optarg; break;
		case 'P': procs = strtoul(optarg, NULL, 10); break;
		case 'T': limit = strtod(optarg, NULL); break;
		case 'x': j.scramble = 1; break;
		default: usage();
		}
	}
	if (server == NULL || j.n == 0 || j.n > 16777216 || j.rounds == 0 ||
	    j.rounds > 1000000 || procs == 0 || procs > 64 || limit < 0)
		usage();
	memset(&j.dst, 0, sizeof(j.dst));
	j.dst.sin6_family = AF_INET6;
	j.dst.sin6_port = htons((uint16_t)port);
	if (!addr6_parse(server, &j.dst.sin6_addr, NULL))
		usage();
	if (prefix != NULL && !addr6_parse(prefix, &j.base, NULL))
		usage();
	j.use_prefix = prefix != NULL;
	if (vfile != NULL)
		return verify(&j.dst, vfile);
	/* shared with the workers: results, leases, latencies */
	lat_bytes = j.n * j.rounds * 2 * sizeof(uint32_t);
	res = mmap(NULL, procs * sizeof(*res), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	leased = mmap(NULL, j.n * sizeof(*leased), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	j.lat = mmap(NULL, lat_bytes, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED || leased == MAP_FAILED || j.lat == MAP_FAILED)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	t0 = now_s();
	if (limit > 0)
		j.deadline = t0 + limit;
	if (procs == 1) {
		run_clients(&j, 0, 1, leased, &res[0]);
	} else {
		for (unsigned long k = 0; k < procs; k++) {
			pid_t pid = fork();

			if (pid < 0) {
				perror("fork");
				res[k].fail++;
				continue;
			}
			if (pid == 0) {
				run_clients(&j, k, procs, leased, &res[k]);
				fflush(stdout);
				_exit(0);
			}
		}
		while (wait(NULL) > 0)
			;
	}
	t1 = now_s();
	for (unsigned long k = 0; k < procs; k++) {
		sum.ops += res[k].ops;
		sum.ok += res[k].ok;
		sum.fail += res[k].fail;
	}
	lat_summary(j.lat, lat_bytes / sizeof(uint32_t), pct);
	printf("ops %lu ok %lu fail %lu secs %.3f rate %.0f/s p50 %uus p99 %uus "
	    "max %uus\n", sum.ops, sum.ok, sum.fail, t1 - t0,
	    sum.ok / (t1 - t0 > 0 ? t1 - t0 : 1e-9), pct[0], pct[1], pct[2]);
	return sum.fail == 0 ? 0 : 1;
}
