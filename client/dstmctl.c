/* dstmctl.c - the dstm command line: a table of subcommands that speak
 * the control program on the daemon's UNIX socket, or with -S the client
 * program to a server (for tests and debugging).
 *
 * Exit status: 0 ok, 1 the server refused (a dstm_status other than ok),
 * 2 usage error, 3 the daemon or server could not be reached. */
#include "client/dstmctl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/un.h>
#include <time.h>

#include "client/ctl.h"
#include "client/ctl_aftr.h"
#include "client/rpcdctl.h"
#include "client/ctl_print.h"
#include "common/clock.h"
#include "common/addr.h"
#include "common/conf.h"
#include "rpc/status.h"
#include "rpc/version.h"
#include "rpc/dstm.h"

#define LEASE_MIN_TIME	10u	/* shortest operator lease the server takes */

#define bad_usage dstmctl_usage_error
#define cmd_usage dstmctl_cmd_usage

static int
open_client(struct dstmctl *c)
{
	char err[CTL_ERRLEN];
	int rc;

	/* a peer that hangs up mid-call is an RPC error, not a silent death
	 * (check_reply restores SIGPIPE for the output) */
	signal(SIGPIPE, SIG_IGN);
	if (c->server != NULL)
		rc = ctl_open_net(&c->cl, c->server, c->port, c->udp,
		    DSTM_PROG, DSTM_V2, c->timeout_ms, err, sizeof(err));
	else
		rc = ctl_open_unix(&c->cl, c->sock, DSTM_CTL_PROG,
		    DSTM_CTL_V1, c->timeout_ms, err, sizeof(err));
	if (rc != 0)
		return dstmctl_fail(c, "unreachable", DSTMCTL_EXIT_UNREACH,
		    "%s", err);
	return 0;
}

static int
call_failed(struct dstmctl *c, enum clnt_stat cs)
{
	char peer[CTL_ERRLEN], why[CTL_ERRLEN];

	return dstmctl_fail(c, "unreachable", DSTMCTL_EXIT_UNREACH,
	    "%s: %s: %s%s", c->cmd->name, ctl_peer(c->cl, peer, sizeof(peer)),
	    ctl_strerror(c->cl, cs, why, sizeof(why)),
	    cs == RPC_PROCUNAVAIL ? " (the daemon is older than dstmctl and "
	    "lacks this command, or it is not this daemon's)" : "");
}

static int
refused(struct dstmctl *c, int status, const char *detail)
{
	bool known = strcmp(dstm_status_name(status), "unknown") != 0;
	char buf[DSTM_MAX_MSG * 4 + 1];

	fprintf(stderr, "dstmctl: %s: %s", c->cmd->name,
	    dstm_status_msg(status));
	if (!known)
		fprintf(stderr, " %d (newer server?)", status);
	if (detail != NULL && *detail != '\0')
		fprintf(stderr, " (%s)", text_clean(detail, buf, sizeof(buf)));
	fputc('\n', stderr);
	print_refusal(&c->out, status, detail);
	return status == DSTM_UNREACHABLE ? DSTMCTL_EXIT_UNREACH :
	    DSTMCTL_EXIT_REFUSED;
}

static int
printed(int rc)
{
	if (rc != 0) {
		fprintf(stderr, "dstmctl: cannot write the output\n");
		return DSTMCTL_EXIT_REFUSED;
	}
	return 0;
}

/* After a call: 0 when the reply is to be printed, else the exit status
 * of the transport error or refusal, already reported. */
static int
check_reply(struct dstmctl *c, enum clnt_stat cs, int status,
    const char *detail)
{
	if (cs != RPC_SUCCESS)
		return call_failed(c, cs);
	signal(SIGPIPE, SIG_DFL);
	if (status != DSTM_OK)
		return refused(c, status, detail);
	return 0;
}

static int
no_args(struct dstmctl *c, int argc, char **argv)
{
	if (argc > 1)
		return bad_usage(c, "unexpected argument '%s'", argv[1]);
	return 0;
}

static int
parse_in4(struct dstmctl *c, const char *what, const char *s, dstm_in4 out)
{
	uint32_t a;

	if (!addr4_parse(s, &a, NULL))
		return bad_usage(c, "%s '%s' is not an IPv4 address", what, s);
	addr4_to_bytes(a, (uint8_t *)out);
	return 0;
}

/* Exactly one IPv4 argument. */
static int
one_in4(struct dstmctl *c, int argc, char **argv, dstm_in4 out)
{
	if (argc < 2)
		return bad_usage(c, "missing IPv4 address");
	if (argc > 2)
		return bad_usage(c, "unexpected argument '%s'", argv[2]);
	return parse_in4(c, "address", argv[1], out);
}

/* ---- the call every command makes ---- */

