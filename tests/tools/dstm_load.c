/* dstm_load.c - drive rpcdstmd with many simulated IPv6 clients.
 *
 * Each simulated client speaks from its own source address inside a prefix
 * that is routed locally (ip -6 route add local PREFIX/64 dev lo), using
 * IPV6_FREEBIND, so the server sees N distinct callers.  Prints every
 * acknowledged lease as "ack CLIENT ADDR" (flushed at once: a test can
 * kill -9 the server mid-burst and know what was acknowledged), and a
 * summary line "ops N ok M fail F secs S rate R/s".
 *
 * usage: dstm_load -s SERVER6 [-p PORT] [-c PREFIX6] [-n CLIENTS]
 *                  [-o alloc|renew|release|cycle] [-u] [-q]
 *        dstm_load -s SERVER6 [-p PORT] -V ACKFILE
 *   -V  verify: for every "ack CLIENT ADDR" line, ask INFO from CLIENT and
 *       check that ADDR is still its lease; then check that no address is
 *       leased to two clients.  Prints "verified N missing M duplicates D".
 *   -c  source prefix base: client i speaks from PREFIX + i (default: the
 *       kernel's choice of source, i.e. one client)
 *   -r  requests per client over its one connection (renew/cycle mixes)
 *   -u  udp6 instead of tcp6
 *   -q  quiet: no per-lease lines
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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
		cl = clnt_dg_create(fd, &nb, DSTM_PROG, DSTM_V1, 0, 0);
	} else {
		if (connect(fd, (const struct sockaddr *)dst, sizeof(*dst))) {
			close(fd);
			return NULL;
		}
		cl = clnt_vc_create(fd, &nb, DSTM_PROG, DSTM_V1, 0, 0);
	}
	if (cl == NULL) {
		close(fd);
		return NULL;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	return cl;
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
		if (dstmproc_info_1(NULL, &in, cl) == RPC_SUCCESS) {
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

static void
usage(void)
{
	fprintf(stderr, "usage: dstm_load -s SERVER6 [-p PORT] [-c PREFIX6] "
	    "[-n CLIENTS] [-r ROUNDS] [-o alloc|renew|release|cycle] [-u] "
	    "[-q]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_in6 dst;
	struct in6_addr base = IN6ADDR_ANY_INIT, src;
	struct timeval tmo = { 5, 0 };
	const char *server = NULL, *op = "alloc", *prefix = NULL, *vfile = NULL;
	unsigned long n = 1, rounds = 1, ok = 0, fail = 0, ops = 0;
	int ch, udp = 0, quiet = 0, port = DSTM_DEFAULT_PORT;
	uint32_t *leased;
	double t0, t1;

	while ((ch = getopt(argc, argv, "s:p:c:n:o:r:uqV:")) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': prefix = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'r': rounds = strtoul(optarg, NULL, 10); break;
		case 'o': op = optarg; break;
		case 'u': udp = 1; break;
		case 'q': quiet = 1; break;
		case 'V': vfile = optarg; break;
		default: usage();
		}
	}
	if (server == NULL || n == 0 || n > 16777216)
		usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons((uint16_t)port);
	if (!addr6_parse(server, &dst.sin6_addr, NULL))
		usage();
	if (prefix != NULL && !addr6_parse(prefix, &base, NULL))
		usage();
	if (vfile != NULL)
		return verify(&dst, vfile);
	if ((leased = calloc(n, sizeof(*leased))) == NULL)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);

	t0 = now_s();
	for (unsigned long i = 0; i < n; i++) {
		CLIENT *cl;
		char a4[ADDR_STRLEN], a6[ADDR_STRLEN];

		uint32_t low;

		/* client i speaks from PREFIX + i + 1 (low 32 bits) */
		src = base;
		low = addr4_from_bytes(&base.s6_addr[12]) + (uint32_t)i + 1;
		addr4_to_bytes(low, &src.s6_addr[12]);
		cl = connect_from(prefix ? &src : NULL, &dst, udp);
		if (cl == NULL) {
			fail++;
			continue;
		}
		clnt_control(cl, CLSET_TIMEOUT, (char *)&tmo);
		for (unsigned long r = 0; r < rounds; r++) {
			dstm_alloc_args aa;
			dstm_addr_args ra;
			dstm_lease res;
			dstm_status st;
			int do_alloc = strcmp(op, "alloc") == 0 ||
			    strcmp(op, "cycle") == 0 || leased[i] == 0;

			memset(&aa, 0, sizeof(aa));
			memset(&res, 0, sizeof(res));
			if (do_alloc) {
				ops++;
				if (dstmproc_alloc_1(&aa, &res, cl) !=
				    RPC_SUCCESS || res.status != DSTM_OK) {
					fail++;
					break;
				}
				ok++;
				leased[i] = addr4_from_bytes((uint8_t *)res.addr);
				if (!quiet)
					printf("ack %s %s\n", addr6_ntop(&src,
					    a6, sizeof(a6)), addr4_ntop(leased[i],
					    a4, sizeof(a4)));
				if (strcmp(op, "alloc") == 0)
					continue;
			}
			addr4_to_bytes(leased[i], (uint8_t *)ra.addr);
			if (strcmp(op, "renew") == 0) {
				ops++;
				if (dstmproc_renew_1(&ra, &res, cl) ==
				    RPC_SUCCESS && res.status == DSTM_OK)
					ok++;
				else
					fail++;
			} else if (strcmp(op, "release") == 0 ||
			    strcmp(op, "cycle") == 0) {
				ops++;
				if (dstmproc_release_1(&ra, &st, cl) ==
				    RPC_SUCCESS && st == DSTM_OK) {
					ok++;
					leased[i] = 0;
				} else {
					fail++;
				}
			}
		}
		clnt_destroy(cl);
	}
	t1 = now_s();
	printf("ops %lu ok %lu fail %lu secs %.3f rate %.0f/s\n", ops, ok,
	    fail, t1 - t0, ok / (t1 - t0 > 0 ? t1 - t0 : 1e-9));
	free(leased);
	return fail == 0 ? 0 : 1;
}
