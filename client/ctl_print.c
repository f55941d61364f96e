/* ctl_print.c - text tables and JSON objects for dstmctl's replies. */
#include "client/ctl_print.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/json.h"
#include "rpc/counters.h"
#include "rpc/status.h"
#include "rpc/dstm.h"

#define TBL_MAXCOL	10
#define TBL_CELL	64

/* Tables are printed in two passes over the same rows: measure, print. */
struct row {
	char	c[TBL_MAXCOL][TBL_CELL];
};

struct table {
	int		 ncol;
	unsigned	 right;		/* bit i: right-align column i */
	int		 w[TBL_MAXCOL];
};

static void
tbl_measure(struct table *t, const struct row *r)
{
	for (int i = 0; i < t->ncol; i++) {
		int n = (int)strlen(r->c[i]);

		if (n > t->w[i])
			t->w[i] = n;
	}
}

static void
tbl_print(const struct table *t, const struct row *r)
{
	for (int i = 0; i < t->ncol; i++) {
		bool last = i == t->ncol - 1, right = t->right & (1u << i);

		if (i > 0)
			fputs("  ", stdout);
		if (right)
			printf("%*s", t->w[i], r->c[i]);
		else if (last)
			fputs(r->c[i], stdout);
		else
			printf("%-*s", t->w[i], r->c[i]);
	}
	putchar('\n');
}

static void
tbl_header(struct row *r, const char *const *names, int n)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < n; i++)
		snprintf(r->c[i], TBL_CELL, "%s", names[i]);
}

/* The first pass measures a row, the second prints it. */
static void
tbl_row(struct table *t, const struct row *r, int pass)
{
	if (pass == 0)
		tbl_measure(t, r);
	else
		tbl_print(t, r);
}

/* Both passes over the header (none when NULL) and n rows of `data`,
 * row(data, i, r) filling every column of row i. */
static void
tbl_show(struct table *t, const char *const *hdr, unsigned n,
    void (*row)(const void *data, unsigned i, struct row *r),
    const void *data)
{
	struct row r;

	for (int pass = 0; pass < 2; pass++) {
		if (hdr != NULL) {
			tbl_header(&r, hdr, t->ncol);
			tbl_row(t, &r, pass);
		}
		for (unsigned i = 0; i < n; i++) {
			row(data, i, &r);
			tbl_row(t, &r, pass);
		}
	}
}

const char *
fmt_duration(int64_t secs, char *buf, size_t len)
{
	int64_t d, h, m, s;

	if (secs < 0)
		secs = 0;
	d = secs / 86400;
	h = secs / 3600 % 24;
	m = secs / 60 % 60;
	s = secs % 60;
	if (d > 0)
		snprintf(buf, len, "%" PRId64 "d%" PRId64 "h%" PRId64 "m%"
		    PRId64 "s", d, h, m, s);
	else if (h > 0)
		snprintf(buf, len, "%" PRId64 "h%" PRId64 "m%" PRId64 "s", h,
		    m, s);
	else if (m > 0)
		snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", m, s);
	else
		snprintf(buf, len, "%" PRId64 "s", s);
	return buf;
}

const char *
text_clean(const char *s, char *buf, size_t len)
{
	size_t o = 0, rem = strlen(s), n;
	unsigned char ch;

	if (len == 0)
		return "";
	for (; rem > 0; s += n, rem -= n) {
		ch = (unsigned char)*s;
		if (ch >= 0x20 && ch < 0x7f)
			n = 1;
		else if (ch < 0x80 || (n = json_utf8_len(s, rem)) == 0 ||
		    (ch == 0xc2 && (unsigned char)s[1] < 0xa0)) {
			/* C0, DEL, invalid UTF-8 and C1 controls (U+0080-
			 * U+009F: 0x9b is CSI to many terminals) */
			if (o + 4 >= len)
				break;
			snprintf(buf + o, len - o, "\\x%02x", ch);
			o += 4;
			n = 1;
			continue;
		}
		if (o + n >= len)
			break;
		memcpy(buf + o, s, n);
		o += n;
	}
	buf[o] = '\0';
	return buf;
}

const char *
fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double v = (double)n;
	int u = -1;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return buf;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

static const char *
in4_str(const char *wire, char *buf, size_t len)
{
	return addr4_ntop(addr4_from_bytes((const uint8_t *)wire), buf, len);
}

