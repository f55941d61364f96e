/* rpcdctl.h - dstmctl's client-side commands: status, lease, renew and
 * release, spoken to rpcd over its control socket. */
#ifndef DSTM_RPCDCTL_H
#define DSTM_RPCDCTL_H

#include <stdbool.h>

#define RPCDCTL_DEFAULT_SOCKET	"/run/dstm/rpcd.sock"

/* Is this invocation for rpcd?  status always; lease without --for;
 * renew and release without an address. */
bool rpcdctl_wants(const char *cmd, int argc, char **argv);
/* Run it; returns dstmctl's exit status (0, 1 refused, 3 unreachable). */
int  rpcdctl_run(const char *sock, int timeout_ms, const char *cmd, int json);

#endif
