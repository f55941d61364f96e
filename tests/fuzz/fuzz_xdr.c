/* fuzz_xdr.c - libFuzzer harness for the XDR decoding of every request
 * a daemon takes from the network or a local client (rpc/dstm.x): the
 * first byte picks the type, the rest is decoded as that type and freed.
 * Decoding must never overrun, and whatever decodes must encode again
 * and decode again.  (Not to the same bytes: padding is ignored on decode
 * and written as zeros, and a string with a NUL inside decodes but
 * encodes only up to the NUL.)
 *
 * FUZZ_SOURCES: @BUILD@/rpc/dstm_xdr.c
 * FUZZ_PKGS: libtirpc
 */
#include <rpc/rpc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rpc/dstm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	xdrproc_t	proc;
	size_t		size;
} types[] = {
	{ (xdrproc_t)xdr_dstm_alloc_args, sizeof(dstm_alloc_args) },
	{ (xdrproc_t)xdr_dstm_addr_args, sizeof(dstm_addr_args) },
	{ (xdrproc_t)xdr_dstm_alloc2_args, sizeof(dstm_alloc2_args) },
	{ (xdrproc_t)xdr_dstm_lease_args, sizeof(dstm_lease_args) },
	{ (xdrproc_t)xdr_dstm_notify_args, sizeof(dstm_notify_args) },
	{ (xdrproc_t)xdr_dstm_lease_for_args, sizeof(dstm_lease_for_args) },
	{ (xdrproc_t)xdr_dstm_bind_args, sizeof(dstm_bind_args) },
	{ (xdrproc_t)xdr_dstm_sync_args, sizeof(dstm_sync_args) },
	{ (xdrproc_t)xdr_dstm_lease_query, sizeof(dstm_lease_query) },
	/* replies, as a client decodes them */
	{ (xdrproc_t)xdr_dstm_lease, sizeof(dstm_lease) },
	{ (xdrproc_t)xdr_dstm_alloc_reply, sizeof(dstm_alloc_reply) },
	{ (xdrproc_t)xdr_dstm_info, sizeof(dstm_info) },
	{ (xdrproc_t)xdr_dstm_lease_list, sizeof(dstm_lease_list) },
	{ (xdrproc_t)xdr_dstm_stats, sizeof(dstm_stats) },
	{ (xdrproc_t)xdr_dstm_client_status, sizeof(dstm_client_status) },
	{ (xdrproc_t)xdr_dstm_gw_stats, sizeof(dstm_gw_stats) },
	{ (xdrproc_t)xdr_dstm_lease_page, sizeof(dstm_lease_page) },
	{ (xdrproc_t)xdr_dstm_config_reply, sizeof(dstm_config_reply) },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char obj[4096];
	char *copy, *enc;
	unsigned t;
	u_int used;
	XDR x;

	if (size < 1 || size > 65536)
		return 0;
	t = data[0] % (sizeof(types) / sizeof(types[0]));
	/* exact-size copy: any read past the end is caught */
	if ((copy = malloc(size - 1 + 1)) == NULL)
		return 0;
	memcpy(copy, data + 1, size - 1);
	memset(obj, 0, sizeof(obj));
	xdrmem_create(&x, copy, (u_int)(size - 1), XDR_DECODE);
	if (types[t].proc(&x, obj)) {
		used = xdr_getpos(&x);
		if ((enc = malloc(used + 1)) == NULL)
			abort();
		xdr_destroy(&x);
		xdrmem_create(&x, enc, used, XDR_ENCODE);
		if (!types[t].proc(&x, obj) || xdr_getpos(&x) > used)
			abort();
		used = xdr_getpos(&x);
		xdr_destroy(&x);
		xdr_free(types[t].proc, obj);
		memset(obj, 0, sizeof(obj));
		xdrmem_create(&x, enc, used, XDR_DECODE);
		if (!types[t].proc(&x, obj))
			abort();
		free(enc);
	}
	xdr_destroy(&x);
	xdr_free(types[t].proc, obj);
	free(copy);
	return 0;
}
