/* rpcdctl.c - dstmctl status | lease | renew | release, for rpcd. */
#include "client/rpcdctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/ctl.h"
#include "client/ctl_print.h"
#include "client/engine.h"
#include "common/addr.h"
#include "common/json.h"
#include "rpc/status.h"
#include "rpc/dstm.h"

/* the wire's dstm_client_state is the engine's numbering */
static const char *
state_name(const dstm_client_status *st)
{
	return eng_state_name((enum eng_state)st->state);
}

/* One call to rpcd; the status it returns is printed, as JSON also when
 * the call was refused. */
static int
run(struct dstmctl *c, int argc, char **argv)
{
	const char *cmd = c->cmd->name;
	char err[CTL_ERRLEN];
	dstm_client_status st;
	enum clnt_stat cs;
	u_int wait = 10;
	int rc = 0;

	/* rpcdctl_wants has chosen rpcd; status takes -o FORMAT */
	for (int i = 1; i < argc; i++) {
		if (c->cmd->proc == RPCD_STATUS && strcmp(argv[i], "-o") == 0 &&
		    i + 1 < argc) {
			if ((rc = dstmctl_format(c, argv[++i])) != 0)
				return rc;
		} else {
			return dstmctl_usage_error(c, "unexpected argument '%s'",
			    argv[i]);
		}
	}
	if (ctl_open_unix(&c->cl, c->sock, DSTM_RPCD_PROG, DSTM_RPCD_V1,
	    c->timeout_ms, err, sizeof(err)) != 0)
		return dstmctl_fail(c, "unreachable", DSTMCTL_EXIT_UNREACH,
		    "%s", err);
	memset(&st, 0, sizeof(st));
	cs = ctl_call(c->cl, c->cmd->proc, c->cmd->xdr_arg, &wait,
	    (xdrproc_t)xdr_dstm_client_status, &st);
	if (cs != RPC_SUCCESS)
		return dstmctl_fail(c, "unreachable", DSTMCTL_EXIT_UNREACH,
		    "%s: %s: %s", cmd, c->sock, ctl_strerror(c->cl, cs, err,
		    sizeof(err)));
	if (st.status != DSTM_OK) {
		/* rpcd answered, but the server did not answer rpcd: as
		 * unreachable as a dead daemon */
		rc = st.status == DSTM_UNREACHABLE ? DSTMCTL_EXIT_UNREACH :
		    DSTMCTL_EXIT_REFUSED;
		fprintf(stderr, "dstmctl: %s: %s%s%s\n", cmd,
		    dstm_status_msg(st.status), st.last_error_msg &&
		    st.last_error_msg[0] ? ": " : "", st.last_error_msg ?
		    st.last_error_msg : "");
		if (c->out.json)
			print_refusal(&c->out, st.status, st.last_error_msg);
	} else if (c->om) {
		dstm_stats s = { .status = DSTM_OK, .uptime = -1 };

		s.counters.counters_len = st.counters.counters_len;
		s.counters.counters_val = st.counters.counters_val;
		rc = print_openmetrics(&s, NULL, "rpcd", c->om) != 0 ?
		    DSTMCTL_EXIT_REFUSED : 0;
	} else if (print_client_status(&c->out, &st, state_name(&st)) != 0) {
		fprintf(stderr, "dstmctl: cannot write the output\n");
		rc = DSTMCTL_EXIT_REFUSED;
	}
	clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_client_status, (caddr_t)&st);
	return rc;
}

const struct dstmctl_cmd rpcdctl_cmds[] = {
	{ "status", run, CMD_RPCD, "[-o text|json|openmetrics|prometheus]",
	    "show rpcd's state, lease and counters",
	    .proc = RPCD_STATUS, .om = true },
	{ "lease", run, CMD_RPCD, "", "lease now, also in on-demand mode",
	    .proc = RPCD_LEASE, .xdr_arg = (xdrproc_t)xdr_u_int },
	{ "renew", run, CMD_RPCD, "", "renew now, as if T1 had come",
	    .proc = RPCD_RENEW, .xdr_arg = (xdrproc_t)xdr_u_int },
	{ "release", run, CMD_RPCD, "", "give the lease back now",
	    .proc = RPCD_RELEASE },
};

const size_t rpcdctl_ncmds = sizeof(rpcdctl_cmds) / sizeof(rpcdctl_cmds[0]);

bool
rpcdctl_wants(const struct dstmctl_cmd *cmd, int argc, char **argv)
{
	switch (cmd->proc) {
	case RPCD_STATUS:
		return true;
	case RPCD_LEASE:
		/* lease --for is the server's operator lease */
		for (int i = 1; i < argc; i++)
			if (strncmp(argv[i], "--for", 5) == 0)
				return false;
		return true;
	default:
		/* renew and release IPV4 are the client protocol's */
		return argc == 1;
	}
}
