/* dstm_call.c - one DSTM client call from a chosen source address, for
 * tests.  Prints one line:
 *   status NAME [addr A4 lease N t1 N t2 N tep6 A6 tep4 A4 mtu N ports A-B]
 *   status cookie COOKIE        (alloc -n over udp6: the server's cookie)
 * or for info: status NAME caller A6 pool N free N leases A4,...
 * Exit 0 when the RPC completed (whatever the DSTM status), 3 when not.
 *
 * With -T a second line: time_ms T, from before connect to the reply.
 *
 * usage: dstm_call -s SERVER6 [-p PORT] [-b SRC6] [-u] [-T] [-1] [-k KEY]
 *                  [-c COOKIE] [-n] OP [ARG]
 *   OP: null | alloc [HINT [strict]] | renew A4 | release A4 | info |
 *       garbage (ALLOC with an undecodable argument)
 *   -k  the lease key, 32 hex digits (default: one fixed test key, so
 *       alloc, renew and release from one source name the same lease)
 *   -c  the cookie for alloc (32 hex digits); without -n an alloc answered
 *       "cookie" is sent once more with the cookie of the answer
 *   -1  protocol version 1 (no keys): the server refuses it
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"
#include "rpc/dstm.h"

static const char *
status_name(dstm_status s)
{
	static const char *const names[] = {
		"ok", "pool-exhausted", "address-unavailable", "bad-ipv6",
		"bad-ipv4", "denied", "rate-limited", "no-such-lease",
		"not-owner", "quota", "gateway-error", "version-mismatch",
		"bad-request", "internal-error", "bad-config",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    s == DSTM_COOKIE ? "cookie" : "?";
}

static bool
parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (sscanf(s + 2 * i, "%2hhx", &out[i]) != 1)
			return false;
	return true;
}

static void
print_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static void
print_lease(const dstm_lease *l)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], c[ADDR_STRLEN];
	struct in6_addr t6;

	printf("status %s", status_name(l->status));
	if (l->status == DSTM_OK) {
		memcpy(&t6, l->tep6, sizeof(t6));
		printf(" addr %s lease %u t1 %u t2 %u tep6 %s tep4 %s mtu %u "
		    "ports %u-%u", addr4_ntop(addr4_from_bytes((uint8_t *)
		    l->addr), a, sizeof(a)), l->lease_time, l->t1, l->t2,
		    addr6_ntop(&t6, b, sizeof(b)), addr4_ntop(addr4_from_bytes(
		    (uint8_t *)l->tep4), c, sizeof(c)), l->mtu, l->port_min,
		    l->port_max);
	}
	printf("\n");
}

static bool_t
xdr_short_garbage(XDR *x, void *p)
{
	uint32_t one = 1;

	(void)p;
	return xdr_u_int(x, &one);	/* 4 bytes where 8 are expected */
}

