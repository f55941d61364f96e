/* fdset.h - a growable set of file descriptors (a flag per fd), for the
 * event loops: which descriptors they read themselves, which transports
 * have a reply waiting. */
#ifndef DSTM_FDSET_H
#define DSTM_FDSET_H

#include <stdbool.h>

struct fdset {
	bool	*on;
	int	 len;
};

static inline bool
fdset_has(const struct fdset *s, int fd)
{
	return fd >= 0 && fd < s->len && s->on[fd];
}

/* false only when the set could not grow (then nothing changed) */
bool fdset_set(struct fdset *s, int fd, bool on);
void fdset_free(struct fdset *s);

#endif
