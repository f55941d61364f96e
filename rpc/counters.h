/* counters.h - filling the named counter lists of the stats and status
 * replies (rpc/dstm.x dstm_counter), the same way in every daemon, and
 * what the names mean: counter or gauge.
 *
 * A counter's name is its levels joined by dots, each level snake_case
 * ("gateway.drop.bad_destination"): the same name in dstmctl's text and
 * JSON output; OpenMetrics joins the levels with '_'. */
#ifndef DSTM_RPC_COUNTERS_H
#define DSTM_RPC_COUNTERS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

#include <rpc/rpc.h>

#include "rpc/dstm.h"

struct dstm_counters {
	dstm_counter	*v;		/* room for max */
	unsigned	 max, n;
};

/* Append (name, value); past max the counter is left out.  A '-' in the
 * name becomes '_' (names built from status and drop-reason names).
 * Shaped as the callbacks of gw_counters() and tunnel_counters(): arg is
 * the list. */
void dstm_counters_add(void *list, const char *name, uint64_t value);

/* True when `name` is a gauge (a current level: bindings, open
 * connections, the backend in use), false for a counter (a running
 * total, which only grows, and which stats --reset zeroes). */
bool dstm_counter_is_gauge(const char *name);

/* What stats --reset leaves behind where a daemon cannot zero a counter
 * at its source (the gateway's, the connection layer's): the values at
 * the reset, subtracted from later readings.  Gauges are never taken. */
struct dstm_baseline {
	char		(*name)[64];
	uint64_t	*value;
	unsigned	 n;
};

/* Take the counters (not gauges) of `l` as the new baseline: 0, or -1
 * out of memory (the old baseline stays). */
int  dstm_baseline_take(struct dstm_baseline *b, const struct dstm_counters *l);
/* Subtract the baseline from the counters of `l` (a value below its
 * baseline, a source that restarted, is left as it is). */
void dstm_baseline_apply(const struct dstm_baseline *b, struct dstm_counters *l);
void dstm_baseline_free(struct dstm_baseline *b);

#endif
