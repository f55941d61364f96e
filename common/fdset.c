/* fdset.c - see fdset.h */
#include "common/fdset.h"

#include <stdlib.h>
#include <string.h>

bool
fdset_set(struct fdset *s, int fd, bool on)
{
	if (fd < 0)
		return false;
	if (fd >= s->len) {
		int n = fd + 256;
		bool *m;

		if (!on)
			return true;
		if ((m = realloc(s->on, (size_t)n * sizeof(*m))) == NULL)
			return false;
		memset(m + s->len, 0, (size_t)(n - s->len) * sizeof(*m));
		s->on = m;
		s->len = n;
	}
	s->on[fd] = on;
	return true;
}

void
fdset_free(struct fdset *s)
{
	free(s->on);
	s->on = NULL;
	s->len = 0;
}
