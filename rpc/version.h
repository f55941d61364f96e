/* version.h - every program's --version: its name, the suite's version
 * (common/version.h) and the versions of the RPC programs of rpc/dstm.x
 * this build speaks. */
#ifndef DSTM_RPC_VERSION_H
#define DSTM_RPC_VERSION_H

#include <stdbool.h>
#include <stdio.h>

/* Writes, for example:
 *   rpcdstmd (dstm) 0.2
 *   protocols: client 1-2, control 1, gateway 1, rpcd 1, notify 1
 * Returns 0, or 1 when fp could not be written (the exit status). */
int dstm_print_version(FILE *fp, const char *program);
/* True when an argument is "--version" or "-V": main prints the version
 * and exits 0 before it parses anything else. */
bool dstm_version_asked(int argc, char **argv);

#endif
