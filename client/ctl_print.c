/* ctl_print.c - text tables and JSON objects for dstmctl's replies. */
#include "client/ctl_print.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/addr.h"
#include "common/json.h"
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
leases_json(const struct out *o, const dstm_lease_list *l)
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
	json_bool(&j, "truncated", l->entries.entries_len >= DSTM_MAX_LIST);
	return json_done(&j);
}

int
print_leases(const struct out *o, const dstm_lease_list *l)
{
	static const char *const hdr[L_NCOL] = { "ADDRESS", "STATE",
	    "CLIENT", "EXPIRES", "PKTS-IN", "BYTES-IN", "PKTS-OUT",
	    "BYTES-OUT", "LAST-SEEN" };
	struct table t = { .ncol = L_NCOL, .right = 1u << L_PIN |
	    1u << L_BIN | 1u << L_POUT | 1u << L_BOUT };
	unsigned n[DSTM_LS_EXCLUDED + 1] = { 0 };
	u_int len = l->entries.entries_len;

	if (o->json)
		return leases_json(o, l);
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
	printf("%u lease%s: %u bound, %u static, %u held%s\n", len,
	    len == 1 ? "" : "s", n[DSTM_LS_BOUND], n[DSTM_LS_STATIC],
	    n[DSTM_LS_HELD], len >= DSTM_MAX_LIST ?
	    " (list truncated by the server)" : "");
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
