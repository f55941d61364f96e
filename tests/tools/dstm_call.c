/* dstm_call.c - one DSTM client call from a chosen source address, for
 * tests.  Prints one line:
 *   status NAME [addr A4 lease N t1 N t2 N tep6 A6 tep4 A4 mtu N ports A-B]
 * or for info: status NAME caller A6 pool N free N leases A4,...
 * Exit 0 when the RPC completed (whatever the DSTM status), 3 when not.
 *
 * With -T a second line: time_ms T, from before connect to the reply.
 *
 * usage: dstm_call -s SERVER6 [-p PORT] [-b SRC6] [-u] [-T] OP [ARG]
 *   OP: null | alloc [HINT [strict]] | renew A4 | release A4 | info |
 *       garbage (ALLOC with an undecodable argument)
 */
#include <arpa/inet.h>
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

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
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
	int64_t t0;
	enum clnt_stat cs = RPC_SUCCESS;
	struct netbuf nb;
	CLIENT *cl;

	while ((ch = getopt(argc, argv, "s:p:b:uT")) != -1) {
		switch (ch) {
		case 'T': timed = 1; break;
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': bindsrc = optarg; break;
		case 'u': udp = 1; break;
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
	cl = udp ? clnt_dg_create(fd, &nb, DSTM_PROG, DSTM_V1, 0, 0) :
	    clnt_vc_create(fd, &nb, DSTM_PROG, DSTM_V1, 0, 0);
	if (cl == NULL) {
		clnt_pcreateerror("dstm_call");
		return 3;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tmo);

	if (strcmp(op, "null") == 0) {
		cs = dstmproc_null_1(NULL, NULL, cl);
		if (cs == RPC_SUCCESS)
			printf("status ok\n");
	} else if (strcmp(op, "alloc") == 0) {
		dstm_alloc_args a;
		dstm_lease l;
		uint32_t h = 0;

		memset(&a, 0, sizeof(a));
		memset(&l, 0, sizeof(l));
		if (optind + 1 < argc && !addr4_parse(argv[optind + 1], &h,
		    NULL))
			return 2;
		addr4_to_bytes(h, (uint8_t *)a.hint);
		if (optind + 2 < argc)
			a.flags = strcmp(argv[optind + 2], "strict") == 0 ?
			    DSTM_ALLOC_STRICT : (unsigned)atoi(argv[optind + 2]);
		if ((cs = dstmproc_alloc_1(&a, &l, cl)) == RPC_SUCCESS)
			print_lease(&l);
	} else if (strcmp(op, "renew") == 0 || strcmp(op, "release") == 0) {
		dstm_addr_args a;
		uint32_t v;

		if (optind + 1 >= argc || !addr4_parse(argv[optind + 1], &v,
		    NULL))
			return 2;
		addr4_to_bytes(v, (uint8_t *)a.addr);
		if (op[2] == 'n') {
			dstm_lease l;

			memset(&l, 0, sizeof(l));
			if ((cs = dstmproc_renew_1(&a, &l, cl)) == RPC_SUCCESS)
				print_lease(&l);
		} else {
			dstm_status st;

			if ((cs = dstmproc_release_1(&a, &st, cl)) ==
			    RPC_SUCCESS)
				printf("status %s\n", status_name(st));
		}
	} else if (strcmp(op, "info") == 0) {
		dstm_info in;
		char a[ADDR_STRLEN];
		struct in6_addr c6;

		memset(&in, 0, sizeof(in));
		if ((cs = dstmproc_info_1(NULL, &in, cl)) == RPC_SUCCESS) {
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
