/* counters.c - see counters.h. */
#include "rpc/counters.h"

#include <string.h>

void
dstm_counters_add(void *list, const char *name, uint64_t value)
{
	struct dstm_counters *l = list;

	if (l->n >= l->max)
		return;
	l->v[l->n].name = strdup(name);
	l->v[l->n].value = value;
	l->n++;
}