/* Every reply a command prints.  Each starts with its dstm_status (the
 * release reply is nothing else), so `status` reads it from any. */
union reply {
	dstm_status	 status;
	dstm_lease_list	 leases;
	dstm_pool_info	 pool;
	dstm_stats	 stats;
	dstm_msg_reply	 msg;
	dstm_lease	 lease;
	dstm_info	 info;
	dstm_config_reply config;
};

static const xdrproc_t reply_xdr[] = {
	[REPLY_STATUS]	= (xdrproc_t)xdr_dstm_status,
	[REPLY_LEASES]	= (xdrproc_t)xdr_dstm_lease_list,
	[REPLY_POOL]	= (xdrproc_t)xdr_dstm_pool_info,
	[REPLY_STATS]	= (xdrproc_t)xdr_dstm_stats,
	[REPLY_MSG]	= (xdrproc_t)xdr_dstm_msg_reply,
	[REPLY_LEASE]	= (xdrproc_t)xdr_dstm_lease,
	[REPLY_INFO]	= (xdrproc_t)xdr_dstm_info,
	[REPLY_CONFIG]	= (xdrproc_t)xdr_dstm_config_reply,
};

/* An ok reply on stdout; `detail` is the address a release names. */
static int
show_reply(struct dstmctl *c, const union reply *r, const char *detail)
{
	const struct out *o = &c->out;

	switch (c->cmd->reply) {
	case REPLY_STATUS:	return print_released(o, detail);
	case REPLY_LEASES:	return print_leases(o, &r->leases,
				    r->leases.entries.entries_len >=
				    DSTM_MAX_LIST, NULL);
	case REPLY_POOL:	return print_pool(o, &r->pool);
	case REPLY_STATS:	return print_stats(o, &r->stats);
	case REPLY_MSG:		return print_msg(o, &r->msg);
	case REPLY_LEASE:	return print_lease(o, &r->lease);
	case REPLY_INFO:	return print_info(o, &r->info);
	case REPLY_CONFIG:	return print_config(o, r->config.text);
	case REPLY_OWN:
		break;
	}
	return 0;
}

/* The command's call with `arg`, its refusal or reply reported: the exit
 * status.  A refusal names `detail`, or the server's message. */
static int
call(struct dstmctl *c, void *arg, const char *detail)
{
	const struct dstmctl_cmd *cmd = c->cmd;
	xdrproc_t xdr_res = reply_xdr[cmd->reply];
	union reply res;
	enum clnt_stat cs;
	int rc;

	if ((rc = open_client(c)) != 0)
		return rc;
	memset(&res, 0, sizeof(res));
	cs = ctl_call(c->cl, cmd->proc, cmd->xdr_arg, arg, xdr_res, &res);
	if (cmd->reply == REPLY_MSG)
		detail = res.msg.msg;
	if ((rc = check_reply(c, cs, res.status, detail)) == 0)
		rc = printed(show_reply(c, &res, detail));
	clnt_freeres(c->cl, xdr_res, (caddr_t)&res);
	return rc;
}

/* leases, pool, stats, reload, info */
static int
cmd_plain(struct dstmctl *c, int argc, char **argv)
{
	int rc;

	if ((rc = no_args(c, argc, argv)) != 0)
		return rc;
	return call(c, NULL, NULL);
}

/* revoke, renew, release: one IPv4 address, named by a refusal */
static int
cmd_addr(struct dstmctl *c, int argc, char **argv)
{
	dstm_addr_args args;
	int rc;

	memset(&args, 0, sizeof(args));
	if ((rc = one_in4(c, argc, argv, args.addr)) != 0)
		return rc;
	return call(c, &args, argv[1]);
}

/* ---- control commands ---- */

/* "--name VALUE" or "--name=VALUE" at argv[*i]: the value (advancing *i),
 * NULL when argv[*i] is another option; *missing when the value is. */
