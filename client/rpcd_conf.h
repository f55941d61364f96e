/* rpcd_conf.h - rpcd.conf: the [client] section, parsed and validated,
 * and its canonical printer (rpcd -n). */
#ifndef DSTM_RPCD_CONF_H
#define DSTM_RPCD_CONF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"

#define RPCD_DEFAULT_PORT	7545
#define RPCD_DEFAULT_IFNAME	"dti0"
#define RPCD_DEFAULT_CONTROL	"/run/dstm/rpcd.sock"
#define RPCD_DEFAULT_PIDFILE	"/run/rpcd.pid"
#define RPCD_DEFAULT_KEYFILE	"/var/lib/dstm/rpcd.key"
#define RPCD_DEFAULT_IDLE	300
#define RPCD_PLACEHOLDER	0xc0000002u	/* 192.0.0.2, RFC 6333 B4 */
#define RPCD_MAX_ROUTES		64
#define RPCD_AFTR_PEER		0xc0000001u	/* 192.0.0.1, RFC 6333 5.7 */
#define RPCD_DEFAULT_MTU	1460	/* RFC 6333 5.3: 1500 - 40 */
#define RPCD_DEFAULT_AFTR_REFRESH 300

/* the data plane: tun (userspace), bpf (tc-BPF fast path in front of
 * tun; always mode only), auto (bpf when it loads and the mode allows),
 * ip6tnl (dti0 is a kernel ip6tnl device; always mode only) */
enum rpcd_backend { RPCD_BACKEND_TUN, RPCD_BACKEND_BPF, RPCD_BACKEND_AUTO,
	RPCD_BACKEND_IP6TNL };

struct rpcd_conf {
	bool		 b4;		/* mode b4: DS-lite (RFC 6333 5) */
	char		 server[256];	/* IPv6 literal or DNS name */
	uint16_t	 port;		/* 0 = ask rpcbind on the server */
	struct in6_addr	 source;	/* :: = the kernel's choice */
	char		 ifname[16];
	bool		 ondemand;
	enum rpcd_backend backend;
	uint32_t	 idle_time;	/* on-demand: release after, seconds */
	struct prefix4	 routes[RPCD_MAX_ROUTES];
	unsigned	 n_routes;	/* none = default route */
	char		 control_socket[108];
	char		 pid_file[PATH_MAX];
	char		 key_file[PATH_MAX];	/* the lease key, mode 0600 */
	/* mode b4 */
	char		 aftr[256];	/* IPv6 literal or name; "" = DHCPv6 */
	uint32_t	 aftr_refresh;	/* seconds between resolutions */
	uint32_t	 b4_addr;	/* host order, in 192.0.0.2-7 */
	bool		 b4_nat;	/* masquerade LAN sources to b4_addr */
	bool		 b4_forward;	/* net.ipv4.ip_forward on */
	char		 dhcp6_ifname[16];	/* "" = the default route's */
	uint32_t	 mtu;
};

void rpcd_conf_defaults(struct rpcd_conf *c);
/* 0, or -1 with "file:line: message" in err; on failure `c` is zeroed. */
int  rpcd_conf_load(const char *path, struct rpcd_conf *c, char *err,
	size_t errlen);
/* The same for text in memory; `name` is the file name in messages. */
int  rpcd_conf_load_buf(const char *name, const char *text, size_t len,
	struct rpcd_conf *c, char *err, size_t errlen);
/* Canonical form: every key, defaults included (no server when unset). */
void rpcd_conf_print(FILE *f, const struct rpcd_conf *c);
const char *rpcd_backend_name(enum rpcd_backend b);

#endif