static const char *
in6_str(const char *wire, char *buf, size_t len)
{
	struct in6_addr a;

	memcpy(&a, wire, sizeof(a));
	return addr6_ntop(&a, buf, len);
}

static int
text_done(void)
{
	return fflush(stdout) != 0 || ferror(stdout) ? -1 : 0;
}

static void
json_head(struct json *j, const struct out *o, int status)
{
	json_init(j, stdout, o->json > 1 ? 2 : 0);
	json_begin_object(j, NULL);
	json_string(j, "command", o->cmd);
	json_string(j, "status", dstm_status_name(status));
	json_int(j, "code", status);
}

static int
json_done(struct json *j)
{
	json_end_object(j);
	return json_finish(j) != 0 ? -1 : 0;
}

/* A time that 0 means "none": null in JSON. */
static void
json_time(struct json *j, const char *key, int64_t t)
{
	if (t == 0)
		json_null(j, key);
	else
		json_int(j, key, t);
}

/* The "error" member of every failure: what went wrong, in words, and
 * the exit status dstmctl ends with. */
static void
json_error(struct json *j, const char *type, const char *msg,
    const char *detail, int exit_code)
{
	json_begin_object(j, "error");
	json_string(j, "type", type);
	json_string(j, "message", msg);
	if (detail != NULL && *detail != '\0')
		json_string(j, "detail", detail);
	json_int(j, "exit_code", exit_code);
	json_end_object(j);
}

int
print_refusal(const struct out *o, int status, const char *detail)
{
	struct json j;

	if (o->json == 0)
		return 0;
	json_head(&j, o, status);
	json_string(&j, "message", dstm_status_msg(status));
	if (detail != NULL && *detail != '\0')
		json_string(&j, "detail", detail);
	json_error(&j, status == DSTM_UNREACHABLE ? "unreachable" : "refused",
	    dstm_status_msg(status), detail, status == DSTM_UNREACHABLE ?
	    3 : 1);
	return json_done(&j);
}

int
print_error(const struct out *o, const char *type, const char *msg,
    int exit_code)
{
	struct json j;

	if (o->json == 0)
		return 0;
	json_init(&j, stdout, o->json > 1 ? 2 : 0);
	json_begin_object(&j, NULL);
	if (o->cmd != NULL)
		json_string(&j, "command", o->cmd);
	else
		json_null(&j, "command");
	json_string(&j, "status", type);
	json_null(&j, "code");
	json_error(&j, type, msg, NULL, exit_code);
	return json_done(&j);
}

/* ---- leases ---- */

enum { L_ADDR, L_STATE, L_CLIENT, L_EXPIRES, L_PIN, L_BIN, L_POUT, L_BOUT,
	L_SEEN, L_NCOL };

static bool
never_expires(const dstm_lease_entry *e)
{
	return e->state == DSTM_LS_STATIC || e->expires == 0;
}

static void
lease_row(const void *data, unsigned i, struct row *r)
{
	const dstm_lease_list *l = data;
	const dstm_lease_entry *e = &l->entries.entries_val[i];
	int64_t now = l->now;
	char d[32];

	in4_str(e->addr, r->c[L_ADDR], TBL_CELL);
	snprintf(r->c[L_STATE], TBL_CELL, "%s",
	    dstm_lease_state_name(e->state));
	in6_str(e->client, r->c[L_CLIENT], TBL_CELL);
	if (never_expires(e))
		snprintf(r->c[L_EXPIRES], TBL_CELL, "never");
	else if (e->expires <= now)
		snprintf(r->c[L_EXPIRES], TBL_CELL, "expired");
	else
		fmt_duration(e->expires - now, r->c[L_EXPIRES], TBL_CELL);
	snprintf(r->c[L_PIN], TBL_CELL, "%" PRIu64, (uint64_t)e->pkts_in);
	fmt_bytes(e->bytes_in, r->c[L_BIN], TBL_CELL);
	snprintf(r->c[L_POUT], TBL_CELL, "%" PRIu64, (uint64_t)e->pkts_out);
	fmt_bytes(e->bytes_out, r->c[L_BOUT], TBL_CELL);
	if (e->last_seen == 0)
		snprintf(r->c[L_SEEN], TBL_CELL, "-");
	else
		snprintf(r->c[L_SEEN], TBL_CELL, "%s ago", fmt_duration(now -
		    e->last_seen, d, sizeof(d)));
}

