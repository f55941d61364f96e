/* version.c - see version.h. */
#include "rpc/version.h"

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