static const char *
opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int
cmd_lease(struct dstmctl *c, int argc, char **argv)
{
	const char *v6 = NULL, *v4 = NULL, *tm = NULL, *why, **slot;
	dstm_lease_for_args args;
	struct in6_addr a6;
	bool missing = false;
	int rc;

	memset(&args, 0, sizeof(args));
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i], *v;

		if ((v = opt_value(argc, argv, &i, "--for", &missing)))
			slot = &v6;
		else if (!missing && (v = opt_value(argc, argv, &i, "--addr",
		    &missing)))
			slot = &v4;
		else if (!missing && (v = opt_value(argc, argv, &i, "--time",
		    &missing)))
			slot = &tm;
		else if (missing)
			return bad_usage(c, "%s needs a value", opt);
		else
			return bad_usage(c, "unexpected argument '%s'", opt);
		if (*slot != NULL)
			return bad_usage(c, "%s given twice", opt);
		*slot = v;
	}
	if (v6 == NULL)
		return bad_usage(c, "--for IPV6 is required");
	if (!addr6_parse(v6, &a6, NULL))
		return bad_usage(c, "--for '%s' is not an IPv6 address", v6);
	if (!addr6_is_unicast_endpoint(&a6))
		return bad_usage(c, "--for '%s': not a unicast IPv6 address "
		    "(unspecified, multicast and IPv4-mapped are not usable)",
		    v6);
	memcpy(args.client, &a6, sizeof(args.client));
	if (v4 != NULL && (rc = parse_in4(c, "--addr", v4, args.hint)) != 0)
		return rc;
	if (tm != NULL && !conf_parse_duration(tm, 0, DSTM_LEASE_INFINITE - 1,
	    &args.lease_time, &why))
		return bad_usage(c, "--time '%s': %s", tm, why);
	/* the server's floor (server/ctl.c): catch it before sending */
	if (args.lease_time != 0 && args.lease_time < LEASE_MIN_TIME)
		return bad_usage(c, "--time '%s': at least %u seconds, or 0 "
		    "for a static lease", tm, LEASE_MIN_TIME);
	return call(c, &args, NULL);
}

/* leases [CLIENT6[/LEN]] [IPV4[/LEN]] [--state S[,S...]] [--from IPV4]
 * [--limit N] [--page N]: LEASE_QUERY page by page, all of them unless
 * --limit; an older daemon without it answers the plain list. */
struct lease_opts {
	dstm_lease_query q;
	uint32_t	 limit;		/* 0: all */
	uint32_t	 page;		/* per request */
	bool		 filtered;	/* anything LEASES cannot do */
};

static int
parse_states(struct dstmctl *c, const char *v, u_int *out)
{
	char buf[64], *save = NULL;

	if (strlen(v) >= sizeof(buf))
		return bad_usage(c, "--state '%s': too long", v);
	snprintf(buf, sizeof(buf), "%s", v);
	for (char *t = strtok_r(buf, ",", &save); t != NULL;
	    t = strtok_r(NULL, ",", &save)) {
		if (strcmp(t, "bound") == 0)
			*out |= DSTM_LQ_STATE_BOUND;
		else if (strcmp(t, "held") == 0)
			*out |= DSTM_LQ_STATE_HELD;
		else if (strcmp(t, "static") == 0)
			*out |= DSTM_LQ_STATE_STATIC;
		else
			return bad_usage(c, "--state '%s': bound, held or "
			    "static, comma-separated", t);
	}
	if (*out == 0)
		return bad_usage(c, "--state needs bound, held or static");
	return 0;
}

/* A positional filter: an IPv6 address or prefix (the client) or an
 * IPv4 one (the leased address). */
static int
parse_filter(struct dstmctl *c, const char *v, dstm_lease_query *q,
    bool *has6, bool *has4)
{
	struct prefix6 p6;
	struct prefix4 p4;
	struct in6_addr a6;
	uint32_t a4;
	const char *why = NULL;

	if (strchr(v, ':') != NULL) {
		if (*has6)
			return bad_usage(c, "one client filter only ('%s')", v);
		if (strchr(v, '/') != NULL) {
			if (!prefix6_parse(v, &p6, &why) || p6.len == 0)
				return bad_usage(c, "'%s': not an IPv6 prefix "
				    "(%s)", v, why ? why : "length 1-128");
		} else if (addr6_parse(v, &a6, &why)) {
			p6.addr = a6;
			p6.len = 128;
		} else {
			return bad_usage(c, "'%s' is not an IPv6 address",
			    v);
		}
		memcpy(q->client, &p6.addr, sizeof(q->client));
		q->client_plen = p6.len;
		*has6 = true;
		return 0;
	}
	if (*has4)
		return bad_usage(c, "one address filter only ('%s')", v);
	if (strchr(v, '/') != NULL) {
		if (!prefix4_parse(v, &p4, &why) || p4.len == 0)
			return bad_usage(c, "'%s': not an IPv4 prefix (%s)", v,
			    why ? why : "length 1-32");
	} else if (addr4_parse(v, &a4, &why)) {
		p4.addr = a4;
		p4.len = 32;
	} else {
		return bad_usage(c, "'%s' is neither an IPv6 nor an IPv4 "
		    "address or prefix", v);
	}
	addr4_to_bytes(p4.addr, (uint8_t *)q->addr);
	q->addr_plen = p4.len;
	*has4 = true;
	return 0;
}

