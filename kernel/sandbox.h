/* sandbox.h - the seccomp allow-lists of the daemons (libseccomp): one
 * list shared by the three (what glibc, libtirpc, libnl and libbpf call
 * in the event loops and data-plane threads once start-up is over) and
 * a few extras per daemon, all in sandbox.c.  Installed after
 * priv_drop(), on every thread; a system call outside the list kills the
 * process with SIGSYS after one line on stderr naming the call. */
#ifndef DSTM_SANDBOX_H
#define DSTM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

enum sandbox_prog {
	SANDBOX_RPCDSTMD,
	SANDBOX_DSTMGWD,
	SANDBOX_RPCD,
	SANDBOX_COUNT
};

/* 0, or -errno with `err` filled. */
int  sandbox_enter(enum sandbox_prog p, char *err, size_t len);

/* false in a sanitizer build, whose filters only log (sandbox.c) */
bool sandbox_enforcing(void);

/* The names a program's list allows, one a line (tests, docs). */
void sandbox_print(enum sandbox_prog p, void (*fn)(const char *name));

#endif
