/* binding.h - the gateway's binding table.
 *
 * A binding ties a client IPv6 address to an IPv4 address and a port
 * range (0-65535 = the whole address).  Several bindings may share one
 * IPv4 address with disjoint port ranges (RFC 7596, the DSTM ports
 * option); a client may hold several bindings.
 *
 * Layout: bindings live packed in one flat array (index 0..count-1), and
 * are chained by index in two bucket arrays, one hashed by client IPv6
 * and one by IPv4 address, so bindings sharing an address share a chain.
 * The bucket count is a power of two equal to the array capacity; both
 * double together (rehash) when full, so chains stay about one long.
 * Removal moves the last binding into the hole.  The hash is SipHash-1-3
 * with a random key so that clients choosing their IPv6 addresses cannot
 * pile bindings into one chain.
 *
 * Pointers returned by lookups are valid until the next add, remove or
 * expire.  Not thread-safe: one data-plane thread owns the table.
 */
#ifndef DSTM_BINDING_H
#define DSTM_BINDING_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#define BINDING_PORT_ALL_MIN	0
#define BINDING_PORT_ALL_MAX	65535
#define BINDING_MAX		(1u << 30)

/* "up" is client -> IPv4 (decapsulated), "down" IPv4 -> client. */
struct binding_counters {
	uint64_t	pkts_up, bytes_up;
	uint64_t	pkts_down, bytes_down;
	int64_t		last_seen;	/* last packet from the client */
};

struct binding {
	struct in6_addr	client;
	uint32_t	addr4;			/* host order */
	uint16_t	port_min, port_max;	/* inclusive */
	int64_t		expires;		/* unix seconds, 0 = never */
	struct binding_counters ctr;
};

struct binding_slot;

struct binding_table {
	struct binding_slot	*slots;
	uint32_t		*heads6, *heads4;
	uint32_t		 count;
	uint32_t		 cap;		/* slots and buckets, 2^n */
	uint64_t		 generation;	/* bumped on every change */
	uint64_t		 key[2];	/* SipHash key */
};

static inline int
binding_is_shared(const struct binding *b)
{
	return b->port_min != BINDING_PORT_ALL_MIN ||
	    b->port_max != BINDING_PORT_ALL_MAX;
}

static inline int
binding_expired(const struct binding *b, int64_t now)
{
	return b->expires != 0 && b->expires <= now;
}

int	 binding_table_init(struct binding_table *t, size_t hint);
void	 binding_table_free(struct binding_table *t);
int	 binding_add(struct binding_table *t, const struct binding *b);
int	 binding_remove(struct binding_table *t, uint32_t addr4,
	    uint16_t port_min);
int	 binding_remove_exact(struct binding_table *t,
	    const struct binding *b);
/* Add or update the whole-address binding of addr4 to client (0 or
 * -errno).  When another client held addr4, its binding goes and is
 * copied to *moved (when not NULL; else *moved is zeroed). */
int	 binding_set_whole(struct binding_table *t, uint32_t addr4,
	    const struct in6_addr *client, int64_t expires,
	    struct binding *moved);
/* Remove the binding of addr4 if client is NULL or holds it, copying it
 * to *gone (when not NULL).  0 or -ENOENT. */
int	 binding_unset_whole(struct binding_table *t, uint32_t addr4,
	    const struct in6_addr *client, struct binding *gone);
size_t	 binding_expire(struct binding_table *t, int64_t now);

struct binding *binding_lookup6(const struct binding_table *t,
	    const struct in6_addr *client);
struct binding *binding_next6(const struct binding_table *t,
	    const struct binding *b);
struct binding *binding_lookup4(const struct binding_table *t,
	    uint32_t addr4, uint16_t port);
struct binding *binding_first4(const struct binding_table *t,
	    uint32_t addr4);
struct binding *binding_next4(const struct binding_table *t,
	    const struct binding *b);

size_t	 binding_count(const struct binding_table *t);
struct binding *binding_at(const struct binding_table *t, size_t i);
uint64_t binding_generation(const struct binding_table *t);

uint64_t binding_siphash(const uint64_t key[2], const uint8_t *p,
	    size_t len, int crounds, int drounds);
int	 binding_table_check(const struct binding_table *t);

#endif
