/* dstmctl.h - the command line's shape, shared by dstmctl.c (the server's
 * and the daemon's commands) and rpcdctl.c (rpcd's): one invocation's
 * state and a subcommand table entry. */
#ifndef DSTM_CLIENT_DSTMCTL_H
#define DSTM_CLIENT_DSTMCTL_H

#include <rpc/rpc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "client/ctl_print.h"

/* exit status, documented in dstmctl(8) */
#define DSTMCTL_EXIT_REFUSED	1	/* a dstm_status other than ok */
#define DSTMCTL_EXIT_USAGE	2
#define DSTMCTL_EXIT_UNREACH	3	/* daemon or server not reached */

enum dstmctl_kind {
	CMD_CTL,	/* control program, UNIX socket */
	CMD_NET,	/* client program, needs -S */
	CMD_ANY,
	CMD_RPCD,	/* rpcd's control program, UNIX socket */
};

/* what comes back (rpc/dstm.x), for dstmctl.c to print */
enum dstmctl_reply {
	REPLY_OWN,		/* the command prints what it gets itself */
	REPLY_STATUS,		/* a dstm_status alone */
	REPLY_LEASES,
	REPLY_POOL,
	REPLY_STATS,
	REPLY_MSG,
	REPLY_LEASE,
	REPLY_INFO,
	REPLY_CONFIG,
};

/* One invocation: the options, then the command and its client. */
struct dstmctl {
	const char	*sock;
	const char	*server;
	char		 server_buf[256];
	uint16_t	 port;
	bool		 port_set;
	bool		 udp;
	int		 timeout_ms;
	struct out	 out;
	enum metrics_fmt om;		/* -o openmetrics | prometheus */
	CLIENT		*cl;
	const struct dstmctl_cmd *cmd;
};

/* A subcommand, as in wireguard-tools' wg.c: the name (matched exactly),
 * the function that runs it, the synopsis of its arguments and one line
 * of help; then the one call it makes. */
struct dstmctl_cmd {
	const char		*name;
	int			(*fn)(struct dstmctl *, int argc, char **argv);
	enum dstmctl_kind	 kind;
	const char		*args;
	const char		*help;
	rpcproc_t		 proc;
	xdrproc_t		 xdr_arg;	/* NULL: no argument */
	enum dstmctl_reply	 reply;
	bool			 om;		/* -o openmetrics */
};

/* cli.c: what every command does on failure.  A usage error: one line
 * on stderr naming the problem, the command's synopsis, under -j the
 * error object on stdout; returns DSTMCTL_EXIT_USAGE. */
int  dstmctl_usage_error(struct dstmctl *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Any other failure but a refusal: "dstmctl: MSG" on stderr, under -j
 * the error object of `type` on stdout; returns exit_code. */
int  dstmctl_fail(struct dstmctl *c, const char *type, int exit_code,
	const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* -o text|json|openmetrics|prometheus (the last two only where the
 * command has them: c->cmd->om); 0 or the usage error's status. */
int  dstmctl_format(struct dstmctl *c, const char *fmt);
void dstmctl_cmd_usage(FILE *fp, const struct dstmctl_cmd *cmd);

#endif
