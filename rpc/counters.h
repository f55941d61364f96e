/* counters.h - filling the named counter lists of the stats and status
 * replies (rpc/dstm.x dstm_counter), the same way in every daemon. */
#ifndef DSTM_RPC_COUNTERS_H
#define DSTM_RPC_COUNTERS_H

#include <stdint.h>

#include <rpc/rpc.h>

#include "rpc/dstm.h"

struct dstm_counters {
	dstm_counter	*v;		/* room for max */
	unsigned	 max, n;
};

/* Append (name, value); past max the counter is left out.  Shaped as the
 * callbacks of gw_counters() and tunnel_counters(): arg is the list. */
void dstm_counters_add(void *list, const char *name, uint64_t value);

#endif
