/* gwconf.h - the tunnel end point's settings, which rpcdstmd.conf and
 * dstmgwd.conf share in [gateway] (struct gw_settings and its keys), and
 * dstmgwd's configuration: the parsed, validated form of dstmgwd.conf and
 * its canonical printer (dstmgwd -n). */
#ifndef DSTM_GWCONF_H
#define DSTM_GWCONF_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/conf.h"

/* ---- [gateway] settings of the tunnel end point, in both files ---- */

#define GW_DEFAULT_TEP4		0xc0000001u	/* 192.0.0.1, RFC 6333 */
#define GW_DEFAULT_MTU		1460		/* RFC 6333 5.3 */
#define GW_DEFAULT_IFNAME	"dti0"
#define GW_IFNAMSIZ		16	/* IFNAMSIZ: 15 characters and NUL */

enum gw_backend { GW_BACKEND_TUN };

struct gw_settings {
	struct in6_addr	 tep6;		/* default: first specific listen */
	bool		 tep6_set;
	uint32_t	 tep4;
	uint32_t	 mtu;
	enum gw_backend	 backend;
	char		 ifname[GW_IFNAMSIZ];
	bool		 mss_clamp;
};

/* conf_group flag for gw_keys: "tep6 = ::" is allowed and means the
 * default (rpcdstmd.conf); without it tep6 must be unicast. */
#define GW_TEP6_ANY	0x1

/* tep6, tep4, mtu, ifname, mss-clamp: a conf_group over a gw_settings */
extern const struct conf_key gw_keys[];
/* backend: rpcdstmd.conf only, for now */
extern const struct conf_key gw_backend_keys[];

void gw_settings_defaults(struct gw_settings *g);
/* The tunnel end point in use: tep6 if set, else the first specific
 * listen address, else ::. */
const struct in6_addr *gw_settings_tep6(const struct gw_settings *g,
	const struct in6_addr *listen, unsigned n_listen);
/* tep6 (in use) to mss-clamp as -n prints them; backend if asked. */
void gw_settings_print(FILE *f, const struct gw_settings *g,
	const struct in6_addr *listen, unsigned n_listen, bool backend);
/* Why [first, last] touches IPv4 space that is never a pool or tunnel
 * address ("127.0.0.0/8 is loopback"), NULL when it does not. */
const char *gw_special4(uint32_t first, uint32_t last);

/* ---- dstmgwd.conf ---- */

#define GWD_DEFAULT_PORT	7546	/* DSTM_GW_DEFAULT_PORT */
#define GWD_DEFAULT_CONTROL	"/run/dstm/dstmgwd.sock"
#define GWD_DEFAULT_PIDFILE	"/run/dstmgwd.pid"
#define GWD_MAX_LISTEN		16
#define GWD_MAX_SERVERS		64
#define GWD_MAX_POOLS		1024
#define GWD_SUN_PATH		108	/* sizeof(sun_path) */

struct gwd_conf {
	/* [gateway] */
	struct in6_addr	 listen[GWD_MAX_LISTEN];	/* default :: */
	unsigned	 n_listen;
	uint16_t	 port;
	struct gw_settings gw;		/* tep6, tep4, mtu, ifname, mss-clamp */
	struct range4	*pools;		/* sorted, disjoint */
	unsigned	 n_pools;
	char		 control_socket[GWD_SUN_PATH];
	char		 pid_file[PATH_MAX];

	/* [servers] */
	struct in6_addr	 allow[GWD_MAX_SERVERS];
	unsigned	 n_allow;
};

void gwd_conf_defaults(struct gwd_conf *c);
/* Parse and validate.  0, or -1 with "file:line: message" in err; on
 * failure `c` is left freed. */
int  gwd_conf_load(const char *path, struct gwd_conf *c, char *err,
	size_t errlen);
int  gwd_conf_load_buf(const char *name, const char *text, size_t len,
	struct gwd_conf *c, char *err, size_t errlen);
void gwd_conf_free(struct gwd_conf *c);
/* Canonical form: every key, defaults included, pools sorted. */
void gwd_conf_print(FILE *f, const struct gwd_conf *c);
/* The tunnel end point in use: tep6, else the first specific listen
 * address (the check guarantees there is one). */
const struct in6_addr *gwd_conf_tep6(const struct gwd_conf *c);
bool gwd_conf_server_allowed(const struct gwd_conf *c,
	const struct in6_addr *a);

#endif
