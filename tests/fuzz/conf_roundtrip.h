/* conf_roundtrip.h - what every config harness checks: whatever the
 * bytes, loading either fails with a message and leaves nothing allocated,
 * or succeeds and the canonical printout parses again to the same
 * printout.  A harness is one CONF_FUZZ_HARNESS() line for its type. */
#ifndef DSTM_FUZZ_CONF_ROUNDTRIP_H
#define DSTM_FUZZ_CONF_ROUNDTRIP_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"

struct conf_ops {
	size_t	 size;		/* of the config struct */
	int	(*load_buf)(const char *name, const char *text, size_t len,
		    void *c, char *err, size_t errlen);
	void	(*print)(FILE *f, const void *c);
	void	(*free)(void *c);
};

static char *
conf_print_mem(const struct conf_ops *ops, const void *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		abort();
	ops->print(f, c);
	fclose(f);
	return buf;
}

static int
conf_roundtrip(const struct conf_ops *ops, const uint8_t *data, size_t size)
{
	void *c = malloc(ops->size), *again = malloc(ops->size);
	char err[CONF_ERRLEN], *p1, *p2;
	size_t l1, l2;

	if (c == NULL || again == NULL)
		abort();
	err[0] = '\0';
	if (ops->load_buf("fuzz.conf", (const char *)data, size, c, err,
	    sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();	/* a failure always says why */
		goto out;
	}
	p1 = conf_print_mem(ops, c, &l1);
	if (ops->load_buf("printed", p1, l1, again, err, sizeof(err)) != 0)
		abort();	/* the canonical form must parse */
	p2 = conf_print_mem(ops, again, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		abort();	/* and print the same */
	free(p1);
	free(p2);
	ops->free(again);
	ops->free(c);
out:
	free(again);
	free(c);
	return 0;
}

static inline void
conf_nothing_to_free(void *c)
{
	(void)c;
}

/* T: the config struct; LOAD_BUF, PRINT, FREE: its functions */
#define CONF_FUZZ_HARNESS(T, LOAD_BUF, PRINT, FREE)			\
static int								\
fuzz_load_buf(const char *name, const char *text, size_t len, void *c,	\
    char *err, size_t errlen)						\
{									\
	return LOAD_BUF(name, text, len, c, err, errlen);		\
}									\
static void								\
fuzz_print(FILE *f, const void *c)					\
{									\
	PRINT(f, c);							\
}									\
static void								\
fuzz_free(void *c)							\
{									\
	FREE(c);							\
}									\
static const struct conf_ops fuzz_ops = {				\
	sizeof(T), fuzz_load_buf, fuzz_print, fuzz_free,		\
};									\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);		\
int									\
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	return conf_roundtrip(&fuzz_ops, data, size);			\
}

#endif
