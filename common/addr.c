/* addr.c - address, prefix and range parsing and printing. */
#include "common/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETERR(msg) do { if (err != NULL) *err = (msg); } while (0)

bool
addr4_parse(const char *s, uint32_t *out, const char **err)
{
	struct in_addr in;

	/* inet_pton accepts only dotted quad, no octal/short forms */
	if (s == NULL || inet_pton(AF_INET, s, &in) != 1) {
		SETERR("not an IPv4 address");
		return false;
	}
	*out = ntohl(in.s_addr);
	return true;
}

bool
addr6_parse(const char *s, struct in6_addr *out, const char **err)
{
	if (s == NULL || inet_pton(AF_INET6, s, out) != 1) {
		SETERR("not an IPv6 address");
		return false;
	}
	return true;
}

static bool
split_len(const char *s, char *buf, size_t buflen, long *len, long max,
    const char **err)
{
	const char *slash = strchr(s, '/');
	char *end;
	size_t n;

	if (slash == NULL) {
		*len = -1;
		if (strlen(s) >= buflen) {
			SETERR("address too long");
			return false;
		}
		strcpy(buf, s);
		return true;
	}
	n = (size_t)(slash - s);
	if (n >= buflen) {
		SETERR("address too long");
		return false;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (slash[1] < '0' || slash[1] > '9') {
		SETERR("bad prefix length");
		return false;
	}
	errno = 0;
	*len = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || *len < 0 || *len > max) {
		SETERR("bad prefix length");
		return false;
	}
	return true;
}

uint32_t
prefix4_mask(uint8_t len)
{
	return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

bool
prefix4_parse(const char *s, struct prefix4 *out, const char **err)
{
	char buf[INET_ADDRSTRLEN];
	long len;
	uint32_t a;

	if (s == NULL || !split_len(s, buf, sizeof(buf), &len, 32, err))
		return false;
	if (!addr4_parse(buf, &a, err))
		return false;
	if (len < 0)
		len = 32;
	if ((a & ~prefix4_mask((uint8_t)len)) != 0) {
		SETERR("host bits set in prefix");
		return false;
	}
	out->addr = a;
	out->len = (uint8_t)len;
	return true;
}

void
addr6_mask(struct in6_addr *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;
		if (bits >= 8)
			continue;
		a->s6_addr[i] &= (uint8_t)(0xff00 >> bits);
	}
}

bool
prefix6_parse(const char *s, struct prefix6 *out, const char **err)
{
	char buf[INET6_ADDRSTRLEN];
	struct in6_addr a, m;
	long len;

	if (s == NULL || !split_len(s, buf, sizeof(buf), &len, 128, err))
		return false;
	if (!addr6_parse(buf, &a, err))
		return false;
	if (len < 0)
		len = 128;
	m = a;
	addr6_mask(&m, (unsigned)len);
	if (memcmp(&m, &a, sizeof(a)) != 0) {
		SETERR("host bits set in prefix");
		return false;
	}
	out->addr = a;
	out->len = (uint8_t)len;
	return true;
}

bool
range4_parse(const char *s, struct range4 *out, const char **err)
{
	char buf[2 * INET_ADDRSTRLEN];
	const char *dash;
	struct prefix4 p;
	uint32_t a, b;

	if (s == NULL) {
		SETERR("missing range");
		return false;
	}
	dash = strchr(s, '-');
	if (dash == NULL) {
		if (!prefix4_parse(s, &p, err))
			return false;
		out->first = p.addr;
		out->last = p.addr | ~prefix4_mask(p.len);
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(buf)) {
		SETERR("range too long");
		return false;
	}
	memcpy(buf, s, (size_t)(dash - s));
	buf[dash - s] = '\0';
	if (!addr4_parse(buf, &a, err) || !addr4_parse(dash + 1, &b, err))
		return false;
	if (a > b) {
		SETERR("range start after range end");
		return false;
	}
	out->first = a;
	out->last = b;
	return true;
}

const char *
addr4_ntop(uint32_t a, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff,
	    (a >> 8) & 0xff, a & 0xff);
	return buf;
}

const char *
addr6_ntop(const struct in6_addr *a, char *buf, size_t len)
{
	if (inet_ntop(AF_INET6, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
prefix4_ntop(const struct prefix4 *p, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", addr4_ntop(p->addr, a, sizeof(a)), p->len);
	return buf;
}

const char *
prefix6_ntop(const struct prefix6 *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", addr6_ntop(&p->addr, a, sizeof(a)), p->len);
	return buf;
}

bool
range4_find(const struct range4 *r, unsigned n, uint32_t a)
{
	unsigned lo = 0, hi = n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (a < r[mid].first)
			hi = mid;
		else if (a > r[mid].last)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

int
range4_prefixes(const struct range4 *r,
    int (*fn)(void *arg, uint32_t addr, uint8_t len), void *arg)
{
	uint64_t a = r->first, last = r->last;
	int rc;

	while (a <= last) {
		uint8_t len = 32;

		/* grow the block while aligned and inside the range */
		while (len > 0) {
			uint64_t size = 1ull << (33 - len);

			if ((a & (size - 1)) != 0 || a + size - 1 > last)
				break;
			len--;
		}
		if ((rc = fn(arg, (uint32_t)a, len)) != 0)
			return rc;
		a += 1ull << (32 - len);
	}
	return 0;
}

const char *
range4_ntop(const struct range4 *r, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint32_t size = r->last - r->first;

	addr4_ntop(r->first, a, sizeof(a));
	if (r->first == r->last) {
		snprintf(buf, len, "%s", a);
		return buf;
	}
	/* exactly an aligned power-of-two block: print as a prefix */
	if (size != 0xffffffffu && ((size + 1) & size) == 0 &&
	    (r->first & size) == 0) {
		unsigned plen = 32;
		for (uint32_t n = size + 1; n > 1; n >>= 1)
			plen--;
		snprintf(buf, len, "%s/%u", a, plen);
		return buf;
	}
	snprintf(buf, len, "%s-%s", a, addr4_ntop(r->last, b, sizeof(b)));
	return buf;
}

bool
prefix6_contains(const struct prefix6 *p, const struct in6_addr *a)
{
	struct in6_addr m = *a;

	addr6_mask(&m, p->len);
	return memcmp(&m, &p->addr, sizeof(m)) == 0;
}

uint32_t
addr4_from_bytes(const uint8_t b[static 4])
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

void
addr4_to_bytes(uint32_t a, uint8_t b[static 4])
{
	b[0] = (uint8_t)(a >> 24);
	b[1] = (uint8_t)(a >> 16);
	b[2] = (uint8_t)(a >> 8);
	b[3] = (uint8_t)a;
}

bool
addr6_is_unicast_endpoint(const struct in6_addr *a)
{
	if (IN6_IS_ADDR_UNSPECIFIED(a) || IN6_IS_ADDR_MULTICAST(a) ||
	    IN6_IS_ADDR_V4MAPPED(a) || IN6_IS_ADDR_V4COMPAT(a))
		return false;
	return true;
}

bool
addr6_from_sockaddr(const void *sa, size_t len, struct in6_addr *out)
{
	struct sockaddr_in6 sin6;

	if (sa == NULL || len < sizeof(sin6))
		return false;
	memcpy(&sin6, sa, sizeof(sin6));
	if (sin6.sin6_family != AF_INET6)
		return false;
	*out = sin6.sin6_addr;
	return true;
}
