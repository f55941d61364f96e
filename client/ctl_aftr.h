/* ctl_aftr.h - dstmctl's `aftr` subcommand (ctl_aftr.c): the DS-lite
 * AFTR's B4s, sessions and port blocks from the daemon's control
 * socket. */
#ifndef DSTM_CLIENT_CTL_AFTR_H
#define DSTM_CLIENT_CTL_AFTR_H

#include "client/dstmctl.h"

/* aftr b4s|sessions|port-blocks; the exit status */
int cmd_aftr(struct dstmctl *c, int argc, char **argv);

#endif