static int
leases_json(const struct out *o, const dstm_lease_list *l, bool more,
    const char *next)
{
	struct json j;
	char a[ADDR_STRLEN];

	json_head(&j, o, l->status);
	json_int(&j, "now", l->now);
	json_begin_array(&j, "leases");
	for (u_int i = 0; i < l->entries.entries_len; i++) {
		const dstm_lease_entry *e = &l->entries.entries_val[i];

		json_begin_object(&j, NULL);
		json_string(&j, "address", in4_str(e->addr, a, sizeof(a)));
		json_string(&j, "state", dstm_lease_state_name(e->state));
		json_string(&j, "client", in6_str(e->client, a, sizeof(a)));
		if (never_expires(e)) {
			json_null(&j, "expires");
			json_null(&j, "expires_in");
		} else {
			json_int(&j, "expires", e->expires);
			json_int(&j, "expires_in", e->expires > l->now ?
			    e->expires - l->now : 0);
		}
		json_time(&j, "since", e->since);
		json_uint(&j, "pkts_in", e->pkts_in);
		json_uint(&j, "bytes_in", e->bytes_in);
		json_uint(&j, "pkts_out", e->pkts_out);
		json_uint(&j, "bytes_out", e->bytes_out);
		json_time(&j, "last_seen", e->last_seen);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_uint(&j, "count", l->entries.entries_len);
	json_bool(&j, "truncated", more);
	if (next != NULL)
		json_string(&j, "next", next);
	else
		json_null(&j, "next");
	return json_done(&j);
}

int
print_leases(const struct out *o, const dstm_lease_list *l, bool more,
    const char *next)
{
	static const char *const hdr[L_NCOL] = { "ADDRESS", "STATE",
	    "CLIENT", "EXPIRES", "PKTS-IN", "BYTES-IN", "PKTS-OUT",
	    "BYTES-OUT", "LAST-SEEN" };
	struct table t = { .ncol = L_NCOL, .right = 1u << L_PIN |
	    1u << L_BIN | 1u << L_POUT | 1u << L_BOUT };
	unsigned n[DSTM_LS_EXCLUDED + 1] = { 0 };
	u_int len = l->entries.entries_len;

	if (o->json)
		return leases_json(o, l, more, next);
	if (len == 0) {
		printf("no leases\n");
		return text_done();
	}
	tbl_show(&t, hdr, len, lease_row, l);
	for (u_int i = 0; i < len; i++) {
		int state = l->entries.entries_val[i].state;

		if ((unsigned)state <= DSTM_LS_EXCLUDED)
			n[state]++;
	}
	printf("%u lease%s: %u bound, %u static, %u held", len,
	    len == 1 ? "" : "s", n[DSTM_LS_BOUND], n[DSTM_LS_STATIC],
	    n[DSTM_LS_HELD]);
	if (next != NULL)
		printf(" (more: --from %s)", next);
	else if (more)
		printf(" (list truncated by the server)");
	printf("\n");
	return text_done();
}

/* ---- pool ---- */

enum { P_RANGE, P_SIZE, P_FREE, P_BOUND, P_HELD, P_EXCL, P_NCOL };

static const char *
range_str(const dstm_range *d, char *buf, size_t len)
{
	struct range4 r = {
		.first = addr4_from_bytes((const uint8_t *)d->first),
		.last = addr4_from_bytes((const uint8_t *)d->last),
	};

	return range4_ntop(&r, buf, len);
}

static void
pool_row(const void *data, unsigned i, struct row *r)
{
	const dstm_pool_info *p = data;
	const dstm_range *d = &p->ranges.ranges_val[i];

	range_str(d, r->c[P_RANGE], TBL_CELL);
	snprintf(r->c[P_SIZE], TBL_CELL, "%u", d->size);
	snprintf(r->c[P_FREE], TBL_CELL, "%u", d->free);
	snprintf(r->c[P_BOUND], TBL_CELL, "%u", d->bound);
	snprintf(r->c[P_HELD], TBL_CELL, "%u", d->held);
	snprintf(r->c[P_EXCL], TBL_CELL, "%u", d->excluded);
}

static int
pool_json(const struct out *o, const dstm_pool_info *p)
{
	struct json j;
	char a[ADDR_STRLEN];

	json_head(&j, o, p->status);
	json_uint(&j, "size", p->size);
	json_uint(&j, "free", p->free);
	json_uint(&j, "bound", p->bound);
	json_uint(&j, "held", p->held);
	json_uint(&j, "excluded", p->excluded);
	json_begin_array(&j, "ranges");
	for (u_int i = 0; i < p->ranges.ranges_len; i++) {
		const dstm_range *d = &p->ranges.ranges_val[i];

		json_begin_object(&j, NULL);
		json_string(&j, "range", range_str(d, a, sizeof(a)));
		json_string(&j, "first", in4_str(d->first, a, sizeof(a)));
		json_string(&j, "last", in4_str(d->last, a, sizeof(a)));
		json_uint(&j, "size", d->size);
		json_uint(&j, "free", d->free);
		json_uint(&j, "bound", d->bound);
		json_uint(&j, "held", d->held);
		json_uint(&j, "excluded", d->excluded);
		json_end_object(&j);
	}
	json_end_array(&j);
	return json_done(&j);
}

int
print_pool(const struct out *o, const dstm_pool_info *p)
{
	static const char *const hdr[P_NCOL] = { "RANGE", "SIZE", "FREE",
	    "BOUND", "HELD", "EXCLUDED" };
	struct table t = { .ncol = P_NCOL, .right = ~1u };
	u_int n = p->ranges.ranges_len, usable = p->size - p->excluded;

	if (o->json)
		return pool_json(o, p);
	printf("%u addresses in %u range%s: %u free, %u bound, %u held, "
	    "%u excluded", p->size, n, n == 1 ? "" : "s", p->free, p->bound,
	    p->held, p->excluded);
	if (usable > 0 && p->excluded <= p->size)
		printf(" (%.1f%% in use)", 100.0 * p->bound / usable);
	printf("\n");
	if (n == 0)
		return text_done();
	printf("\n");
	tbl_show(&t, hdr, n, pool_row, p);
	return text_done();
}

/* ---- stats ---- */

/* uptime, then the counters */
static void
stats_row(const void *data, unsigned i, struct row *r)
{
	const dstm_stats *s = data;
	const dstm_counter *c;

	if (i == 0) {
		snprintf(r->c[0], TBL_CELL, "uptime");
		fmt_duration(s->uptime, r->c[1], TBL_CELL);
		return;
	}
	c = &s->counters.counters_val[i - 1];
	text_clean(c->name ? c->name : "?", r->c[0], TBL_CELL);
	snprintf(r->c[1], TBL_CELL, "%" PRIu64, (uint64_t)c->value);
}

int
print_stats(const struct out *o, const dstm_stats *s)
{
	struct table t = { .ncol = 2, .right = 2 };
	u_int n = s->counters.counters_len;
	struct json j;

	if (o->json) {
		json_head(&j, o, s->status);
		json_int(&j, "uptime", s->uptime);
		json_begin_object(&j, "counters");
		for (u_int i = 0; i < n; i++) {
			const dstm_counter *c = &s->counters.counters_val[i];

			json_uint(&j, c->name != NULL ? c->name : "",
			    c->value);
		}
		json_end_object(&j);
		return json_done(&j);
	}
	tbl_show(&t, NULL, n + 1, stats_row, s);
	return text_done();
}

/* ---- revoke, reload ---- */

int
print_msg(const struct out *o, const dstm_msg_reply *m)
{
	char clean[DSTM_MAX_MSG * 4 + 1];
	struct json j;

	if (o->json) {
		json_head(&j, o, m->status);
		json_string(&j, "message", m->msg != NULL ? m->msg : "");
		return json_done(&j);
	}
	if (m->msg != NULL && *m->msg != '\0')
		printf("%s\n", text_clean(m->msg, clean, sizeof(clean)));
	return text_done();
}

/* ---- leases from ALLOC, RENEW, LEASE_FOR, INFO ---- */

static void
lease_json_fields(struct json *j, const dstm_lease *l)
{
	char a[ADDR_STRLEN];

	json_string(j, "address", in4_str(l->addr, a, sizeof(a)));
	json_uint(j, "lease_time", l->lease_time);
	if (l->lease_time == DSTM_LEASE_INFINITE)
		json_null(j, "expires_in");
	else
		json_uint(j, "expires_in", l->lease_time);
	json_bool(j, "static", l->lease_time == DSTM_LEASE_INFINITE);
	json_uint(j, "t1", l->t1);
	json_uint(j, "t2", l->t2);
	json_string(j, "tep6", in6_str(l->tep6, a, sizeof(a)));
	json_string(j, "tep4", in4_str(l->tep4, a, sizeof(a)));
	json_uint(j, "mtu", l->mtu);
	json_uint(j, "port_min", l->port_min);
	json_uint(j, "port_max", l->port_max);
}

static const char *
secs_str(unsigned int s, char *buf, size_t len)
{
	if (s == DSTM_LEASE_INFINITE)
		return snprintf(buf, len, "never"), buf;
	return fmt_duration(s, buf, len);
}

int
print_lease(const struct out *o, const dstm_lease *l)
{
	return print_lease_key(o, l, NULL);
}

int
print_lease_key(const struct out *o, const dstm_lease *l, const char *key)
{
	char a[ADDR_STRLEN], d1[32], d2[32], d3[32];
	struct json j;

	if (o->json) {
		json_head(&j, o, l->status);
		lease_json_fields(&j, l);
		if (key != NULL)
			json_string(&j, "key", key);
		return json_done(&j);
	}
	printf("address     %s\n", in4_str(l->addr, a, sizeof(a)));
	if (l->lease_time == DSTM_LEASE_INFINITE)
		printf("lease time  never expires (static)\n");
	else
		printf("lease time  %s (renew in %s, rebind in %s)\n",
		    secs_str(l->lease_time, d1, sizeof(d1)),
		    secs_str(l->t1, d2, sizeof(d2)),
		    secs_str(l->t2, d3, sizeof(d3)));
	printf("tep6        %s\n", in6_str(l->tep6, a, sizeof(a)));
	printf("tep4        %s\n", in4_str(l->tep4, a, sizeof(a)));
	printf("mtu         %u\n", l->mtu);
	printf("ports       %u-%u\n", l->port_min, l->port_max);
	if (key != NULL)
		printf("key         %s\n", key);
	return text_done();
}

int
print_released(const struct out *o, const char *addr)
{
	struct json j;

	if (o->json) {
		json_head(&j, o, DSTM_OK);
		json_string(&j, "address", addr);
		return json_done(&j);
	}
	printf("released %s\n", addr);
	return text_done();
}

int
print_info(const struct out *o, const dstm_info *in)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], d[32];
	char clean[DSTM_MAX_MSG * 4 + 1];
	u_int n = in->leases.leases_len;
	struct json j;

	if (o->json) {
		json_head(&j, o, in->status);
		json_string(&j, "server", in->server != NULL ? in->server : "");
		json_string(&j, "caller", in6_str(in->caller, a, sizeof(a)));
		json_uint(&j, "lease_time", in->lease_time);
		json_string(&j, "tep6", in6_str(in->tep6, a, sizeof(a)));
		json_string(&j, "tep4", in4_str(in->tep4, a, sizeof(a)));
		json_uint(&j, "mtu", in->mtu);
		json_uint(&j, "pool_size", in->pool_size);
		json_uint(&j, "pool_free", in->pool_free);
		json_begin_array(&j, "leases");
		for (u_int i = 0; i < n; i++) {
			json_begin_object(&j, NULL);
			lease_json_fields(&j, &in->leases.leases_val[i]);
			json_end_object(&j);
		}
		json_end_array(&j);
		return json_done(&j);
	}
	printf("server      %s\n", text_clean(in->server != NULL ?
	    in->server : "", clean, sizeof(clean)));
	printf("caller      %s\n", in6_str(in->caller, a, sizeof(a)));
	printf("lease time  %s\n", secs_str(in->lease_time, d, sizeof(d)));
	printf("tep         %s (IPv4 %s)\n", in6_str(in->tep6, a, sizeof(a)),
	    in4_str(in->tep4, b, sizeof(b)));
	printf("mtu         %u\n", in->mtu);
	printf("pool        %u addresses, %u free\n", in->pool_size,
	    in->pool_free);
	if (n == 0)
		printf("leases      none\n");
	for (u_int i = 0; i < n; i++) {
		const dstm_lease *l = &in->leases.leases_val[i];

		printf("%s %s, %s%s\n", i == 0 ? "leases     " : "           ",
		    in4_str(l->addr, a, sizeof(a)),
		    l->lease_time == DSTM_LEASE_INFINITE ? "static" :
		    "expires in ", l->lease_time == DSTM_LEASE_INFINITE ? "" :
		    fmt_duration(l->lease_time, d, sizeof(d)));
	}
	return text_done();
}