static int
lease_opts(struct dstmctl *c, int argc, char **argv, struct lease_opts *lo)
{
	bool has6 = false, has4 = false, missing = false;
	const char *v, *why;
	int rc;

	memset(lo, 0, sizeof(*lo));
	lo->page = DSTM_MAX_LIST;
	for (int i = 1; i < argc; i++) {
		const char *opt = argv[i];

		if ((v = opt_value(argc, argv, &i, "--state", &missing))) {
			if ((rc = parse_states(c, v, &lo->q.states)) != 0)
				return rc;
		} else if (!missing && (v = opt_value(argc, argv, &i, "--from",
		    &missing))) {
			if ((rc = parse_in4(c, "--from", v, lo->q.from)) != 0)
				return rc;
		} else if (!missing && (v = opt_value(argc, argv, &i,
		    "--limit", &missing))) {
			if (!conf_parse_u32(v, 1, UINT32_MAX, &lo->limit, &why))
				return bad_usage(c, "--limit '%s': %s", v, why);
		} else if (!missing && (v = opt_value(argc, argv, &i, "--page",
		    &missing))) {
			if (!conf_parse_u32(v, 1, DSTM_MAX_LIST, &lo->page,
			    &why))
				return bad_usage(c, "--page '%s': %s (1-%u)", v,
				    why, DSTM_MAX_LIST);
		} else if (missing) {
			return bad_usage(c, "%s needs a value", opt);
		} else if (opt[0] == '-') {
			return bad_usage(c, "unknown option '%s'", opt);
		} else if ((rc = parse_filter(c, opt, &lo->q, &has6,
		    &has4)) != 0) {
			return rc;
		}
		lo->filtered = true;
	}
	return 0;
}

/* The daemon without LEASE_QUERY and no filter asked: the old list. */
/* call() of another procedure than the command's own, with no argument
 * (leases' fallback, stats --reset) */
static int
call_proc(struct dstmctl *c, rpcproc_t proc, enum dstmctl_reply reply)
{
	const struct dstmctl_cmd *saved = c->cmd;
	struct dstmctl_cmd other = *c->cmd;
	int rc;

	other.proc = proc;
	other.xdr_arg = NULL;
	other.reply = reply;
	c->cmd = &other;
	rc = call(c, NULL, NULL);
	c->cmd = saved;
	return rc;
}

static int
cmd_leases(struct dstmctl *c, int argc, char **argv)
{
	struct lease_opts lo;
	dstm_lease_list all;
	dstm_lease_page page;
	char next[ADDR_STRLEN];
	bool more = false;
	enum clnt_stat cs;
	int rc;

	if ((rc = lease_opts(c, argc, argv, &lo)) != 0 ||
	    (rc = open_client(c)) != 0)
		return rc;
	memset(&all, 0, sizeof(all));
	all.status = DSTM_OK;
	/* each round moves `from` past what it got: at most one round per
	 * lease, and the server's table is finite */
	for (;;) {
		uint32_t want = lo.page, got, from;
		uint32_t asked = addr4_from_bytes((const uint8_t *)lo.q.from);
		dstm_lease_entry *grown;

		if (lo.limit != 0 && lo.limit - all.entries.entries_len < want)
			want = lo.limit - all.entries.entries_len;
		lo.q.limit = want;
		memset(&page, 0, sizeof(page));
		cs = ctl_call(c->cl, DSTMCTL_LEASE_QUERY,
		    (xdrproc_t)xdr_dstm_lease_query, &lo.q,
		    (xdrproc_t)xdr_dstm_lease_page, &page);
		if (cs == RPC_PROCUNAVAIL && !lo.filtered &&
		    all.entries.entries_len == 0) {
			/* a daemon without LEASE_QUERY, and no filter asked:
			 * the old list */
			ctl_close(c->cl);
			c->cl = NULL;
			return call_proc(c, DSTMCTL_LEASES, REPLY_LEASES);
		}
		if ((rc = check_reply(c, cs, page.status, NULL)) != 0) {
			clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_lease_page,
			    (caddr_t)&page);
			free(all.entries.entries_val);
			return rc;
		}
		got = page.entries.entries_len;
		all.now = page.now;
		grown = got == 0 ? all.entries.entries_val :
		    realloc(all.entries.entries_val,
		    (all.entries.entries_len + (size_t)got) * sizeof(*grown));
		if (got > 0 && grown == NULL) {
			clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_lease_page,
			    (caddr_t)&page);
			free(all.entries.entries_val);
			return dstmctl_fail(c, "output", DSTMCTL_EXIT_REFUSED,
			    "leases: out of memory");
		}
		if (got > 0)
			memcpy(grown + all.entries.entries_len,
			    page.entries.entries_val, got * sizeof(*grown));
		all.entries.entries_val = grown;
		all.entries.entries_len += got;
		more = page.more;
		from = addr4_from_bytes((const uint8_t *)page.next);
		memcpy(lo.q.from, page.next, sizeof(lo.q.from));
		clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_lease_page,
		    (caddr_t)&page);
		if (!more || (lo.limit != 0 && all.entries.entries_len >=
		    lo.limit))
			break;
		if (got == 0 || from <= asked) {
			free(all.entries.entries_val);
			return dstmctl_fail(c, "output", DSTMCTL_EXIT_REFUSED,
			    "leases: the daemon's next page does not move on");
		}
	}
	if (more)
		addr4_ntop(addr4_from_bytes((const uint8_t *)lo.q.from), next,
		    sizeof(next));
	rc = printed(print_leases(&c->out, &all, more, more ? next : NULL));
	free(all.entries.entries_val);
	return rc;
}

