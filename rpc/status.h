/* status.h - names and human messages for the wire status codes and lease
 * states of rpc/dstm.x, for the CLI's output and the daemons' logs. */
#ifndef DSTM_STATUS_H
#define DSTM_STATUS_H

/* Short stable name ("pool-exhausted"); "unknown" when out of range. */
const char *dstm_status_name(int status);
/* One human phrase, no trailing period ("no free address in the pool"). */
const char *dstm_status_msg(int status);
/* The code for a name, or -1. */
int dstm_status_from_name(const char *name);

/* "free", "bound", "held", "static", "excluded"; "unknown" otherwise. */
const char *dstm_lease_state_name(int state);

#endif
