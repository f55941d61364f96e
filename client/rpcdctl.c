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

static const dstm_b4_status *
b4_of(const dstm_client_status *st)
{
	return st->b4.b4_len == 1 ? st->b4.b4_val : NULL;
}

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

/* mode b4: where the AFTR is and who said so */
static void
b4_json(struct json *j, const dstm_b4_status *b, const dstm_client_status *st)
{
	char a[ADDR_STRLEN];
	struct in6_addr a6;

	json_begin_object(j, "b4");
	if (str(b->aftr_name)[0] != '\0')
		json_string(j, "aftr_name", b->aftr_name);
	else
		json_null(j, "aftr_name");
	memcpy(&a6, b->aftr6, sizeof(a6));
	if (IN6_IS_ADDR_UNSPECIFIED(&a6))
		json_null(j, "aftr_address");
	else
		json_string(j, "aftr_address", addr6_ntop(&a6, a, sizeof(a)));
	json_string(j, "aftr_from", str(b->aftr_from));
	if (str(b->dhcpv6_interface)[0] != '\0')
		json_string(j, "dhcpv6_interface", b->dhcpv6_interface);
	else
		json_null(j, "dhcpv6_interface");
	json_begin_array(j, "dns_servers");
	for (u_int i = 0; i < b->dns.dns_len; i++) {
		memcpy(&a6, b->dns.dns_val[i], sizeof(a6));
		json_string(j, NULL, addr6_ntop(&a6, a, sizeof(a)));
	}
	json_end_array(j);
	if (st->lease.status == DSTM_OK)
		json_string(j, "b4_address", addr4_ntop(addr4_from_bytes(
		    (const uint8_t *)st->lease.addr), a, sizeof(a)));
	json_string(j, "nat", str(b->nat));
	json_end_object(j);
}

static void
b4_text(const dstm_b4_status *b, const dstm_client_status *st)
{
	char a[ADDR_STRLEN], c[ADDR_STRLEN];
	struct in6_addr a6;

	memcpy(&a6, b->aftr6, sizeof(a6));
	printf("aftr:      %s%s%s (from %s%s%s)\n", str(b->aftr_name),
	    str(b->aftr_name)[0] ? " = " : "", IN6_IS_ADDR_UNSPECIFIED(&a6) ?
	    "not known yet" : addr6_ntop(&a6, a, sizeof(a)),
	    str(b->aftr_from), str(b->dhcpv6_interface)[0] ? " on " : "",
	    str(b->dhcpv6_interface));
	memcpy(&a6, st->source, sizeof(a6));
	printf("source:    %s\n", addr6_ntop(&a6, a, sizeof(a)));
	if (st->lease.status == DSTM_OK)
		printf("tunnel:    %s peer %s, MTU %u, NAT44 %s\n",
		    addr4_ntop(addr4_from_bytes((const uint8_t *)
		    st->lease.addr), a, sizeof(a)), addr4_ntop(
		    addr4_from_bytes((const uint8_t *)st->lease.tep4), c,
		    sizeof(c)), st->lease.mtu, str(b->nat));
	else
		printf("tunnel:    down\n");
	for (u_int i = 0; i < b->dns.dns_len; i++) {
		memcpy(&a6, b->dns.dns_val[i], sizeof(a6));
		printf("%s%s\n", i == 0 ? "dns:       " : "           ",
		    addr6_ntop(&a6, a, sizeof(a)));
	}
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
	if (b4_of(st) != NULL)
		b4_json(&j, b4_of(st), st);
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
	if (b4_of(st) != NULL)
		b4_text(b4_of(st), st);
	else
		printf("server:    %s, we are %s\n", st->server,
		    addr6_ntop(&a6, a, sizeof(a)));
	if (b4_of(st) != NULL) {
		/* the tunnel line said it all */
	} else if (st->lease.status == DSTM_OK) {
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

	(void)argc;	/* rpcdctl_wants has looked at them */
	(void)argv;
	if (ctl_open_unix(&c->cl, c->sock, DSTM_RPCD_PROG, DSTM_RPCD_V1,
	    c->timeout_ms, err, sizeof(err)) != 0) {
		fprintf(stderr, "dstmctl: %s\n", err);
		return DSTMCTL_EXIT_UNREACH;
	}
	memset(&st, 0, sizeof(st));
	cs = ctl_call(c->cl, c->cmd->proc, c->cmd->xdr_arg, &wait,
	    (xdrproc_t)xdr_dstm_client_status, &st);
	if (cs != RPC_SUCCESS) {
		fprintf(stderr, "dstmctl: %s: %s: %s\n", cmd, c->sock,
		    ctl_strerror(c->cl, cs, err, sizeof(err)));
		return DSTMCTL_EXIT_UNREACH;
	}
	if (st.status != DSTM_OK) {
		fprintf(stderr, "dstmctl: %s: %s%s%s\n", cmd,
		    dstm_status_msg(st.status), st.last_error_msg &&
		    st.last_error_msg[0] ? " — " : "", st.last_error_msg ?
		    st.last_error_msg : "");
		rc = DSTMCTL_EXIT_REFUSED;
	}
	if (c->out.json)
		print_json(cmd, &st, c->out.json > 1 ? 2 : 0);
	else if (rc == 0)
		print_text(&st);
	clnt_freeres(c->cl, (xdrproc_t)xdr_dstm_client_status, (caddr_t)&st);
	return rc;
}

const struct dstmctl_cmd rpcdctl_cmds[] = {
	{ "status", run, CMD_RPCD, "", "show rpcd's state, lease and counters",
	    .proc = RPCD_STATUS },
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
