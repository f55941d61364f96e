/* ctl_aftr.c - `dstmctl aftr b4s|sessions|port-blocks`: the DS-lite
 * AFTR's state from rpcdstmd or dstmgwd (DSTM_AFTR_CTL_PROG on their
 * control socket), as a table or, with -j, one JSON object with
 * snake_case keys. */
#include "client/ctl_aftr.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/ctl.h"
#include "common/addr.h"
#include "common/json.h"
#include "rpc/dstm.h"
#include "rpc/status.h"

#define COLS	10
#define CELL	48

enum what { W_B4S, W_SESSIONS, W_BLOCKS };

static const struct {
	const char	*name;
	rpcproc_t	 proc;
	xdrproc_t	 xdr;
} whats[] = {
	[W_B4S] = { "b4s", DSTM_AFTR_B4S,
	    (xdrproc_t)xdr_dstm_aftr_b4_list },
	[W_SESSIONS] = { "sessions", DSTM_AFTR_SESSIONS,
	    (xdrproc_t)xdr_dstm_aftr_session_list },
	[W_BLOCKS] = { "port-blocks", DSTM_AFTR_PORT_BLOCKS,
	    (xdrproc_t)xdr_dstm_aftr_block_list },
};

union aftr_reply {
	dstm_aftr_b4_list	b4s;
	dstm_aftr_session_list	sessions;
	dstm_aftr_block_list	blocks;
};

static const char *
in4(const char *w, char *buf, size_t len)
{
	return addr4_ntop(addr4_from_bytes((const uint8_t *)w), buf, len);
}

static const char *
in6(const char *w, char *buf, size_t len)
{
	struct in6_addr a;

	memcpy(&a, w, sizeof(a));
	return addr6_ntop(&a, buf, len);
}

static const char *
proto_name(unsigned p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : "?";
}

/* ---- text: rows measured, then printed ---- */

struct rows {
	char		(*c)[COLS][CELL];
	unsigned	 n, ncol;
};

static void
put_rows(const struct rows *r, const char *const *hdr)
{
	int w[COLS] = { 0 };

	for (unsigned k = 0; k < r->ncol; k++)
		w[k] = (int)strlen(hdr[k]);
	for (unsigned i = 0; i < r->n; i++)
		for (unsigned k = 0; k < r->ncol; k++)
			if ((int)strlen(r->c[i][k]) > w[k])
				w[k] = (int)strlen(r->c[i][k]);
	for (unsigned k = 0; k < r->ncol; k++)
		printf("%-*s%s", w[k], hdr[k], k + 1 < r->ncol ? "  " : "\n");
	for (unsigned i = 0; i < r->n; i++)
		for (unsigned k = 0; k < r->ncol; k++)
			printf("%-*s%s", w[k], r->c[i][k], k + 1 < r->ncol ?
			    "  " : "\n");
}