int
print_ping(const struct out *o, const char *peer, int64_t rtt_us)
{
	struct json j;

	if (o->json) {
		json_head(&j, o, DSTM_OK);
		json_string(&j, "peer", peer);
		json_int(&j, "rtt_us", rtt_us);
		return json_done(&j);
	}
	printf("%s answered in %" PRId64 ".%03" PRId64 " ms\n", peer,
	    rtt_us / 1000, rtt_us % 1000);
	return text_done();
}

/* ---- config ---- */

int
print_config(const struct out *o, const char *text)
{
	struct json j;

	if (o->json) {
		json_head(&j, o, DSTM_OK);
		json_string(&j, "config", text != NULL ? text : "");
		return json_done(&j);
	}
	fputs(text != NULL ? text : "", stdout);
	return text_done();
}

/* ---- rpcd's status ---- */

static const dstm_b4_status *
b4_of(const dstm_client_status *st)
{
	return st->b4.b4_len == 1 ? st->b4.b4_val : NULL;
}

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* mode b4: where the AFTR is and who said so */
static void
b4_json(struct json *j, const dstm_b4_status *b, const dstm_client_status *st)
{
	char a[ADDR_STRLEN];
	struct in6_addr a6;

	json_begin_object(j, "b4");
	if (str(b->aftr_name)[0] != '\0')
		json_string(j, "aftr_name", b->aftr_name);
	else
		json_null(j, "aftr_name");
	memcpy(&a6, b->aftr6, sizeof(a6));
	if (IN6_IS_ADDR_UNSPECIFIED(&a6))
		json_null(j, "aftr_address");
	else
		json_string(j, "aftr_address", addr6_ntop(&a6, a, sizeof(a)));
	json_string(j, "aftr_from", str(b->aftr_from));
	if (str(b->dhcpv6_interface)[0] != '\0')
		json_string(j, "dhcpv6_interface", b->dhcpv6_interface);
	else
		json_null(j, "dhcpv6_interface");
	json_begin_array(j, "dns_servers");
	for (u_int i = 0; i < b->dns.dns_len; i++) {
		memcpy(&a6, b->dns.dns_val[i], sizeof(a6));
		json_string(j, NULL, addr6_ntop(&a6, a, sizeof(a)));
	}
	json_end_array(j);
	if (st->lease.status == DSTM_OK)
		json_string(j, "b4_address", in4_str(st->lease.addr, a,
		    sizeof(a)));
	else
		json_null(j, "b4_address");
	json_string(j, "nat", str(b->nat));
	json_end_object(j);
}