/* stats [--reset] [-o text|json|openmetrics|prometheus] */
static const char *
daemon_name(const struct dstmctl *c, char *buf, size_t len)
{
	const char *b = strrchr(c->sock, '/');
	size_t n;

	b = b != NULL ? b + 1 : c->sock;
	n = strcspn(b, ".");
	snprintf(buf, len, "%.*s", (int)n, b);
	return buf;
}

static int
cmd_stats(struct dstmctl *c, int argc, char **argv)
{
	dstm_stats st;
	dstm_pool_info pool;
	char name[64];
	bool reset = false;
	enum clnt_stat cs;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--reset") == 0)
			reset = true;
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			if ((rc = dstmctl_format(c, argv[++i])) != 0)
				return rc;
		} else if (strncmp(argv[i], "-o", 2) == 0 && argv[i][2]) {
			if ((rc = dstmctl_format(c, argv[i] + 2)) != 0)
				return rc;
		} else
			return bad_usage(c, "unexpected argument '%s'",
			    argv[i]);
	}
	if (reset && c->om)
		return bad_usage(c, "--reset prints a message, not metrics");
	if (reset)
		return call_proc(c, DSTMCTL_STATS_RESET, REPLY_MSG);
	if (!c->om)
		return call(c, NULL, NULL);
	if ((rc = open_client(c)) != 0)
		return rc;
	memset(&st, 0, sizeof(st));
	memset(&pool, 0, sizeof(pool));
	cs = ctl_call(c->cl, DSTMCTL_STATS, NULL, NULL,
	    (xdrproc_t)xdr_dstm_stats, &st);
	if ((rc = check_reply(c, cs, st.status, NULL)) != 0)
		return rc;
	/* the server's pool; a gateway refuses POOL: no pool gauges */
	cs = ctl_call(c->cl, DSTMCTL_POOL, NULL, NULL,
	    (xdrproc_t)xdr_dstm_pool_info, &pool);
	rc = printed(print_openmetrics(&st, cs == RPC_SUCCESS &&
	    pool.status == DSTM_OK ? &pool : NULL,
	    daemon_name(c, name, sizeof(name)), c->om));
	clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_stats, (caddr_t)&st);
	if (cs == RPC_SUCCESS)
		clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_pool_info,
		    (caddr_t)&pool);
	return rc;
}

/* ---- client protocol commands ---- */

/* --key KEY: 32 hex digits, not all zero */
static int
parse_key(struct dstmctl *c, const char *s, dstm_key key)
{
	static const uint8_t zero[DSTM_KEY_LEN];

	if (strlen(s) != 2 * DSTM_KEY_LEN)
		return bad_usage(c, "--key '%s': 32 hexadecimal digits, as "
		    "alloc printed it", s);
	for (int i = 0; i < DSTM_KEY_LEN; i++)
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2hhx", (uint8_t *)&key[i]) != 1)
			return bad_usage(c, "--key '%s': 32 hexadecimal "
			    "digits, as alloc printed it", s);
	if (memcmp(key, zero, DSTM_KEY_LEN) == 0)
		return bad_usage(c, "--key: a key is never all zero");
	return 0;
}

