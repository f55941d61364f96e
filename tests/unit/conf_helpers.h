/* conf_helpers.h - what the config tests share: a table of one config
 * type's functions, then printing to a string, golden files (NAME.in with
 * NAME.ok, the canonical print, or NAME.err, the one error line), "a
 * failed load leaves nothing behind" and print/parse/print round trips.
 * Included by test_conf.c and test_gwconf.c. */
#ifndef DSTM_TEST_CONF_HELPERS_H
#define DSTM_TEST_CONF_HELPERS_H

#include <check.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"

struct conf_ops {
	size_t	 size;		/* of the config struct */
	int	(*load)(const char *path, void *c, char *err, size_t errlen);
	int	(*load_buf)(const char *name, const char *text, size_t len,
		    void *c, char *err, size_t errlen);
	void	(*print)(FILE *f, const void *c);
	void	(*free)(void *c);
	/* more to compare between a config and its round trip; or NULL */
	void	(*same)(const void *c, const void *again);
};

/* static const struct conf_ops NAME for config struct T and its
 * functions; SAME may be NULL */
#define CONF_OPS(NAME, T, LOAD, LOAD_BUF, PRINT, FREE, SAME)		\
static int								\
NAME##_load(const char *path, void *c, char *err, size_t errlen)	\
{									\
	return LOAD(path, c, err, errlen);				\
}									\
static int								\
NAME##_load_buf(const char *name, const char *text, size_t len,	\
    void *c, char *err, size_t errlen)					\
{									\
	return LOAD_BUF(name, text, len, c, err, errlen);		\
}									\
static void								\
NAME##_print(FILE *f, const void *c)					\
{									\
	PRINT(f, c);							\
}									\
static void								\
NAME##_free(void *c)							\
{									\
	FREE(c);							\
}									\
static const struct conf_ops NAME = {					\
	sizeof(T), NAME##_load, NAME##_load_buf, NAME##_print,		\
	NAME##_free, SAME,						\
}

static inline char *
print_str(const struct conf_ops *ops, const void *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ops->print(f, c);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

/* the whole file, NUL-terminated; NULL when it does not exist */
static inline char *
slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f, *m;
	int ch;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	m = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(m);
	while ((ch = getc(f)) != EOF)
		putc(ch, m);
	fclose(f);
	ck_assert_int_eq(fclose(m), 0);
	return buf;
}

static inline void
assert_freed(const struct conf_ops *ops, const void *c)
{
	void *zero = calloc(1, ops->size);

	ck_assert_ptr_nonnull(zero);
	ck_assert_msg(memcmp(c, zero, ops->size) == 0,
	    "failed load left state behind");
	free(zero);
}

/* printing, parsing the print and printing again changes nothing */
static inline void
assert_round_trip(const struct conf_ops *ops, const void *c)
{
	void *again = malloc(ops->size);
	char err[CONF_ERRLEN], *a, *b;

	ck_assert_ptr_nonnull(again);
	a = print_str(ops, c);
	ck_assert_msg(ops->load_buf("printed", a, strlen(a), again, err,
	    sizeof(err)) == 0, "printed config does not load: %s", err);
	b = print_str(ops, again);
	ck_assert_msg(strcmp(a, b) == 0, "round trip changed\n%s\ninto\n%s",
	    a, b);
	if (ops->same != NULL)
		ops->same(c, again);
	free(a);
	free(b);
	ops->free(again);
	free(again);
}

/* One golden case: `in` loads and prints its .ok, or fails with the first
 * line of its .err and leaves nothing behind. */
static inline void
golden_case(const struct conf_ops *ops, const char *in)
{
	char path[PATH_MAX], err[CONF_ERRLEN], *ok, *want, *out;
	size_t base = strlen(in) - strlen(".in");
	void *c = malloc(ops->size);
	int rc;

	ck_assert_ptr_nonnull(c);
	snprintf(path, sizeof(path), "%.*s.ok", (int)base, in);
	ok = slurp(path);
	snprintf(path, sizeof(path), "%.*s.err", (int)base, in);
	want = slurp(path);
	ck_assert_msg((ok != NULL) != (want != NULL),
	    "%s: needs exactly one of .ok and .err", in);
	rc = ops->load(in, c, err, sizeof(err));
	if (ok != NULL) {
		ck_assert_msg(rc == 0, "%s: %s", in, err);
		out = print_str(ops, c);
		ck_assert_msg(strcmp(out, ok) == 0,
		    "%s: printed\n%s\nexpected\n%s", in, out, ok);
		assert_round_trip(ops, c);
		ops->free(c);
		free(out);
	} else {
		want[strcspn(want, "\n")] = '\0';
		ck_assert_msg(rc == -1, "%s: loaded, expected \"%s\"", in,
		    want);
		ck_assert_str_eq(err, want);
		assert_freed(ops, c);
	}
	free(ok);
	free(want);
	free(c);
}

/* ---- golden directories: one "golden" loop test over all of them ---- */

#define GOLDEN_MAX_SETS	4

static struct golden_set {
	const struct conf_ops	*ops;
	const char		*pattern;
	size_t			 min;	/* fewer cases: DSTM_SRCDIR is wrong */
	int			 base;	/* its first index in the loop */
	glob_t			 g;
} golden_sets[GOLDEN_MAX_SETS];
static int golden_n_sets, golden_n_cases;

START_TEST(golden)
{
	for (int k = 0; k < golden_n_sets; k++) {
		const struct golden_set *gs = &golden_sets[k];

		if (_i >= gs->base && _i < gs->base + (int)gs->g.gl_pathc)
			golden_case(gs->ops, gs->g.gl_pathv[_i - gs->base]);
	}
}
END_TEST

START_TEST(golden_count)
{
	for (int k = 0; k < golden_n_sets; k++)
		ck_assert_msg(golden_sets[k].g.gl_pathc >= golden_sets[k].min,
		    "only %zu cases in %s (DSTM_SRCDIR?)",
		    golden_sets[k].g.gl_pathc, golden_sets[k].pattern);
}
END_TEST

/* Golden messages name "tests/DIR/NAME.in": run from the top of the tree
 * ($DSTM_SRCDIR, else here).  0, or -1 if chdir failed. */
static inline int
golden_chdir(void)
{
	const char *dir = getenv("DSTM_SRCDIR");

	if (dir == NULL || *dir == '\0')
		dir = ".";
	if (chdir(dir) != 0) {
		perror(dir);
		return -1;
	}
	return 0;
}

/* The cases `pattern` matches, loaded with `ops`; golden_tcase() then
 * makes the tests. */
static inline void
golden_add(const struct conf_ops *ops, const char *pattern, size_t min)
{
	struct golden_set *gs;

	if (golden_n_sets == GOLDEN_MAX_SETS)
		abort();
	gs = &golden_sets[golden_n_sets++];
	gs->ops = ops;
	gs->pattern = pattern;
	gs->min = min;
	gs->base = golden_n_cases;
	if (glob(pattern, 0, NULL, &gs->g) != 0)
		gs->g.gl_pathc = 0;
	golden_n_cases += (int)gs->g.gl_pathc;
}

static inline void
golden_tcase(TCase *tc)
{
	tcase_add_test(tc, golden_count);
	if (golden_n_cases > 0)
		tcase_add_loop_test(tc, golden, 0, golden_n_cases);
}

static inline void
golden_free(void)
{
	for (int k = 0; k < golden_n_sets; k++)
		if (golden_sets[k].g.gl_pathc > 0)
			globfree(&golden_sets[k].g);
}

#endif
