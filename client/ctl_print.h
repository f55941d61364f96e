/* ctl_print.h - dstmctl's output: aligned tables for people, one JSON
 * object per command for scripts.  Every JSON object starts with
 * "command", "status" (a dstm_status name) and "code" (its number). */
#ifndef DSTM_CLIENT_CTL_PRINT_H
#define DSTM_CLIENT_CTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dstm_lease_list;
struct dstm_pool_info;
struct dstm_stats;
struct dstm_msg_reply;
struct dstm_lease;
struct dstm_info;
struct dstm_client_status;

struct out {
	const char	*cmd;		/* the subcommand, for "command" */
	int		 json;		/* 0 text, 1 JSON, 2 indented JSON */
};

/* Functions return 0, or -1 when stdout could not be written. */

/* A refusal as JSON {"command","status","code","message"[,"detail"],
 * "error"}; writes nothing in text mode (the caller prints to stderr). */
int print_refusal(const struct out *o, int status, const char *detail);
/* Any other failure under -j: {"command","status": type,"code": null,
 * "error": {"type","message","exit_code"}}; type is "usage",
 * "unreachable" or "output".  Nothing in text mode. */
int print_error(const struct out *o, const char *type, const char *msg,
	int exit_code);

/* `more`: the list stops before the end; `next` (or NULL) the address
 * to ask from for the rest. */
int print_leases(const struct out *o, const struct dstm_lease_list *l,
	bool more, const char *next);
int print_pool(const struct out *o, const struct dstm_pool_info *p);
int print_stats(const struct out *o, const struct dstm_stats *s);
int print_msg(const struct out *o, const struct dstm_msg_reply *m);
int print_lease(const struct out *o, const struct dstm_lease *l);
/* The same with the lease key (hex) that renews and releases it. */
int print_lease_key(const struct out *o, const struct dstm_lease *l,
	const char *key);
int print_released(const struct out *o, const char *addr);
int print_info(const struct out *o, const struct dstm_info *in);
int print_ping(const struct out *o, const char *peer, int64_t rtt_us);
int print_config(const struct out *o, const char *text);
/* rpcd's status; `state` is the client state's name */
int print_client_status(const struct out *o,
	const struct dstm_client_status *st, const char *state);
enum metrics_fmt {
	METRICS_NONE,
	/* OpenMetrics 1.0: a counter family "x" has samples "x_total";
	 * ends with "# EOF" */
	METRICS_OPENMETRICS,
	/* the Prometheus text format 0.0.4 that node_exporter's textfile
	 * collector reads: HELP and TYPE name the sample ("x_total") */
	METRICS_PROMETHEUS,
};

/* The counters and gauges of a stats reply, and the pool's gauges when p
 * is not NULL, every sample labelled daemon="DAEMON". */
int print_openmetrics(const struct dstm_stats *s,
	const struct dstm_pool_info *p, const char *daemon,
	enum metrics_fmt fmt);

/* "45s", "59m58s", "1h0m0s", "2d3h4m5s"; negative counts as 0. */
const char *fmt_duration(int64_t secs, char *buf, size_t len);
/* A string from the server made safe for a terminal: control characters
 * and invalid UTF-8 as \xNN.  buf needs 4 * strlen(s) + 1 bytes to hold
 * all of it; longer strings are cut. */
const char *text_clean(const char *s, char *buf, size_t len);
/* "812 B", "1.5 KiB", "3.0 GiB" */
const char *fmt_bytes(uint64_t n, char *buf, size_t len);

#endif
