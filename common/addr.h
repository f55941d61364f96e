/* addr.h - IPv4/IPv6 address, prefix and range helpers. */
#ifndef DSTM_ADDR_H
#define DSTM_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define ADDR_STRLEN 64		/* fits any address, prefix or range text */

/* IPv4 addresses are handled as host-order uint32_t everywhere inside dstm;
 * they are converted at the edges (wire, kernel). */
struct prefix4 {
	uint32_t addr;		/* host order, masked */
	uint8_t  len;
};

struct prefix6 {
	struct in6_addr addr;	/* masked */
	uint8_t  len;
};

struct range4 {
	uint32_t first;		/* host order, first <= last */
	uint32_t last;
};

/* Parsers return true on success; *err (may be NULL) gets a static reason. */
bool addr4_parse(const char *s, uint32_t *out, const char **err);
bool addr6_parse(const char *s, struct in6_addr *out, const char **err);
bool prefix4_parse(const char *s, struct prefix4 *out, const char **err);
bool prefix6_parse(const char *s, struct prefix6 *out, const char **err);
/* "A.B.C.D", "A.B.C.D/N" or "A.B.C.D-E.F.G.H" */
bool range4_parse(const char *s, struct range4 *out, const char **err);

const char *addr4_ntop(uint32_t a, char *buf, size_t len);
const char *addr6_ntop(const struct in6_addr *a, char *buf, size_t len);
const char *prefix4_ntop(const struct prefix4 *p, char *buf, size_t len);
const char *prefix6_ntop(const struct prefix6 *p, char *buf, size_t len);
/* canonical form: "A.B.C.D" for one address, "A/N" when it is exactly a
 * prefix, else "A-B" */
const char *range4_ntop(const struct range4 *r, char *buf, size_t len);

/* `a` in one of `n` sorted, disjoint ranges (binary search) */
bool range4_find(const struct range4 *r, unsigned n, uint32_t a);

/* Calls fn for each of the fewest CIDR prefixes that cover r exactly, in
 * ascending order; returns fn's first non-zero result, else 0. */
int range4_prefixes(const struct range4 *r,
	int (*fn)(void *arg, uint32_t addr, uint8_t len), void *arg);

uint32_t prefix4_mask(uint8_t len);
bool prefix6_contains(const struct prefix6 *p, const struct in6_addr *a);
/* keep the first `len` bits of `a`, clear the rest */
void addr6_mask(struct in6_addr *a, unsigned len);

/* wire <-> host order */
uint32_t addr4_from_bytes(const uint8_t b[static 4]);
void addr4_to_bytes(uint32_t a, uint8_t b[static 4]);

/* The address of the struct sockaddr_in6 in the `len` bytes at `sa` (a
 * netbuf's buffer, say); false for a short buffer or another family. */
bool addr6_from_sockaddr(const void *sa, size_t len, struct in6_addr *out);

/* An IPv6 address usable as a client endpoint: not unspecified, loopback
 * is allowed (tests), not multicast, not v4-mapped. */
bool addr6_is_unicast_endpoint(const struct in6_addr *a);

#endif