int
main(int argc, char **argv)
{
	struct sockaddr_in6 dst, src;
	struct timeval tmo = { 5, 0 };
	const char *server = NULL, *bindsrc = NULL, *op;
	int ch, udp = 0, port = DSTM_DEFAULT_PORT, fd, one = 1, timed = 0;
	int v1 = 0, follow = 1;
	int64_t t0;
	uint8_t key[DSTM_KEY_LEN], cookie[DSTM_COOKIE_LEN];
	enum clnt_stat cs = RPC_SUCCESS;
	struct netbuf nb;
	CLIENT *cl;

	memset(key, 0xd5, sizeof(key));
	memset(cookie, 0, sizeof(cookie));
	while ((ch = getopt(argc, argv, "s:p:b:uTk:c:n1")) != -1) {
		switch (ch) {
		case 'T': timed = 1; break;
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': bindsrc = optarg; break;
		case 'u': udp = 1; break;
		case 'k':
			if (!parse_hex(optarg, key, sizeof(key)))
				return 2;
			break;
		case 'c':
			if (!parse_hex(optarg, cookie, sizeof(cookie)))
				return 2;
			break;
		case 'n': follow = 0; break;
		case '1': v1 = 1; break;
		default: return 2;
		}
	}
	if (server == NULL || optind >= argc)
		return 2;
	op = argv[optind];
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons((uint16_t)port);
	if (!addr6_parse(server, &dst.sin6_addr, NULL))
		return 2;
	fd = socket(AF_INET6, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
	setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (bindsrc != NULL) {
		memset(&src, 0, sizeof(src));
		src.sin6_family = AF_INET6;
		if (!addr6_parse(bindsrc, &src.sin6_addr, NULL) ||
		    bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
			perror("bind");
			return 3;
		}
	}
	nb.buf = &dst;
	nb.len = nb.maxlen = sizeof(dst);
	t0 = clock_mono_us();
	if (!udp && connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		perror("connect");
		return 3;
	}
	cl = udp ? clnt_dg_create(fd, &nb, DSTM_PROG, v1 ? DSTM_V1 : DSTM_V2,
	    0, 0) : clnt_vc_create(fd, &nb, DSTM_PROG, v1 ? DSTM_V1 : DSTM_V2,
	    0, 0);
	if (cl == NULL) {
		clnt_pcreateerror("dstm_call");
		return 3;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tmo);

	if (strcmp(op, "null") == 0) {
		cs = v1 ? dstmproc_null_1(NULL, NULL, cl) :
		    dstmproc2_null_2(NULL, NULL, cl);
		if (cs == RPC_SUCCESS)
			printf("status ok\n");
	} else if (strcmp(op, "alloc") == 0) {
		dstm_alloc2_args a;
		dstm_alloc_reply r;
		uint32_t h = 0;

		memset(&a, 0, sizeof(a));
		memset(&r, 0, sizeof(r));
		if (optind + 1 < argc && !addr4_parse(argv[optind + 1], &h,
		    NULL))
			return 2;
		addr4_to_bytes(h, (uint8_t *)a.hint);
		if (optind + 2 < argc)
			a.flags = strcmp(argv[optind + 2], "strict") == 0 ?
			    DSTM_ALLOC_STRICT : (unsigned)atoi(argv[optind + 2]);
		memcpy(a.key, key, sizeof(a.key));
		memcpy(a.cookie, cookie, sizeof(a.cookie));
		if (v1) {
			dstm_alloc_args a1;

			memcpy(a1.hint, a.hint, sizeof(a1.hint));
			a1.flags = a.flags;
			if ((cs = dstmproc_alloc_1(&a1, &r.lease, cl)) ==
			    RPC_SUCCESS)
				print_lease(&r.lease);
		} else {
			for (int k = 0; k < 1 + follow; k++) {
				cs = dstmproc2_alloc_2(&a, &r, cl);
				if (cs != RPC_SUCCESS ||
				    r.lease.status != DSTM_COOKIE)
					break;
				memcpy(a.cookie, r.cookie, sizeof(a.cookie));
			}
			if (cs == RPC_SUCCESS && r.lease.status == DSTM_COOKIE) {
				printf("status cookie ");
				print_hex((uint8_t *)r.cookie, sizeof(r.cookie));
				printf("\n");
			} else if (cs == RPC_SUCCESS) {
				print_lease(&r.lease);
			}
		}
	} else if (strcmp(op, "renew") == 0 || strcmp(op, "release") == 0) {
		dstm_lease_args a;
		dstm_addr_args a1;
		dstm_lease l;
		dstm_status st;
		uint32_t v;

		if (optind + 1 >= argc || !addr4_parse(argv[optind + 1], &v,
		    NULL))
			return 2;
		addr4_to_bytes(v, (uint8_t *)a.addr);
		addr4_to_bytes(v, (uint8_t *)a1.addr);
		memcpy(a.key, key, sizeof(a.key));
		memset(&l, 0, sizeof(l));
		if (op[2] == 'n') {
			cs = v1 ? dstmproc_renew_1(&a1, &l, cl) :
			    dstmproc2_renew_2(&a, &l, cl);
			if (cs == RPC_SUCCESS)
				print_lease(&l);
		} else {
			cs = v1 ? dstmproc_release_1(&a1, &st, cl) :
			    dstmproc2_release_2(&a, &st, cl);
			if (cs == RPC_SUCCESS)
				printf("status %s\n", status_name(st));
		}
	} else if (strcmp(op, "info") == 0) {
		dstm_info in;
		char a[ADDR_STRLEN];
		struct in6_addr c6;

		memset(&in, 0, sizeof(in));
		cs = v1 ? dstmproc_info_1(NULL, &in, cl) :
		    dstmproc2_info_2(NULL, &in, cl);
		if (cs == RPC_SUCCESS) {
			memcpy(&c6, in.caller, sizeof(c6));
			printf("status %s caller %s pool %u free %u leases",
			    status_name(in.status), addr6_ntop(&c6, a,
			    sizeof(a)), in.pool_size, in.pool_free);
			for (unsigned i = 0; i < in.leases.leases_len; i++)
				printf("%c%s", i ? ',' : ' ', addr4_ntop(
				    addr4_from_bytes((uint8_t *)in.leases.
				    leases_val[i].addr), a, sizeof(a)));
			printf("\n");
			clnt_freeres(cl, (xdrproc_t)xdr_dstm_info, (char *)&in);
		}
	} else if (strcmp(op, "garbage") == 0) {
		dstm_lease l;

		memset(&l, 0, sizeof(l));
		cs = clnt_call(cl, DSTMPROC_ALLOC, (xdrproc_t)xdr_short_garbage,
		    NULL, (xdrproc_t)xdr_dstm_lease, (char *)&l, tmo);
		printf("rpc %s\n", clnt_sperrno(cs));
		clnt_destroy(cl);
		return 0;
	} else {
		return 2;
	}
	if (cs != RPC_SUCCESS) {
		printf("rpc %s\n", clnt_sperrno(cs));
		clnt_destroy(cl);
		return 3;
	}
	if (timed)
		printf("time_ms %.3f\n", (double)(clock_mono_us() - t0) / 1000);
	clnt_destroy(cl);
	return 0;
}
