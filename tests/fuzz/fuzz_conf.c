/* fuzz_conf.c - libFuzzer harness for rpcdstmd.conf: the generic parser
 * and every key's checks.  Whatever the bytes, loading either fails with
 * a message and leaves nothing allocated, or succeeds and the canonical
 * printout parses again to the same printout.
 *
 * FUZZ_SOURCES: server/conf.c common/conf.c common/addr.c common/log.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "server/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *
print(const struct server_conf *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (f == NULL)
		abort();
	server_conf_print(f, c);
	fclose(f);
	return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_conf c, again;
	char err[CONF_ERRLEN], *p1, *p2;
	size_t l1, l2;

	if (server_conf_load_buf("fuzz.conf", (const char *)data, size, &c,
	    err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();	/* a failure always says why */
		return 0;
	}
	p1 = print(&c, &l1);
	if (server_conf_load_buf("printed", p1, l1, &again, err,
	    sizeof(err)) != 0)
		abort();	/* the canonical form must parse */
	p2 = print(&again, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1) != 0)
		abort();	/* and print the same */
	free(p1);
	free(p2);
	server_conf_free(&again);
	server_conf_free(&c);
	return 0;
}