static void
key_hex(const dstm_key key, char buf[static 2 * DSTM_KEY_LEN + 1])
{
	for (int i = 0; i < DSTM_KEY_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02x", (uint8_t)key[i]);
}

/* ALLOC with a new key (or --key), sent again with the cookie when
 * udp6 asks for one; prints the lease and its key. */
static int
cmd_alloc(struct dstmctl *c, int argc, char **argv)
{
	dstm_alloc2_args args;
	dstm_alloc_reply res;
	const char *hint = NULL, *key = NULL;
	char hex[2 * DSTM_KEY_LEN + 1];
	bool missing = false;
	enum clnt_stat cs;
	int rc;

	memset(&args, 0, sizeof(args));
	for (int i = 1; i < argc; i++) {
		const char *v;

		if (strcmp(argv[i], "--strict") == 0)
			args.flags |= DSTM_ALLOC_STRICT;
		else if ((v = opt_value(argc, argv, &i, "--key", &missing)))
			key = v;
		else if (missing)
			return bad_usage(c, "--key needs a value");
		else if (argv[i][0] == '-' || hint != NULL)
			return bad_usage(c, "unexpected argument '%s'",
			    argv[i]);
		else
			hint = argv[i];
	}
	if ((args.flags & DSTM_ALLOC_STRICT) && hint == NULL)
		return bad_usage(c, "--strict needs an IPv4 address");
	if (hint != NULL && (rc = parse_in4(c, "hint", hint, args.hint)) != 0)
		return rc;
	if (key != NULL && (rc = parse_key(c, key, args.key)) != 0)
		return rc;
	if (key == NULL) {
		if (getrandom(args.key, sizeof(args.key), 0) !=
		    sizeof(args.key)) {
			fprintf(stderr, "dstmctl: alloc: no random key: %s\n",
			    strerror(errno));
			return DSTMCTL_EXIT_REFUSED;
		}
		args.key[0] |= 1;	/* never all zero */
	}
	if ((rc = open_client(c)) != 0)
		return rc;
	for (int k = 0; k < 2; k++) {
		memset(&res, 0, sizeof(res));
		cs = ctl_call(c->cl, DSTMPROC2_ALLOC,
		    (xdrproc_t)xdr_dstm_alloc2_args, &args,
		    (xdrproc_t)xdr_dstm_alloc_reply, &res);
		if (cs != RPC_SUCCESS || res.lease.status != DSTM_COOKIE)
			break;
		/* udp6: show the server we receive at our address */
		memcpy(args.cookie, res.cookie, sizeof(args.cookie));
	}
	key_hex(args.key, hex);
	if ((rc = check_reply(c, cs, res.lease.status, NULL)) == 0)
		rc = printed(print_lease_key(&c->out, &res.lease, hex));
	return rc;
}

/* renew, release: [--key KEY] IPV4.  Without the key the server refuses
 * (not-owner): the key is what makes a lease the caller's. */
static int
cmd_keyed(struct dstmctl *c, int argc, char **argv)
{
	dstm_lease_args args;
	const char *addr = NULL, *key = NULL;
	bool missing = false;
	int rc;

	memset(&args, 0, sizeof(args));
	for (int i = 1; i < argc; i++) {
		const char *v;

		if ((v = opt_value(argc, argv, &i, "--key", &missing)))
			key = v;
		else if (missing)
			return bad_usage(c, "--key needs a value");
		else if (argv[i][0] == '-' || addr != NULL)
			return bad_usage(c, "unexpected argument '%s'",
			    argv[i]);
		else
			addr = argv[i];
	}
	if (addr == NULL)
		return bad_usage(c, "missing IPv4 address");
	if ((rc = parse_in4(c, "address", addr, args.addr)) != 0)
		return rc;
	if (key != NULL && (rc = parse_key(c, key, args.key)) != 0)
		return rc;
	return call(c, &args, addr);
}

/* ---- both ---- */

static int
cmd_ping(struct dstmctl *c, int argc, char **argv)
{
	char peer[CTL_ERRLEN];
	enum clnt_stat cs;
	int64_t t0;
	int rc;

	if ((rc = no_args(c, argc, argv)) != 0 || (rc = open_client(c)) != 0)
		return rc;
	t0 = clock_mono_us();
	cs = ctl_call(c->cl, c->cmd->proc, NULL, NULL, NULL, NULL);
	if ((rc = check_reply(c, cs, DSTM_OK, NULL)) != 0)
		return rc;
	return printed(print_ping(&c->out, ctl_peer(c->cl, peer,
	    sizeof(peer)), clock_mono_us() - t0));
}

static int cmd_help(struct dstmctl *, int, char **);

static const struct dstmctl_cmd cmds[] = {
	{ "leases", cmd_leases, CMD_CTL, "[IPV6[/LEN]] [IPV4[/LEN]] "
	    "[--state STATE[,STATE]] [--from IPV4] [--limit N] [--page N]",
	    "list leases: all, or of a client, an address or prefix, a state",
	    .proc = DSTMCTL_LEASE_QUERY, .reply = REPLY_OWN },
	{ "pool", cmd_plain, CMD_CTL, "",
	    "show pool usage, in total and per range",
	    .proc = DSTMCTL_POOL, .reply = REPLY_POOL },
	{ "stats", cmd_stats, CMD_CTL,
	    "[--reset] [-o text|json|openmetrics|prometheus]",
	    "show counters and gauges; --reset zeroes the counters", .proc = DSTMCTL_STATS, .reply = REPLY_STATS,
	    .om = true },
	{ "config", cmd_plain, CMD_CTL, "",
	    "print the running configuration in canonical form",
	    .proc = DSTMCTL_CONFIG, .reply = REPLY_CONFIG },
	{ "revoke", cmd_addr, CMD_CTL, "IPV4", "end the lease on IPV4 now",
	    .proc = DSTMCTL_REVOKE, .xdr_arg = (xdrproc_t)xdr_dstm_addr_args,
	    .reply = REPLY_MSG },
	{ "reload", cmd_plain, CMD_CTL, "", "reload the configuration",
	    .proc = DSTMCTL_RELOAD, .reply = REPLY_MSG },
	{ "lease", cmd_lease, CMD_CTL,
	    "--for IPV6 [--addr IPV4] [--time SECONDS]",
	    "make an operator lease (static unless --time)",
	    .proc = DSTMCTL_LEASE_FOR,
	    .xdr_arg = (xdrproc_t)xdr_dstm_lease_for_args,
	    .reply = REPLY_LEASE },
	{ "alloc", cmd_alloc, CMD_NET, "[--strict] [--key KEY] [IPV4]",
	    "lease an address for this host, IPV4 preferred; prints the "
	    "lease's key", .proc = DSTMPROC2_ALLOC, .reply = REPLY_OWN },
	{ "renew", cmd_keyed, CMD_NET, "--key KEY IPV4",
	    "renew the lease alloc made with KEY",
	    .proc = DSTMPROC2_RENEW, .xdr_arg = (xdrproc_t)xdr_dstm_lease_args,
	    .reply = REPLY_LEASE },
	{ "release", cmd_keyed, CMD_NET, "--key KEY IPV4",
	    "release the lease alloc made with KEY",
	    .proc = DSTMPROC2_RELEASE,
	    .xdr_arg = (xdrproc_t)xdr_dstm_lease_args, .reply = REPLY_STATUS },
	{ "info", cmd_plain, CMD_NET, "",
	    "show server parameters and this host's leases",
	    .proc = DSTMPROC2_INFO, .reply = REPLY_INFO },
	{ "aftr", cmd_aftr, CMD_CTL, "b4s|sessions|port-blocks",
	    "the DS-lite AFTR's B4s, sessions or port blocks",
	    .reply = REPLY_OWN },
	{ "ping", cmd_ping, CMD_ANY, "",
	    "check that the daemon (-S: the server) answers",
	    .proc = NULLPROC },
	/* no other form: rpcdctl_cmds runs it */
	{ "status", NULL, CMD_CTL, "",
	    "show rpcd's lease and tunnel (client side; -s rpcd's socket)",
	    .reply = REPLY_OWN },
	{ "help", cmd_help, CMD_ANY, "", "show this help",
	    .reply = REPLY_OWN },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static void
usage(FILE *fp)
{
	const char *title[] = {
		"Control commands (local socket -s, default "
		    CTL_DEFAULT_SOCKET "):",
		"Client protocol commands (need -S SERVER):",
		"Other commands:",
	};
	char syn[160];

	fprintf(fp, "Usage: dstmctl [-j] [-s SOCKET] [-S SERVER [-p PORT] "
	    "[-u]] [-t SECONDS] COMMAND [ARGS]\n");
	for (int k = CMD_CTL; k <= CMD_ANY; k++) {
		fprintf(fp, "\n%s\n", title[k]);
		for (size_t i = 0; i < NCMDS; i++) {
			if (cmds[i].kind != (enum dstmctl_kind)k)
				continue;
			snprintf(syn, sizeof(syn), "%s%s%s", cmds[i].name,
			    *cmds[i].args ? " " : "", cmds[i].args);
			if (strlen(syn) > 26)
				fprintf(fp, "  %s\n  %-26s  %s\n", syn, "",
				    cmds[i].help);
			else
				fprintf(fp, "  %-26s  %s\n", syn,
				    cmds[i].help);
		}
	}
	fprintf(fp, "\nOptions:\n"
	    "  -j, --json          JSON output, one object per command "
	    "(-jj: indented)\n"
	    "  -s, --socket PATH   control socket (default "
	    CTL_DEFAULT_SOCKET ")\n"
	    "  -S, --server HOST   server: IPv6 address or DNS name\n"
	    "  -p, --port PORT     server port (default %u; 0 = ask "
	    "rpcbind)\n"
	    "  -u, --udp           use udp6 instead of tcp6\n"
	    "  -t, --timeout SECS  connect and reply timeout (default %d)\n"
	    "  -h, --help          this help\n"
	    "  -V, --version       the version and the protocol versions\n"
	    "\nExit status: 0 ok, 1 refused by the server, 2 usage error,\n"
	    "3 daemon or server unreachable (also when rpcd could not reach "
	    "the server).\n", DSTM_DEFAULT_PORT,
	    CTL_DEFAULT_TIMEOUT_MS / 1000);
}

static int
cmd_help(struct dstmctl *c, int argc, char **argv)
{
	int rc;

	if ((rc = no_args(c, argc, argv)) != 0)
		return rc;
	usage(stdout);
	return 0;
}

/* ---- main ---- */

static const struct dstmctl_cmd *
find_cmd(const struct dstmctl_cmd *tab, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(tab[i].name, name) == 0)
			return &tab[i];
	return NULL;
}

/* Options that do not fit the command's transport. */
static int
check_transport(struct dstmctl *c, bool sock_set)
{
	if (c->server == NULL && (c->port_set || c->udp))
		return bad_usage(c, "-p and -u need -S SERVER");
	if (c->cmd->kind == CMD_NET && c->server == NULL)
		return bad_usage(c, "needs -S SERVER: it speaks the client "
		    "protocol to a server");
	if (c->cmd->kind == CMD_CTL && c->server != NULL)
		return bad_usage(c, "a control command runs over the local "
		    "socket (-s), not -S");
	if (c->server != NULL && sock_set)
		return bad_usage(c, "-s and -S exclude each other");
	return 0;
}

static int
set_server(struct dstmctl *c, const char *s)
{
	struct in_addr a4;
	size_t n = strlen(s);

	/* "[2001:db8::1]" is a common way to write an IPv6 literal */
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		snprintf(c->server_buf, sizeof(c->server_buf), "%.*s",
		    (int)(n - 2), s + 1);
		s = c->server_buf;
	}
	if (*s == '\0')
		return bad_usage(c, "-S needs a server address or name");
	if (inet_pton(AF_INET, s, &a4) == 1)
		return bad_usage(c, "-S %s: the server speaks IPv6 only", s);
	c->server = s;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "server", required_argument, NULL, 'S' },
		{ "port", required_argument, NULL, 'p' },
		{ "udp", no_argument, NULL, 'u' },
		{ "timeout", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const struct dstmctl_cmd *rpcd;
	struct dstmctl c;
	const char *why;
	uint32_t v;
	bool help = false, sock_set = false, version = false;
	int ch, rc;

	memset(&c, 0, sizeof(c));
	c.sock = CTL_DEFAULT_SOCKET;
	c.port = DSTM_DEFAULT_PORT;
	c.timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hjs:S:p:ut:V", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			help = true;
			break;
		case 'j':
			c.out.json++;
			break;
		case 'V':
			version = true;
			break;
		case 's':
			if (*optarg == '\0' || strlen(optarg) >=
			    sizeof(((struct sockaddr_un *)0)->sun_path))
				return bad_usage(&c, "-s '%s': not a usable "
				    "socket path", optarg);
			c.sock = optarg;
			sock_set = true;
			break;
		case 'S':
			if ((rc = set_server(&c, optarg)) != 0)
				return rc;
			break;
		case 'p':
			if (!conf_parse_u32(optarg, 0, 65535, &v, &why))
				return bad_usage(&c, "-p '%s': %s (0-65535)",
				    optarg, why);
			c.port = (uint16_t)v;
			c.port_set = true;
			break;
		case 'u':
			c.udp = true;
			break;
		case 't':
			if (!conf_parse_duration(optarg, 1, 3600, &v, &why))
				return bad_usage(&c, "-t '%s': %s (1s-1h)",
				    optarg, why);
			c.timeout_ms = (int)v * 1000;
			break;
		case ':':
			return bad_usage(&c, "option %s needs a value",
			    argv[optind - 1]);
		default:
			if (optopt != 0)
				return bad_usage(&c, "unknown option '-%c'",
				    optopt);
			return bad_usage(&c, "unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (help) {
		usage(stdout);
		return 0;
	}
	if (version)
		return dstm_print_version(stdout, "dstmctl");
	if (optind >= argc) {
		if (c.out.json)
			return bad_usage(&c, "no command given");
		usage(stderr);
		return DSTMCTL_EXIT_USAGE;
	}
	if ((c.cmd = find_cmd(cmds, NCMDS, argv[optind])) == NULL)
		return bad_usage(&c, "unknown command '%s'", argv[optind]);
	c.out.cmd = c.cmd->name;
	argc -= optind;
	argv += optind;
	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		cmd_usage(stdout, c.cmd);
		printf("  %s\n", c.cmd->help);
		return 0;
	}
	/* status, lease without --for, renew/release without an address:
	 * the client daemon's commands */
	rpcd = c.server == NULL ? find_cmd(rpcdctl_cmds, rpcdctl_ncmds,
	    c.cmd->name) : NULL;
	if (rpcd != NULL && rpcdctl_wants(rpcd, argc, argv)) {
		c.cmd = rpcd;
		if (!sock_set)
			c.sock = RPCDCTL_DEFAULT_SOCKET;
	} else if ((rc = check_transport(&c, sock_set)) != 0)
		return rc;
	rc = c.cmd->fn(&c, argc, argv);
	ctl_close(c.cl);
	return rc;
}
