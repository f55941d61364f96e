/* rpcdctl.h - dstmctl's client-side commands: status, lease, renew and
 * release, spoken to rpcd over its control socket. */
#ifndef DSTM_RPCDCTL_H
#define DSTM_RPCDCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "client/dstmctl.h"

#define RPCDCTL_DEFAULT_SOCKET	"/run/dstm/rpcd.sock"

/* rpcd's commands, in dstmctl's table shape (client/dstmctl.h) */
extern const struct dstmctl_cmd rpcdctl_cmds[];
extern const size_t rpcdctl_ncmds;

/* Is this invocation of `cmd`, one of rpcdctl_cmds, for rpcd?  status
 * always; lease without --for; renew and release without an address. */
bool rpcdctl_wants(const struct dstmctl_cmd *cmd, int argc, char **argv);

#endif
