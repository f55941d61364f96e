/* dropsum.h - drop summaries for the log: the data plane counts each
 * dropped packet here with its addresses (the outer IPv6 source and the
 * inner IPv4 source of 4in6 from a client; the IPv4 source of a packet
 * towards the pool), and about once a second dropsum_tick() writes one
 * line per reason that has drops: how many since its last line and the
 * sources that sent most of them (a space-saving top list, so a flood
 * from many addresses costs no memory).  A reason gets at most one line
 * per interval: a flood makes one line a minute per reason, a single
 * drop a line within a second or so.  Owned by the data-plane thread. */
#ifndef DSTM_DROPSUM_H
#define DSTM_DROPSUM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/log.h"
#include "gateway/rfc2473.h"

#define DROPSUM_TOP		3	/* sources named per line */
#define DROPSUM_INTERVAL_MS	60000	/* per reason, between lines */

struct dropsum_src {
	struct in6_addr	 src6;		/* :: for the IPv4 side */
	uint32_t	 src4;
	uint64_t	 n;
};

struct dropsum_reason {
	uint64_t		 n;		/* since its last line */
	uint64_t		 kernel;	/* of them, by the bpf path */
	int64_t			 first_ms;	/* the first of them */
	int64_t			 last_line_ms;
	bool			 logged;	/* a line was written */
	struct dropsum_src	 top[DROPSUM_TOP];
};

struct dropsum {
	uint32_t		 interval_ms;
	uint64_t		 kernel_total[RFC2473_DROP_MAX];
	struct dropsum_reason	 r[RFC2473_DROP_MAX];
};

void dropsum_init(struct dropsum *d, uint32_t interval_ms);
/* One drop; src6 NULL on the IPv4 side. */
void dropsum_add(struct dropsum *d, enum rfc2473_drop why,
	const struct in6_addr *src6, uint32_t src4, int64_t now_ms);
/* The bpf path's totals per reason (it records no addresses), counted
 * from 0 when its maps were made: what grew since the last call counts
 * as that many drops. */
void dropsum_kernel(struct dropsum *d,
	const uint64_t total[static RFC2473_DROP_MAX], int64_t now_ms);
/* The level a reason's summary is logged at: warning, but info for
 * IPv4 traffic to a pool address without a lease (the Internet's
 * background scans) and none (-1) for the drops the sender is told
 * about and that mean nothing wrong (too big, TTL exceeded). */
int  dropsum_level(enum rfc2473_drop why);

typedef void dropsum_line_fn(void *arg, enum rfc2473_drop why, int level,
	const char *line);
/* Write the lines that are due (fn NULL: log them); returns how many. */
unsigned dropsum_tick(struct dropsum *d, int64_t now_ms, dropsum_line_fn *fn,
	void *arg);

#endif
