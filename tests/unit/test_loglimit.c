/* test_loglimit.c - the log rate limiter: the burst passes, the rest is
 * counted, the count is reported once when the window ends (by the next
 * line or by a flush), a new window starts clean; and log_limited()'s
 * lines as they reach stderr under -d, with their "<N>" priorities. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/loglimit.h"

START_TEST(burst_then_quiet)
{
	struct loglimit l;
	uint64_t ended = 99;
	unsigned let = 0;

	loglimit_init(&l, "test", 60000, 5);
	for (int i = 0; i < 50; i++)
		if (loglimit_allow(&l, 1000 + i, &ended))
			let++;
	ck_assert_uint_eq(let, 5);
	ck_assert_uint_eq(ended, 0);
	ck_assert_uint_eq(l.suppressed, 45);
	/* the window is still open: nothing to report yet */
	ck_assert_uint_eq(loglimit_flush(&l, 1000 + 59999), 0);
}
END_TEST

START_TEST(summary_by_next_line)
{
	struct loglimit l;
	uint64_t ended;

	loglimit_init(&l, "test", 10000, 2);
	ck_assert(loglimit_allow(&l, 0, &ended));
	ck_assert(loglimit_allow(&l, 1, &ended));
	ck_assert(!loglimit_allow(&l, 2, &ended));
	ck_assert(!loglimit_allow(&l, 9999, &ended));
	ck_assert_uint_eq(ended, 0);
	/* the window ended: this line passes and carries the count */
	ck_assert(loglimit_allow(&l, 10000, &ended));
	ck_assert_uint_eq(ended, 2);
	/* reported once: a flush after the next window has nothing */
	ck_assert_uint_eq(loglimit_flush(&l, 30000), 0);
}
END_TEST

START_TEST(summary_by_flush)
{
	struct loglimit l;
	uint64_t ended;

	loglimit_init(&l, "test", 10000, 1);
	ck_assert(loglimit_allow(&l, 500, &ended));
	for (int i = 0; i < 7; i++)
		ck_assert(!loglimit_allow(&l, 600 + i, &ended));
	ck_assert_uint_eq(loglimit_flush(&l, 10499), 0);
	ck_assert_uint_eq(loglimit_flush(&l, 10500), 7);
	ck_assert_uint_eq(loglimit_flush(&l, 10501), 0);
	/* the next event opens a new window with nothing to report */
	ck_assert(loglimit_allow(&l, 10600, &ended));
	ck_assert_uint_eq(ended, 0);
	ck_assert(!loglimit_allow(&l, 10601, &ended));
}
END_TEST

START_TEST(zero_burst_and_clock_back)
{
	struct loglimit l;
	uint64_t ended;

	loglimit_init(&l, "test", 1000, 0);	/* summaries only */
	ck_assert(!loglimit_allow(&l, 0, &ended));
	ck_assert(!loglimit_allow(&l, 10, &ended));
	ck_assert_uint_eq(loglimit_flush(&l, 1000), 2);
	loglimit_init(&l, "test", 1000, 1);
	ck_assert(loglimit_allow(&l, 5000, &ended));
	ck_assert(!loglimit_allow(&l, 5001, &ended));
	/* a clock that goes back starts a new window rather than stalling */
	ck_assert(loglimit_allow(&l, 100, &ended));
	ck_assert_uint_eq(ended, 1);
}
END_TEST

/* stderr into a file while fn runs; the text in buf */
static void
capture(void (*fn)(void), char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(2);
	size_t n;

	ck_assert_ptr_nonnull(f);
	fflush(stderr);
	dup2(fileno(f), 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void
some_lines(void)
{
	struct loglimit l;

	log_init(1, 0, "t");
	loglimit_init(&l, "pool exhausted", 60000, 3);
	for (int i = 0; i < 20; i++)
		log_limited(&l, LOG_LVL_WARNING, "refused %d", i);
	log_limited(&l, LOG_LVL_DEBUG, "not without -v");
	log_warnx("an error");
	log_info("news");
	log_warning("a warning");
	log_init(1, 1, "t");
	log_debug("with -v");
	log_limited(&l, LOG_LVL_DEBUG, "limited with the others");
	log_init(1, 0, "t");
}

START_TEST(priorities_on_stderr)
{
	char buf[4096];

	capture(some_lines, buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "<4>t: refused 0\n"
	    "<4>t: refused 1\n"
	    "<4>t: refused 2\n"
	    "<3>t: an error\n"
	    "<6>t: news\n"
	    "<4>t: a warning\n"
	    "<7>t: with -v\n");
}
END_TEST

static void
flood_then_flush(void)
{
	struct loglimit l;
	int64_t end;

	log_init(1, 0, "t");
	loglimit_init(&l, "pool exhausted", 1000, 1);
	for (int i = 0; i < 4; i++)
		log_limited(&l, LOG_LVL_WARNING, "refused %d", i);
	log_limited_flush(&l, LOG_LVL_WARNING);	/* too early: nothing */
	/* the window's end, polled on the clock log_limited reads */
	end = clock_mono_ms() + 1000;
	while (clock_mono_ms() < end)
		;
	log_limited_flush(&l, LOG_LVL_WARNING);
	log_limited_flush(&l, LOG_LVL_WARNING);	/* said once */
}

START_TEST(summary_line)
{
	char buf[4096];

	capture(flood_then_flush, buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "<4>t: refused 0\n"
	    "<4>t: pool exhausted: ... and 3 more suppressed (at most 1 line "
	    "per 1s)\n");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loglimit");
	TCase *tc = tcase_create("loglimit");
	SRunner *sr;
	int nf;

	tcase_add_test(tc, burst_then_quiet);
	tcase_add_test(tc, summary_by_next_line);
	tcase_add_test(tc, summary_by_flush);
	tcase_add_test(tc, zero_burst_and_clock_back);
	tcase_add_test(tc, priorities_on_stderr);
	tcase_add_test(tc, summary_line);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