static void
b4_text(const dstm_b4_status *b, const dstm_client_status *st)
{
	char a[ADDR_STRLEN], c[ADDR_STRLEN];
	struct in6_addr a6;

	memcpy(&a6, b->aftr6, sizeof(a6));
	printf("aftr:      %s%s%s (from %s%s%s)\n", str(b->aftr_name),
	    str(b->aftr_name)[0] ? " = " : "", IN6_IS_ADDR_UNSPECIFIED(&a6) ?
	    "not known yet" : addr6_ntop(&a6, a, sizeof(a)),
	    str(b->aftr_from), str(b->dhcpv6_interface)[0] ? " on " : "",
	    str(b->dhcpv6_interface));
	printf("source:    %s\n", in6_str(st->source, a, sizeof(a)));
	if (st->lease.status == DSTM_OK)
		printf("tunnel:    %s peer %s, MTU %u, NAT44 %s\n",
		    in4_str(st->lease.addr, a, sizeof(a)),
		    in4_str(st->lease.tep4, c, sizeof(c)), st->lease.mtu,
		    str(b->nat));
	else
		printf("tunnel:    down\n");
	for (u_int i = 0; i < b->dns.dns_len; i++) {
		memcpy(&a6, b->dns.dns_val[i], sizeof(a6));
		printf("%s%s\n", i == 0 ? "dns:       " : "           ",
		    addr6_ntop(&a6, a, sizeof(a)));
	}
}

