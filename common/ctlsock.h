/* ctlsock.h - serve an RPC program on a local UNIX stream socket (the
 * daemons' control sockets; the file mode is the access check). */
#ifndef DSTM_CTLSOCK_H
#define DSTM_CTLSOCK_H

#include <rpc/rpc.h>
#include <stdbool.h>
#include <sys/types.h>

/* Create `path` (and its directory, owned by dir_uid:dir_gid unless
 * they are -1: the user the daemon runs as later, which removes the
 * socket at exit), mode `mode`, serve prog/vers with `dispatch`.
 * Refuses to take over a socket a live daemon answers on.  Returns the
 * listening fd, or -errno (logged; -EADDRINUSE: a daemon answers
 * there). */
int  ctlsock_open(const char *path, unsigned mode, uid_t dir_uid,
	gid_t dir_gid, rpcprog_t prog, rpcvers_t vers,
	void (*dispatch)(struct svc_req *, SVCXPRT *));
/* Serve one more program on the socket ctlsock_open() returned as fd
 * (libtirpc dispatches by program and version, whatever the socket):
 * 0, or -errno (-EBADF: not one of ours). */
int  ctlsock_also(int fd, rpcprog_t prog, rpcvers_t vers,
	void (*dispatch)(struct svc_req *, SVCXPRT *));
/* True when the request came over an AF_UNIX transport.  libtirpc's
 * dispatch table is global: a program registered for the UNIX socket
 * would answer on the network transports too. */
bool ctlsock_is_local(SVCXPRT *xprt);

#endif