static int
text(enum what w, const union aftr_reply *r)
{
	static const char *const h_b4[] = { "B4", "PUBLIC", "SESSIONS",
	    "PORT-BLOCKS", "IFINDEX", "SINCE" };
	static const char *const h_s[] = { "B4", "PROTO", "INSIDE",
	    "PUBLIC", "STATE", "EXPIRES-IN", "PKTS-OUT", "PKTS-IN" };
	static const char *const h_k[] = { "B4", "PUBLIC", "PORTS", "USED",
	    "SINCE" };
	struct rows rs = { NULL, 0, 0 };
	char a[ADDR_STRLEN];
	unsigned n;

	n = w == W_B4S ? r->b4s.b4s.b4s_len : w == W_SESSIONS ?
	    r->sessions.sessions.sessions_len : r->blocks.blocks.blocks_len;
	if (n == 0) {
		printf("no %s\n", w == W_B4S ? "B4s" : w == W_SESSIONS ?
		    "sessions" : "port blocks");
		return fflush(stdout) != 0 ? -1 : 0;
	}
	if ((rs.c = calloc(n, sizeof(*rs.c))) == NULL)
		return -1;
	rs.n = n;
	for (unsigned i = 0; i < n; i++) {
		char (*c)[CELL] = rs.c[i];

		if (w == W_B4S) {
			const dstm_aftr_b4 *e = &r->b4s.b4s.b4s_val[i];
			time_t t = (time_t)e->since;
			struct tm tm;

			rs.ncol = 6;
			in6(e->addr, c[0], CELL);
			in4(e->pub, c[1], CELL);
			snprintf(c[2], CELL, "%u", e->sessions);
			snprintf(c[3], CELL, "%u", e->port_blocks);
			snprintf(c[4], CELL, "%d", e->ifindex);
			strftime(c[5], CELL, "%Y-%m-%dT%H:%M:%SZ",
			    gmtime_r(&t, &tm));
		} else if (w == W_SESSIONS) {
			const dstm_aftr_session *e =
			    &r->sessions.sessions.sessions_val[i];

			rs.ncol = 8;
			in6(e->b4, c[0], CELL);
			snprintf(c[1], CELL, "%s", proto_name(e->proto));
			snprintf(c[2], CELL, "%s:%u", in4(e->src, a,
			    sizeof(a)), e->sport);
			snprintf(c[3], CELL, "%s:%u", in4(e->pub, a,
			    sizeof(a)), e->pport);
			snprintf(c[4], CELL, "%s", e->state);
			snprintf(c[5], CELL, "%" PRId64 "s",
			    (int64_t)e->expires_in);
			snprintf(c[6], CELL, "%" PRIu64,
			    (uint64_t)e->pkts_out);
			snprintf(c[7], CELL, "%" PRIu64, (uint64_t)e->pkts_in);
		} else {
			const dstm_aftr_block *e =
			    &r->blocks.blocks.blocks_val[i];
			time_t t = (time_t)e->since;
			struct tm tm;

			rs.ncol = 5;
			in6(e->b4, c[0], CELL);
			in4(e->pub, c[1], CELL);
			snprintf(c[2], CELL, "%u-%u", e->first, e->last);
			snprintf(c[3], CELL, "%u", e->used);
			strftime(c[4], CELL, "%Y-%m-%dT%H:%M:%SZ",
			    gmtime_r(&t, &tm));
		}
	}
	put_rows(&rs, w == W_B4S ? h_b4 : w == W_SESSIONS ? h_s : h_k);
	printf("%u %s\n", n, w == W_B4S ? (n == 1 ? "B4" : "B4s") :
	    w == W_SESSIONS ? (n == 1 ? "session" : "sessions") :
	    (n == 1 ? "port block" : "port blocks"));
	free(rs.c);
	return fflush(stdout) != 0 || ferror(stdout) ? -1 : 0;
}

/* ---- JSON ---- */

static int
json(const struct out *o, enum what w, const union aftr_reply *r)
{
	struct json j;
	char a[ADDR_STRLEN];

	json_init(&j, stdout, o->json > 1 ? 2 : 0);
	json_begin_object(&j, NULL);
	json_string(&j, "command", o->cmd);
	json_string(&j, "status", dstm_status_name(DSTM_OK));
	json_int(&j, "code", DSTM_OK);
	json_string(&j, "list", whats[w].name);
	if (w == W_B4S) {
		json_int(&j, "now", r->b4s.now);
		json_begin_array(&j, "b4s");
		for (u_int i = 0; i < r->b4s.b4s.b4s_len; i++) {
			const dstm_aftr_b4 *e = &r->b4s.b4s.b4s_val[i];

			json_begin_object(&j, NULL);
			json_string(&j, "b4", in6(e->addr, a, sizeof(a)));
			json_string(&j, "public", in4(e->pub, a, sizeof(a)));
			json_uint(&j, "sessions", e->sessions);
			json_uint(&j, "port_blocks", e->port_blocks);
			json_int(&j, "ifindex", e->ifindex);
			json_int(&j, "since", e->since);
			json_end_object(&j);
		}
	} else if (w == W_SESSIONS) {
		json_begin_array(&j, "sessions");
		for (u_int i = 0; i < r->sessions.sessions.sessions_len; i++) {
			const dstm_aftr_session *e =
			    &r->sessions.sessions.sessions_val[i];

			json_begin_object(&j, NULL);
			json_string(&j, "b4", in6(e->b4, a, sizeof(a)));
			json_string(&j, "protocol", proto_name(e->proto));
			json_string(&j, "inside_address", in4(e->src, a,
			    sizeof(a)));
			json_uint(&j, "inside_port", e->sport);
			json_string(&j, "public_address", in4(e->pub, a,
			    sizeof(a)));
			json_uint(&j, "public_port", e->pport);
			json_string(&j, "state", e->state);
			json_int(&j, "expires_in", e->expires_in);
			json_uint(&j, "packets_out", e->pkts_out);
			json_uint(&j, "packets_in", e->pkts_in);
			json_end_object(&j);
		}
	} else {
		json_begin_array(&j, "port_blocks");
		for (u_int i = 0; i < r->blocks.blocks.blocks_len; i++) {
			const dstm_aftr_block *e =
			    &r->blocks.blocks.blocks_val[i];

			json_begin_object(&j, NULL);
			json_string(&j, "b4", in6(e->b4, a, sizeof(a)));
			json_string(&j, "public", in4(e->pub, a, sizeof(a)));
			json_uint(&j, "first_port", e->first);
			json_uint(&j, "last_port", e->last);
			json_uint(&j, "used", e->used);
			json_int(&j, "since", e->since);
			json_end_object(&j);
		}
	}
	json_end_array(&j);
	json_end_object(&j);
	return json_finish(&j) != 0 ? -1 : 0;
}

