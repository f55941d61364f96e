/* dstm_gwcall.c - one gateway-program call (what rpcdstmd sends to a
 * standalone dstmgwd) from a chosen source address, for tests.  Prints
 *   status NAME generation N [bindings N]
 * Exit 0 when the RPC completed (whatever the DSTM status), 3 when not.
 *
 * usage: dstm_gwcall -s GW6 [-p PORT] [-b SRC6] OP [ARGS]
 *   OP: null | stats | bind A4 CLIENT6 GEN [SECS] | unbind A4 CLIENT6 GEN |
 *       sync GEN [A4/CLIENT6 ...]
 *   SECS: the binding expires that many seconds from now (default never)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "rpc/status.h"
#include "rpc/dstm.h"

static int
parse_binding(const char *a4, const char *a6, dstm_binding *b)
{
	struct in6_addr c;
	uint32_t v;

	memset(b, 0, sizeof(*b));
	if (!addr4_parse(a4, &v, NULL) || !addr6_parse(a6, &c, NULL))
		return -1;
	addr4_to_bytes(v, (uint8_t *)b->addr);
	memcpy(b->client, &c, sizeof(c));
	b->port_max = 65535;
	return 0;
}

static CLIENT *
open_client(const char *server, int port, const char *src)
{
	struct sockaddr_in6 dst, sa;
	struct timeval tmo = { 5, 0 };
	struct netbuf nb;
	CLIENT *cl;
	int fd, one = 1;

	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons((uint16_t)port);
	if (!addr6_parse(server, &dst.sin6_addr, NULL))
		return NULL;
	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) < 0)
		return NULL;
	setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	if (src != NULL) {
		memset(&sa, 0, sizeof(sa));
		sa.sin6_family = AF_INET6;
		if (!addr6_parse(src, &sa.sin6_addr, NULL) ||
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			perror("bind");
			close(fd);
			return NULL;
		}
	}
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0) {
		perror("connect");
		close(fd);
		return NULL;
	}
	nb.buf = &dst;
	nb.len = nb.maxlen = sizeof(dst);
	if ((cl = clnt_vc_create(fd, &nb, DSTM_GW_PROG, DSTM_GW_V1, 0,
	    0)) == NULL) {
		clnt_pcreateerror("dstm_gwcall");
		close(fd);
		return NULL;
	}
	clnt_control(cl, CLSET_FD_CLOSE, NULL);
	clnt_control(cl, CLSET_TIMEOUT, (char *)&tmo);
	return cl;
}

int
main(int argc, char **argv)
{
	const char *server = NULL, *src = NULL, *op;
	int ch, port = DSTM_GW_DEFAULT_PORT, rc = 0;
	enum clnt_stat cs;
	dstm_gw_reply r;
	CLIENT *cl;

	while ((ch = getopt(argc, argv, "s:p:b:")) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': src = optarg; break;
		default: return 2;
		}
	}
	if (server == NULL || optind >= argc)
		return 2;
	op = argv[optind++];
	if ((cl = open_client(server, port, src)) == NULL)
		return 3;
	memset(&r, 0, sizeof(r));
	if (strcmp(op, "null") == 0) {
		if ((cs = dstmgw_null_1(NULL, NULL, cl)) == RPC_SUCCESS)
			printf("status ok\n");
	} else if (strcmp(op, "bind") == 0 || strcmp(op, "unbind") == 0) {
		dstm_bind_args a;

		memset(&a, 0, sizeof(a));
		if ((argc - optind != 3 && (argc - optind != 4 ||
		    op[0] != 'b')) || parse_binding(argv[optind],
		    argv[optind + 1], &a.b) != 0)
			return 2;
		a.generation = strtoull(argv[optind + 2], NULL, 10);
		if (argc - optind == 4)
			a.b.expires = (int64_t)time(NULL) +
			    strtoll(argv[optind + 3], NULL, 10);
		cs = op[0] == 'b' ? dstmgw_bind_1(&a, &r, cl) :
		    dstmgw_unbind_1(&a, &r, cl);
		if (cs == RPC_SUCCESS)
			printf("status %s generation %llu\n",
			    dstm_status_name(r.status),
			    (unsigned long long)r.generation);
	} else if (strcmp(op, "sync") == 0) {
		dstm_sync_args a;
		int n = argc - optind - 1;

		memset(&a, 0, sizeof(a));
		if (n < 0)
			return 2;
		a.generation = strtoull(argv[optind], NULL, 10);
		a.total = (u_int)n;
		a.bindings.bindings_len = (u_int)n;
		a.bindings.bindings_val = calloc((size_t)n + 1,
		    sizeof(dstm_binding));
		for (int i = 0; i < n; i++) {
			char *v = argv[optind + 1 + i], *slash = strchr(v, '/');

			if (slash == NULL)
				return 2;
			*slash = '\0';
			if (parse_binding(v, slash + 1,
			    &a.bindings.bindings_val[i]) != 0)
				return 2;
		}
		if ((cs = dstmgw_sync_1(&a, &r, cl)) == RPC_SUCCESS)
			printf("status %s generation %llu\n",
			    dstm_status_name(r.status),
			    (unsigned long long)r.generation);
		free(a.bindings.bindings_val);
	} else if (strcmp(op, "stats") == 0) {
		dstm_gw_stats st;

		memset(&st, 0, sizeof(st));
		if ((cs = dstmgw_stats_1(NULL, &st, cl)) == RPC_SUCCESS) {
			printf("status %s generation %llu bindings %u\n",
			    dstm_status_name(st.status),
			    (unsigned long long)st.generation,
			    st.bindings.bindings_len);
			clnt_freeres(cl, (xdrproc_t)xdr_dstm_gw_stats,
			    (char *)&st);
		}
	} else {
		clnt_destroy(cl);
		return 2;
	}
	if (cs != RPC_SUCCESS) {
		printf("rpc %s\n", clnt_sperrno(cs));
		rc = 3;
	}
	clnt_destroy(cl);
	return rc;
}
