/* version.c - see version.h. */
#include "rpc/version.h"

#include <string.h>

#include "common/version.h"
#include "rpc/dstm.h"

int
dstm_print_version(FILE *fp, const char *program)
{
	fprintf(fp, "%s (dstm) %s\n", program, DSTM_VERSION);
	fprintf(fp, "protocols: client %d-%d, control %d, gateway %d, "
	    "rpcd %d, notify %d\n", DSTM_V1, DSTM_V2,
	    DSTM_CTL_V1, DSTM_GW_V1, DSTM_RPCD_V1, DSTM_NOTIFY_V1);
	return fflush(fp) != 0 || ferror(fp) ? 1 : 0;
}

bool
dstm_version_asked(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--version") == 0 ||
		    strcmp(argv[i], "-V") == 0)
			return true;
	}
	return false;
}