int
print_client_status(const struct out *o, const dstm_client_status *st,
    const char *state)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], d[32];
	char clean[DSTM_MAX_MSG * 4 + 1];
	bool bound = st->lease.status == DSTM_OK;
	const dstm_counter *c;
	struct json j;

	if (o->json) {
		json_head(&j, o, st->status);
		json_string(&j, "state", state);
		json_string(&j, "mode", st->mode);
		json_string(&j, "interface", st->ifname);
		json_string(&j, "server", st->server);
		json_string(&j, "source", in6_str(st->source, a, sizeof(a)));
		if (bound) {
			json_begin_object(&j, "lease");
			lease_json_fields(&j, &st->lease);
			json_time(&j, "expires", st->expires);
			json_end_object(&j);
		} else {
			json_null(&j, "lease");
		}
		if (b4_of(st) != NULL)
			b4_json(&j, b4_of(st), st);
		if (st->last_error_msg != NULL && st->last_error_msg[0])
			json_string(&j, "last_error", st->last_error_msg);
		else
			json_null(&j, "last_error");
		json_begin_object(&j, "counters");
		for (u_int i = 0; i < st->counters.counters_len; i++) {
			c = &st->counters.counters_val[i];
			json_uint(&j, c->name != NULL ? c->name : "", c->value);
		}
		json_end_object(&j);
		return json_done(&j);
	}
	printf("state:     %s (%s mode) on %s\n", state, st->mode,
	    st->ifname);
	if (b4_of(st) != NULL)
		b4_text(b4_of(st), st);	/* its tunnel line says it all */
	else
		printf("server:    %s, we are %s\n", st->server,
		    in6_str(st->source, a, sizeof(a)));
	if (b4_of(st) != NULL) {
		/* above */
	} else if (bound) {
		printf("lease:     %s, %s left\n", in4_str(st->lease.addr, a,
		    sizeof(a)), st->lease.lease_time == DSTM_LEASE_INFINITE ?
		    "no end" : fmt_duration(st->lease.lease_time, d,
		    sizeof(d)));
		printf("tunnel:    TEP %s (%s), MTU %u\n",
		    in6_str(st->lease.tep6, b, sizeof(b)),
		    in4_str(st->lease.tep4, a, sizeof(a)), st->lease.mtu);
	} else {
		printf("lease:     none\n");
	}
	if (st->last_error_msg != NULL && st->last_error_msg[0] != '\0')
		printf("error:     %s\n", text_clean(st->last_error_msg, clean,
		    sizeof(clean)));
	for (u_int i = 0; i < st->counters.counters_len; i++) {
		c = &st->counters.counters_val[i];
		if (c->value != 0)
			printf("  %-28s %" PRIu64 "\n", text_clean(c->name ?
			    c->name : "?", clean, sizeof(clean)),
			    (uint64_t)c->value);
	}
	return text_done();
}

