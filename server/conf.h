/* conf.h - rpcdstmd configuration: the parsed, validated form of
 * rpcdstmd.conf and its canonical printer (rpcdstmd -n). */
#ifndef DSTM_SERVER_CONF_H
#define DSTM_SERVER_CONF_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "gateway/gwconf.h"

#define SRV_DEFAULT_PORT	7545
#define SRV_DEFAULT_STATE_DIR	"/var/lib/dstm"
#define SRV_DEFAULT_CONTROL	"/run/dstm/rpcdstmd.sock"
#define SRV_DEFAULT_PIDFILE	"/run/rpcdstmd.pid"
#define SRV_DEFAULT_LEASE_TIME	3600
#define SRV_DEFAULT_HOLD_TIME	3600
#define SRV_DEFAULT_MAX_LEASES	1
#define SRV_DEFAULT_RATE_LIMIT	20	/* requests/s per source, 0 = off */
#define SRV_DEFAULT_PREFIX_LEN	64	/* a client prefix: one subscriber */
#define SRV_DEFAULT_PREFIX_LEASES 16	/* leases per client prefix */
#define SRV_DEFAULT_PREFIX_RATE	100	/* requests/s per client prefix */
#define SRV_MAX_LISTEN		16
#define SRV_MAX_POOL		(1u << 24)	/* addresses in all ranges */
#define SRV_MAX_REMOTE		8	/* standalone gateways pushed to */
#define SRV_DEFAULT_GW_PORT	7546	/* DSTM_GW_DEFAULT_PORT */

enum rpcbind_mode { RPCBIND_NO, RPCBIND_YES, RPCBIND_AUTO };

struct srv_remote {		/* [gateway] remote = ADDR [port N] */
	struct in6_addr	addr;
	uint32_t	port;		/* 1-65535; 32 bits: no padding, so
					 * memcmp compares two lists */
};

struct server_conf {
	/* [server] */
	struct in6_addr	 listen[SRV_MAX_LISTEN];	/* default :: */
	unsigned	 n_listen;
	uint16_t	 port;
	char		 state_dir[PATH_MAX];
	char		 control_socket[PATH_MAX];
	char		 pid_file[PATH_MAX];
	uint32_t	 control_mode;		/* 0600 or 0660 */
	uint32_t	 lease_time;		/* seconds, >= 60 */
	uint32_t	 hold_time;		/* seconds, 0 = no hold */
	enum rpcbind_mode rpcbind;
	bool		 journal_sync;		/* fdatasync before replies */

	/* [pool] */
	struct range4	*ranges;
	unsigned	 n_ranges;
	struct range4	*excludes;
	unsigned	 n_excludes;

	/* [clients] */
	struct prefix6	*allow;			/* none = allow everybody */
	unsigned	 n_allow;
	uint32_t	 max_leases_per_client;
	uint32_t	 rate_limit;
	uint32_t	 prefix_length;		/* 1-128 */
	uint32_t	 max_leases_per_prefix;	/* 0 = no limit */
	uint32_t	 prefix_rate_limit;	/* 0 = off */

	/* [gateway] */
	bool		 gw_enable;
	struct gw_settings gw;		/* tep6 (:: = first listen address),
					 * tep4, mtu, backend, ifname,
					 * mss-clamp */
	struct srv_remote remote[SRV_MAX_REMOTE];	/* push.c */
	unsigned	 n_remote;

	/* [aftr]: the co-located gateway as a DS-lite AFTR too */
	struct gw_aftr_settings aftr;
};

/* Fill `c` with defaults (no pool ranges). */
void server_conf_defaults(struct server_conf *c);
/* Parse and validate `path`.  0 on success; -1 with "file:line: message"
 * in err.  On failure `c` is left freed (no leak, no partial state). */
int  server_conf_load(const char *path, struct server_conf *c,
	char *err, size_t errlen);
/* The same for text in memory; `name` is the file name in messages. */
int  server_conf_load_buf(const char *name, const char *text, size_t len,
	struct server_conf *c, char *err, size_t errlen);
void server_conf_free(struct server_conf *c);
/* Print the canonical form: every key, defaults included, sorted ranges. */
void server_conf_print(FILE *f, const struct server_conf *c);
/* Number of usable pool addresses (ranges minus exclusions). */
uint64_t server_conf_pool_size(const struct server_conf *c);

#endif
