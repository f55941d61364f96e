/* dstmctl.h - the command line's shape, shared by dstmctl.c (the server's
 * and the daemon's commands) and rpcdctl.c (rpcd's): one invocation's
 * state and a subcommand table entry. */
#ifndef DSTM_CLIENT_DSTMCTL_H
#define DSTM_CLIENT_DSTMCTL_H

#include <rpc/rpc.h>
#include <stdbool.h>
#include <stdint.h>

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
};

#endif