/* ---- OpenMetrics ----
 *
 * Every counter of a reply as a metric "dstm_" + its name with the dots
 * as '_'; counters end in _total.  Names whose last level is a reason, a
 * status or a procedure are one family with that as a label. */

struct om_family {
	const char	*prefix;	/* the counter names, up to the label */
	const char	*family;
	const char	*label;
	const char	*help;
};

static const struct om_family om_families[] = {
	{ "gateway.drop.", "dstm_gateway_drop", "reason",
	    "Packets the gateway dropped, by reason." },
	{ "tunnel.drop.", "dstm_tunnel_drop", "reason",
	    "Tunnel packets the client dropped, by reason." },
	{ "replies.", "dstm_replies", "status",
	    "Replies, by status." },
	{ "requests.", "dstm_requests", "procedure",
	    "Requests, by procedure." },
	{ "gateway.backend.", "dstm_gateway_backend", "backend",
	    "1 for the gateway's data plane in use." },
	{ "tunnel.backend.", "dstm_tunnel_backend", "backend",
	    "1 for the client tunnel's data plane in use." },
};

#define OM_MAX	(DSTM_MAX_COUNTERS + 8)
#define OM_NAME	128

struct om_sample {
	char		 family[OM_NAME];
	char		 label_value[OM_NAME];
	const char	*label;		/* NULL: no label of its own */
	const char	*help;		/* NULL: "dstm counter NAME" */
	char		 dotted[OM_NAME];
	bool		 gauge;
	uint64_t	 value;
};

/* [a-zA-Z0-9_] only; what the daemon sent might hold anything */
static void
om_name(char *dst, size_t len, const char *prefix, const char *src)
{
	size_t o = (size_t)snprintf(dst, len, "%s", prefix);

	for (; *src != '\0' && o + 1 < len; src++, o++) {
		unsigned char ch = (unsigned char)*src;

		dst[o] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') ? (char)ch : '_';
	}
	dst[o < len ? o : len - 1] = '\0';
}

/* A label value or HELP text: \\, \" and \n escaped, nothing else
 * that is not printable ASCII. */
