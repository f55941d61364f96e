/* ctl.h - RPC client handles for dstmctl: the daemon's local control
 * socket (AF_UNIX stream) and the server's client program over tcp6/udp6. */
#ifndef DSTM_CLIENT_CTL_H
#define DSTM_CLIENT_CTL_H

#include <rpc/rpc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_DEFAULT_SOCKET	"/run/dstm/rpcdstmd.sock"
#define CTL_DEFAULT_TIMEOUT_MS	5000
#define CTL_ERRLEN		512

/* Connect to the UNIX socket `path` and build a client for prog/vers;
 * connecting and every call time out after timeout_ms.  Returns 0, or -1
 * with a message naming the socket and the cause in err. */
int  ctl_open_unix(CLIENT **clp, const char *path, rpcprog_t prog,
	rpcvers_t vers, int timeout_ms, char *err, size_t errlen);

/* Connect to `host` (IPv6 literal, optionally with %scope, or a DNS name
 * with IPv6 addresses) on tcp6, or udp6 when `udp`.  Port 0 asks the
 * host's rpcbind for prog/vers.  Each address of the name is tried in
 * turn.  Returns 0, or -1 with a message in err. */
int  ctl_open_net(CLIENT **clp, const char *host, uint16_t port, bool udp,
	rpcprog_t prog, rpcvers_t vers, int timeout_ms, char *err,
	size_t errlen);

/* One call of procedure `proc` with the timeout ctl_open_* set; a NULL
 * codec stands for void (no argument, no reply). */
enum clnt_stat ctl_call(CLIENT *cl, rpcproc_t proc, xdrproc_t xdr_arg,
	void *arg, xdrproc_t xdr_res, void *res);

/* The peer as "[addr]:port/tcp6" or the socket path, for messages. */
const char *ctl_peer(CLIENT *cl, char *buf, size_t len);

/* A failed call as one line: "RPC: Timed out", "RPC: Unable to receive;
 * errno = Connection reset by peer" and so on, with a hint when the
 * program or version is not served. */
const char *ctl_strerror(CLIENT *cl, enum clnt_stat cs, char *buf,
	size_t len);

/* clnt_destroy (closes the socket); NULL is fine. */
void ctl_close(CLIENT *cl);

#endif