int
cmd_aftr(struct dstmctl *c, int argc, char **argv)
{
	char err[CTL_ERRLEN], peer[CTL_ERRLEN], buf[4 * DSTM_MAX_MSG + 1];
	union aftr_reply r;
	enum clnt_stat cs;
	const char *msg;
	int status, rc = 0;
	int w = -1;

	if (argc == 2)
		for (size_t i = 0; i < sizeof(whats) / sizeof(whats[0]); i++)
			if (strcmp(argv[1], whats[i].name) == 0)
				w = (int)i;
	if (w < 0) {
		fprintf(stderr, "dstmctl: aftr: %s\nUsage: dstmctl [options] "
		    "aftr b4s|sessions|port-blocks\n", argc < 2 ?
		    "what to list: b4s, sessions or port-blocks" :
		    argc > 2 ? "one list at a time" : "unknown list");
		return DSTMCTL_EXIT_USAGE;
	}
	signal(SIGPIPE, SIG_IGN);
	if (ctl_open_unix(&c->cl, c->sock, DSTM_AFTR_CTL_PROG,
	    DSTM_AFTR_CTL_V1, c->timeout_ms, err, sizeof(err)) != 0) {
		fprintf(stderr, "dstmctl: %s\n", err);
		return DSTMCTL_EXIT_UNREACH;
	}
	memset(&r, 0, sizeof(r));
	cs = ctl_call(c->cl, whats[w].proc, NULL, NULL, whats[w].xdr, &r);
	if (cs != RPC_SUCCESS) {
		fprintf(stderr, "dstmctl: aftr: %s: %s\n",
		    ctl_peer(c->cl, peer, sizeof(peer)),
		    ctl_strerror(c->cl, cs, err, sizeof(err)));
		return DSTMCTL_EXIT_UNREACH;
	}
	signal(SIGPIPE, SIG_DFL);
	/* the three replies start alike: status, msg */
	status = r.b4s.status;
	msg = r.b4s.msg;
	if (status != DSTM_OK) {
		fprintf(stderr, "dstmctl: aftr: %s", dstm_status_msg(status));
		if (msg != NULL && *msg != '\0')
			fprintf(stderr, " (%s)", text_clean(msg, buf,
			    sizeof(buf)));
		fputc('\n', stderr);
		print_refusal(&c->out, status, msg);
		rc = DSTMCTL_EXIT_REFUSED;
	} else if ((c->out.json ? json(&c->out, (enum what)w, &r) :
	    text((enum what)w, &r)) != 0) {
		fprintf(stderr, "dstmctl: cannot write the output\n");
		rc = DSTMCTL_EXIT_REFUSED;
	}
	clnt_freeres(c->cl, whats[w].xdr, (caddr_t)&r);
	return rc;
}