static void
om_escape(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '\\' || ch == '"')
			printf("\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else
			putchar(ch >= 0x20 && ch < 0x7f ? ch : '?');
	}
}

static void
om_add(struct om_sample *v, unsigned *n, const char *name, uint64_t value)
{
	struct om_sample *x;

	if (*n >= OM_MAX || name == NULL || *name == '\0')
		return;
	x = &v[(*n)++];
	memset(x, 0, sizeof(*x));
	x->value = value;
	x->gauge = dstm_counter_is_gauge(name);
	snprintf(x->dotted, sizeof(x->dotted), "%s", name);
	for (size_t f = 0; f < sizeof(om_families) / sizeof(om_families[0]);
	    f++) {
		const struct om_family *fam = &om_families[f];
		size_t pl = strlen(fam->prefix);

		if (strncmp(name, fam->prefix, pl) != 0 || name[pl] == '\0' ||
		    strchr(name + pl, '.') != NULL)
			continue;
		snprintf(x->family, sizeof(x->family), "%s", fam->family);
		om_name(x->label_value, sizeof(x->label_value), "", name + pl);
		x->label = fam->label;
		x->help = fam->help;
		return;
	}
	om_name(x->family, sizeof(x->family), "dstm_", name);
}

static void
om_labels(const struct om_sample *x, const char *daemon)
{
	printf("{daemon=\"");
	om_escape(daemon);
	putchar('"');
	if (x->label != NULL) {
		printf(",%s=\"", x->label);
		om_escape(x->label_value);
		putchar('"');
	}
	putchar('}');
}

int
print_openmetrics(const struct dstm_stats *s, const struct dstm_pool_info *p,
    const char *daemon, enum metrics_fmt fmt)
{
	bool prom = fmt == METRICS_PROMETHEUS;
	const char *tot;
	static struct om_sample v[OM_MAX];
	static const char *const pool_state[] = { "free", "bound", "held",
	    "excluded" };
	unsigned n = 0;
	bool done[OM_MAX] = { false };

	for (u_int i = 0; i < s->counters.counters_len; i++)
		om_add(v, &n, s->counters.counters_val[i].name,
		    s->counters.counters_val[i].value);
	if (p != NULL) {
		const unsigned pv[] = { p->free, p->bound, p->held,
		    p->excluded };

		for (unsigned k = 0; k < 4 && n < OM_MAX; k++) {
			struct om_sample *x = &v[n++];

			memset(x, 0, sizeof(*x));
			snprintf(x->family, sizeof(x->family),
			    "dstm_pool_addresses");
			snprintf(x->label_value, sizeof(x->label_value), "%s",
			    pool_state[k]);
			x->label = "state";
			x->help = "Addresses of the pool, by state.";
			x->gauge = true;
			x->value = pv[k];
		}
	}
	if (s->uptime >= 0) {
		printf("# HELP dstm_uptime_seconds Seconds since the daemon "
		    "started.\n# TYPE dstm_uptime_seconds gauge\n"
		    "dstm_uptime_seconds{daemon=\"");
		om_escape(daemon);
		printf("\"} %" PRId64 "\n", (int64_t)s->uptime);
	}
	/* each family's samples together, families in first-seen order; a
	 * name seen again as another type is left out (invalid otherwise) */
	for (unsigned i = 0; i < n; i++) {
		if (done[i])
			continue;
		/* 0.0.4 names the sample in HELP and TYPE, OpenMetrics the
		 * family */
		tot = prom && !v[i].gauge ? "_total" : "";
		printf("# HELP %s%s ", v[i].family, tot);
		if (v[i].help != NULL) {
			fputs(v[i].help, stdout);
		} else {
			fputs("dstm counter ", stdout);
			om_escape(v[i].dotted);
			putchar('.');
		}
		printf("\n# TYPE %s%s %s\n", v[i].family, tot, v[i].gauge ?
		    "gauge" : "counter");
		for (unsigned k = i; k < n; k++) {
			if (done[k] || strcmp(v[k].family, v[i].family) != 0)
				continue;
			done[k] = true;
			if (v[k].gauge != v[i].gauge)
				continue;
			printf("%s%s", v[k].family, v[k].gauge ? "" : "_total");
			om_labels(&v[k], daemon);
			printf(" %" PRIu64 "\n", v[k].value);
		}
	}
	if (!prom)
		printf("# EOF\n");
	return text_done();
}
