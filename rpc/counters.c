/* counters.c - see counters.h. */
#include "rpc/counters.h"

#include <stdlib.h>
#include <string.h>

void
dstm_counters_add(void *list, const char *name, uint64_t value)
{
	struct dstm_counters *l = list;
	char *n;

	if (name == NULL || l->n >= l->max || (n = strdup(name)) == NULL)
		return;
	for (char *p = n; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	l->v[l->n].name = n;
	l->v[l->n].value = value;
	l->n++;
}

/* Levels, not totals: a name, or a prefix ending in '.' */
static const char *const gauges[] = {
	"gateway.bindings",
	"gateway.generation",
	"gateway.backend.",
	"gateway.ip6tnl.devices",
	"connections.open",
	"tunnel.backend.",
	"stats.",
	"aftr.b4s",
	"aftr.sessions",
	"aftr.port_blocks",
};

bool
dstm_counter_is_gauge(const char *name)
{
	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
		size_t n = strlen(gauges[i]);

		if (gauges[i][n - 1] == '.' ? strncmp(name, gauges[i], n) == 0 :
		    strcmp(name, gauges[i]) == 0)
			return true;
	}
	return false;
}

int
dstm_baseline_take(struct dstm_baseline *b, const struct dstm_counters *l)
{
	struct dstm_baseline nb = { NULL, NULL, 0 };

	if (l->n > 0 && ((nb.name = calloc(l->n, sizeof(*nb.name))) == NULL ||
	    (nb.value = calloc(l->n, sizeof(*nb.value))) == NULL)) {
		dstm_baseline_free(&nb);
		return -1;
	}
	for (unsigned i = 0; i < l->n; i++) {
		if (l->v[i].name == NULL || dstm_counter_is_gauge(l->v[i].name))
			continue;
		snprintf(nb.name[nb.n], sizeof(nb.name[0]), "%s", l->v[i].name);
		nb.value[nb.n++] = l->v[i].value;
	}
	dstm_baseline_free(b);
	*b = nb;
	return 0;
}

void
dstm_baseline_apply(const struct dstm_baseline *b, struct dstm_counters *l)
{
	for (unsigned i = 0; i < l->n; i++) {
		if (l->v[i].name == NULL)
			continue;
		for (unsigned k = 0; k < b->n; k++) {
			if (strcmp(b->name[k], l->v[i].name) != 0)
				continue;
			if (l->v[i].value >= b->value[k])
				l->v[i].value -= b->value[k];
			break;
		}
	}
}

void
dstm_baseline_free(struct dstm_baseline *b)
{
	free(b->name);
	free(b->value);
	b->name = NULL;
	b->value = NULL;
	b->n = 0;
}
