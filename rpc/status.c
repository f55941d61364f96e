/* status.c - the dstm_status and dstm_lease_state name tables. */
#include "rpc/status.h"

#include <string.h>

#include "rpc/dstm.h"

struct status_desc {
	const char	*name;
	const char	*msg;
};

/* Names are part of dstmctl's JSON output and the server's counter names:
 * never rename one. */
static const struct status_desc status_tab[] = {
	[DSTM_OK] = { "ok", "ok" },
	[DSTM_POOL_EXHAUSTED] = { "pool-exhausted", "pool exhausted" },
	[DSTM_ADDR_UNAVAILABLE] = { "address-unavailable",
	    "address unavailable: leased to another client" },
	[DSTM_BAD_IPV6] = { "bad-ipv6",
	    "bad IPv6 address: not usable as a client end point" },
	[DSTM_BAD_IPV4] = { "bad-ipv4",
	    "bad IPv4 address: malformed or not in the pool" },
	[DSTM_DENIED] = { "denied", "denied by the server's client policy" },
	[DSTM_RATE_LIMITED] = { "rate-limited",
	    "rate limited: too many requests, try again later" },
	[DSTM_NO_SUCH_LEASE] = { "no-such-lease", "no such lease" },
	[DSTM_NOT_OWNER] = { "not-owner",
	    "not the owner: the lease belongs to another client" },
	[DSTM_QUOTA] = { "quota",
	    "quota reached: the client holds its maximum number of leases" },
	[DSTM_GATEWAY_ERROR] = { "gateway-error",
	    "gateway error: the tunnel end point refused the binding" },
	[DSTM_VERSION_MISMATCH] = { "version-mismatch",
	    "protocol version mismatch" },
	[DSTM_BAD_REQUEST] = { "bad-request",
	    "bad request: malformed or out-of-range arguments" },
	[DSTM_INTERNAL] = { "internal-error",
	    "internal server error (see the server's log)" },
	[DSTM_BAD_CONFIG] = { "bad-config",
	    "configuration refused, the old one is kept" },
	[DSTM_COOKIE] = { "cookie",
	    "cookie required: send the request again with the server's "
	    "cookie" },
	[DSTM_UNREACHABLE] = { "server-unreachable",
	    "the server did not answer (rpcd could not reach it)" },
};

#define NSTATUS	(sizeof(status_tab) / sizeof(status_tab[0]))

_Static_assert(NSTATUS == DSTM_UNREACHABLE + 1,
    "every dstm_status needs a name and a message");

static const char *const state_tab[] = {
	[DSTM_LS_FREE] = "free",
	[DSTM_LS_BOUND] = "bound",
	[DSTM_LS_HELD] = "held",
	[DSTM_LS_STATIC] = "static",
	[DSTM_LS_EXCLUDED] = "excluded",
};

#define NSTATE	(sizeof(state_tab) / sizeof(state_tab[0]))

const char *
dstm_status_name(int status)
{
	if (status < 0 || (unsigned)status >= NSTATUS)
		return "unknown";
	return status_tab[status].name;
}

const char *
dstm_status_msg(int status)
{
	if (status < 0 || (unsigned)status >= NSTATUS)
		return "unknown status code";
	return status_tab[status].msg;
}

int
dstm_status_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (unsigned i = 0; i < NSTATUS; i++)
		if (strcmp(status_tab[i].name, name) == 0)
			return (int)i;
	return -1;
}

const char *
dstm_lease_state_name(int state)
{
	if (state < 0 || (unsigned)state >= NSTATE)
		return "unknown";
	return state_tab[state];
}
