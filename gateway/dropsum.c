/* dropsum.c - drop summaries with the addresses involved; see dropsum.h. */
#include "gateway/dropsum.h"

#include <stdio.h>
#include <string.h>

#include "common/addr.h"

void
dropsum_init(struct dropsum *d, uint32_t interval_ms)
{
	memset(d, 0, sizeof(*d));
	d->interval_ms = interval_ms;
}

static bool
same_src(const struct dropsum_src *s, const struct in6_addr *src6,
    uint32_t src4)
{
	return s->src4 == src4 && memcmp(&s->src6, src6, sizeof(*src6)) == 0;
}

/* Space-saving (Metwally et al.): a source not in the list replaces the
 * smallest entry and inherits its count, so every source that sent more
 * than n / DROPSUM_TOP of the drops is listed. */
static void
top_add(struct dropsum_reason *r, const struct in6_addr *src6, uint32_t src4)
{
	struct dropsum_src *min = &r->top[0];

	for (unsigned i = 0; i < DROPSUM_TOP; i++) {
		struct dropsum_src *s = &r->top[i];

		if (s->n > 0 && same_src(s, src6, src4)) {
			s->n++;
			return;
		}
		if (s->n < min->n)
			min = s;
	}
	min->src6 = *src6;
	min->src4 = src4;
	min->n++;
}

static struct dropsum_reason *
reason(struct dropsum *d, enum rfc2473_drop why, int64_t now_ms)
{
	struct dropsum_reason *r;

	if ((unsigned)why == RFC2473_DROP_NONE || why >= RFC2473_DROP_MAX)
		return NULL;
	r = &d->r[why];
	if (r->n == 0)
		r->first_ms = now_ms;
	return r;
}

void
dropsum_add(struct dropsum *d, enum rfc2473_drop why,
    const struct in6_addr *src6, uint32_t src4, int64_t now_ms)
{
	static const struct in6_addr none;
	struct dropsum_reason *r = reason(d, why, now_ms);

	if (r == NULL)
		return;
	r->n++;
	top_add(r, src6 != NULL ? src6 : &none, src4);
}

void
dropsum_kernel(struct dropsum *d,
    const uint64_t total[static RFC2473_DROP_MAX], int64_t now_ms)
{
	for (int w = 1; w < RFC2473_DROP_MAX; w++) {
		uint64_t grew = total[w] - d->kernel_total[w];
		struct dropsum_reason *r;

		/* a smaller one (maps made again) starts over */
		if (total[w] > d->kernel_total[w] &&
		    (r = reason(d, (enum rfc2473_drop)w, now_ms)) != NULL) {
			r->n += grew;
			r->kernel += grew;
		}
		d->kernel_total[w] = total[w];
	}
}

int
dropsum_level(enum rfc2473_drop why)
{
	switch (why) {
	case RFC2473_DROP_NO_BINDING:
		return LOG_LVL_INFO;
	case RFC2473_DROP_TTL_EXCEEDED:
	case RFC2473_DROP_TOO_BIG:
		return -1;
	default:
		return LOG_LVL_WARNING;
	}
}

/* The IPv4 side's reasons: packets towards a client. */
static bool
towards_client(enum rfc2473_drop why)
{
	return why == RFC2473_DROP_NO_BINDING ||
	    why == RFC2473_DROP_SHARED_NO_PORT || why == RFC2473_DROP_NO_ROOM;
}

static void
format(const struct dropsum_reason *r, enum rfc2473_drop why, int64_t now_ms,
    char *buf, size_t len)
{
	static const struct in6_addr none;
	const struct dropsum_src *order[DROPSUM_TOP];
	unsigned n = 0;
	size_t at;
	int64_t secs = (now_ms - r->first_ms + 999) / 1000;

	at = (size_t)snprintf(buf, len, "gateway: dropped %llu packet%s %s "
	    "(%s) in %llds", (unsigned long long)r->n, r->n == 1 ? "" : "s",
	    towards_client(why) ? "towards clients" : "from clients",
	    rfc2473_drop_name(why), (long long)(secs > 0 ? secs : 1));
	/* the user-space path's sources, most first */
	for (unsigned i = 0; i < DROPSUM_TOP; i++)
		if (r->top[i].n > 0)
			order[n++] = &r->top[i];
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && order[j]->n > order[j - 1]->n;
		    j--) {
			const struct dropsum_src *t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (unsigned i = 0; i < n && at < len; i++) {
		char a6[ADDR_STRLEN], a4[ADDR_STRLEN];
		const struct dropsum_src *s = order[i];

		if (memcmp(&s->src6, &none, sizeof(none)) != 0)
			at += (size_t)snprintf(buf + at, len - at,
			    "%s %s inner %s x%llu", i == 0 ? ":" : ",",
			    addr6_ntop(&s->src6, a6, sizeof(a6)),
			    addr4_ntop(s->src4, a4, sizeof(a4)),
			    (unsigned long long)s->n);
		else
			at += (size_t)snprintf(buf + at, len - at,
			    "%s from %s x%llu", i == 0 ? ":" : ",",
			    addr4_ntop(s->src4, a4, sizeof(a4)),
			    (unsigned long long)s->n);
	}
	if (r->kernel > 0 && at < len)
		snprintf(buf + at, len - at, "%s%llu by the kernel fast path "
		    "(no addresses)", n > 0 ? "; " : ": ",
		    (unsigned long long)r->kernel);
}

unsigned
dropsum_tick(struct dropsum *d, int64_t now_ms, dropsum_line_fn *fn,
    void *arg)
{
	char line[512];
	unsigned lines = 0;

	for (int w = 1; w < RFC2473_DROP_MAX; w++) {
		struct dropsum_reason *r = &d->r[w];
		int level = dropsum_level((enum rfc2473_drop)w);

		if (r->n == 0 || (r->logged &&
		    now_ms - r->last_line_ms < (int64_t)d->interval_ms))
			continue;
		if (level >= 0) {
			format(r, (enum rfc2473_drop)w, now_ms, line,
			    sizeof(line));
			if (fn != NULL)
				fn(arg, (enum rfc2473_drop)w, level, line);
			else if (level == LOG_LVL_WARNING)
				log_warning("%s", line);
			else
				log_info("%s", line);
			lines++;
		}
		memset(r->top, 0, sizeof(r->top));
		r->n = r->kernel = 0;
		r->logged = true;
		r->last_line_ms = now_ms;
	}
	return lines;
}
