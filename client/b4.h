/* b4.h - rpcd's DS-lite B4 (RFC 6333 5): where the AFTR is.  Its name or
 * address comes from the configuration (`aftr`) or from DHCPv6 (RFC 6334
 * option 64, our own stateless Information-Request: common/dhcp6.c,
 * kernel/dhcp6_sock.c); a name is resolved for AAAA at start and every
 * aftr-refresh, sooner after a failure, and the tunnel follows a changed
 * answer.  The daemon (rpcd.c) owns the interface and the tunnel; this
 * file only says where the far end is.
 *
 *   b4_open (start-up, root: the DHCPv6 socket binds port 546)
 *   loop: poll b4.fd, b4_run(now) -> true when aftr6 changed
 */
#ifndef DSTM_B4_H
#define DSTM_B4_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/dhcp6.h"

struct rpcd_conf;

enum b4_origin { B4_FROM_NONE, B4_FROM_CONFIG, B4_FROM_DHCPV6 };

enum b4_counter {
	B4C_RESOLVED,		/* name resolutions that answered */
	B4C_RESOLVE_FAILED,
	B4C_AFTR_CHANGED,	/* the tunnel's remote moved */
	B4C_DHCP6_SENT,		/* Information-Requests */
	B4C_DHCP6_REPLIES,	/* Replies taken */
	B4C_DHCP6_IGNORED,	/* not ours or malformed: changed nothing */
	B4C_COUNT
};

struct b4 {
	const struct rpcd_conf *conf;
	char		 name[DHCP6_NAME_MAX + 2];	/* "" = a literal */
	enum b4_origin	 origin;
	struct in6_addr	 aftr6;
	bool		 have_aftr;
	int64_t		 resolve_ms;	/* next resolution; INT64_MAX never */
	uint32_t	 retry_ms;	/* after a failure, doubling */
	bool		 failing;	/* the last resolution failed */
	/* DHCPv6, when `aftr` is not configured */
	int		 fd;		/* -1 = no DHCPv6 */
	int		 ifindex;
	char		 ifname[16];
	uint8_t		 duid[DHCP6_DUID_MAX];
	size_t		 duid_len;
	uint32_t	 xid;		/* of the exchange under way */
	bool		 exchanging;
	int64_t		 first_tx_ms;	/* for Elapsed Time; 0 = not sent */
	int64_t		 tx_ms;		/* next (re)transmission */
	uint32_t	 rt_ms;
	int64_t		 refresh_ms;	/* next exchange; INT64_MAX never */
	struct in6_addr	 dns[DHCP6_MAX_DNS];	/* from the last Reply */
	unsigned	 n_dns;
	uint64_t	 rng;
	uint64_t	 ctr[B4C_COUNT];
	char		 last_error[320];
};

/* 0 or -errno (logged).  Without `aftr`, opens the DHCPv6 socket on
 * dhcpv6-interface or the default route's interface. */
int	b4_open(struct b4 *b, const struct rpcd_conf *c, uint64_t seed);
void	b4_close(struct b4 *b);
/* When b4_run wants to be called again (monotonic ms). */
int64_t	b4_next_ms(const struct b4 *b);
/* Reads what the DHCPv6 socket holds, sends what is due, resolves what
 * is due.  True when aftr6 appeared or changed. */
bool	b4_run(struct b4 *b, int64_t now_ms);
const char *b4_origin_name(enum b4_origin o);
const char *b4_counter_name(enum b4_counter c);

#endif
