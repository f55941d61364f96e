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
#include "common/status.h"
#include "rpc/dstm.h"

bool
rpcdctl_wants(const char *cmd, int argc, char **argv)
{
	if (strcmp(cmd, "status") == 0)
		return true;
	if (strcmp(cmd, "lease") == 0) {
		for (int i = 1; i < argc; i++)
			if (strncmp(argv[i], "--for", 5) == 0)
				return false;
		return true;
	}
	return (strcmp(cmd, "renew") == 0 || strcmp(cmd, "release") == 0) &&
	    argc == 1;
}

/* the wire's dstm_client_state is the engine's numbering */
static const char *
state_name(const dstm_client_status *st)
{
	return eng_state_name((enum eng_state)st->state);
}

static void
print_json(const char *cmd, const dstm_client_status *st, int indent)
{
	char a[ADDR_STRLEN];
	struct in6_addr a6;
	struct json j;

	json_init(&j, stdout, indent);
	json_begin_object(&j, NULL);
	json_string(&j, "command", cmd);
	json_string(&j, "status", dstm_status_name(st->status));
	json_int(&j, "code", st->status);
	json_string(&j, "state", state_name(st));
	json_string(&j, "mode", st->mode);
	json_string(&j, "interface", st->ifname);
	json_string(&j, "server", st->server);
	memcpy(&a6, st->source, sizeof(a6));
	json_string(&j, "source", addr6_ntop(&a6, a, sizeof(a)));
	if (st->lease.status == DSTM_OK) {
		json_begin_object(&j, "lease");
		json_string(&j, "address", addr4_ntop(addr4_from_bytes(
		    (const uint8_t *)st->lease.addr), a, sizeof(a)));
		if (st->lease.lease_time == DSTM_LEASE_INFINITE)
			json_null(&j, "remaining");
		else
			json_uint(&j, "remaining", st->lease.lease_time);
		memcpy(&a6, st->lease.tep6, sizeof(a6));
		json_string(&j, "tep6", addr6_ntop(&a6, a, sizeof(a)));
		json_string(&j, "tep4", addr4_ntop(addr4_from_bytes(
		    (const uint8_t *)st->lease.tep4), a, sizeof(a)));
		json_uint(&j, "mtu", st->lease.mtu);
		json_end_object(&j);
	} else {
		json_null(&j, "lease");
	}
	if (st->last_error_msg != NULL && st->last_error_msg[0] != '\0')
		json_string(&j, "last_error", st->last_error_msg);
	json_begin_object(&j, "counters");
	for (unsigned i = 0; i < st->counters.counters_len; i++)
		json_uint(&j, st->counters.counters_val[i].name,
		    st->counters.counters_val[i].value);
	json_end_object(&j);
	json_end_object(&j);
	json_finish(&j);
}

static void
print_text(const dstm_client_status *st)
{
	char a[ADDR_STRLEN], b[ADDR_STRLEN], d[32];
	struct in6_addr a6;

	memcpy(&a6, st->source, sizeof(a6));
	printf("state:     %s (%s mode) on %s\n", state_name(st),
	    st->mode, st->ifname);
	printf("server:    %s, we are %s\n", st->server,
	    addr6_ntop(&a6, a, sizeof(a)));
	if (st->lease.status == DSTM_OK) {
		memcpy(&a6, st->lease.tep6, sizeof(a6));
		printf("lease:     %s, %s left\n", addr4_ntop(addr4_from_bytes(
		    (const uint8_t *)st->lease.addr), a, sizeof(a)),
		    st->lease.lease_time == DSTM_LEASE_INFINITE ? "no end" :
		    fmt_duration(st->lease.lease_time, d, sizeof(d)));
		printf("tunnel:    TEP %s (%s), MTU %u\n",
		    addr6_ntop(&a6, b, sizeof(b)), addr4_ntop(addr4_from_bytes(
		    (const uint8_t *)st->lease.tep4), a, sizeof(a)),
		    st->lease.mtu);
	} else {
		printf("lease:     none\n");
	}
	if (st->last_error_msg != NULL && st->last_error_msg[0] != '\0')
		printf("error:     %s\n", st->last_error_msg);
	for (unsigned i = 0; i < st->counters.counters_len; i++)
		if (st->counters.counters_val[i].value != 0)
			printf("  %-28s %" PRIu64 "\n",
			    st->counters.counters_val[i].name,
			    (uint64_t)st->counters.counters_val[i].value);
}

int
rpcdctl_run(const char *sock, int timeout_ms, const char *cmd, int json)
{
	char err[CTL_ERRLEN];
	dstm_client_status st;
	enum clnt_stat cs;
	u_int wait = 10;
	CLIENT *cl;
	int rc = 0;

	if (ctl_open_unix(&cl, sock, DSTM_RPCD_PROG, DSTM_RPCD_V1, timeout_ms,
	    err, sizeof(err)) != 0) {
		fprintf(stderr, "dstmctl: %s\n", err);
		return 3;
	}
	memset(&st, 0, sizeof(st));
	if (strcmp(cmd, "status") == 0)
		cs = rpcd_status_1(NULL, &st, cl);
	else if (strcmp(cmd, "lease") == 0)
		cs = rpcd_lease_1(&wait, &st, cl);
	else if (strcmp(cmd, "renew") == 0)
		cs = rpcd_renew_1(&wait, &st, cl);
	else
		cs = rpcd_release_1(NULL, &st, cl);
	if (cs != RPC_SUCCESS) {
		fprintf(stderr, "dstmctl: %s: %s: %s\n", cmd, sock,
		    ctl_strerror(cl, cs, err, sizeof(err)));
		ctl_close(cl);
		return 3;
	}
	if (st.status != DSTM_OK) {
		fprintf(stderr, "dstmctl: %s: %s%s%s\n", cmd,
		    dstm_status_msg(st.status), st.last_error_msg &&
		    st.last_error_msg[0] ? " — " : "", st.last_error_msg ?
		    st.last_error_msg : "");
		rc = 1;
	}
	if (json)
		print_json(cmd, &st, json > 1 ? 2 : 0);
	else if (rc == 0)
		print_text(&st);
	clnt_freeres(cl, (xdrproc_t)xdr_dstm_client_status, (caddr_t)&st);
	ctl_close(cl);
	return rc;
}
