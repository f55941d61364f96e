/* gwconf.h - dstmgwd's configuration: the parsed, validated form of
 * dstmgwd.conf and its canonical printer (dstmgwd -n).  The [gateway]
 * settings it shares with rpcdstmd.conf are in gateway/gateway.h. */
#ifndef DSTM_GWCONF_H
#define DSTM_GWCONF_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/addr.h"
#include "common/conf.h"
#include "gateway/gateway.h"

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
	struct gw_settings gw;		/* tep6, tep4, icmp-source, mtu, ... */
	struct range4	*pools;		/* sorted, disjoint */
	unsigned	 n_pools;
	char		 control_socket[GWD_SUN_PATH];
	char		 pid_file[PATH_MAX];

	/* [servers] */
	struct in6_addr	 allow[GWD_MAX_SERVERS];
	unsigned	 n_allow;

	/* [aftr]: a DS-lite AFTR beside the tunnel end point */
	struct gw_aftr_settings aftr;
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
