/* cli.c - dstmctl's failures, the same for the server's, the gateway's
 * and rpcd's commands: a line on stderr, and under -j one JSON object on
 * stdout (client/ctl_print.h print_error). */
#include "client/dstmctl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
dstmctl_cmd_usage(FILE *fp, const struct dstmctl_cmd *cmd)
{
	fprintf(fp, "Usage: dstmctl [options]%s %s%s%s\n",
	    cmd->kind == CMD_NET ? " -S SERVER" : "", cmd->name,
	    *cmd->args ? " " : "", cmd->args);
}

int
dstmctl_usage_error(struct dstmctl *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "dstmctl: ");
	if (c->cmd != NULL)
		fprintf(stderr, "%s: ", c->cmd->name);
	fprintf(stderr, "%s\n", msg);
	if (c->cmd != NULL)
		dstmctl_cmd_usage(stderr, c->cmd);
	else
		fprintf(stderr, "Try 'dstmctl -h' for help.\n");
	print_error(&c->out, "usage", msg, DSTMCTL_EXIT_USAGE);
	return DSTMCTL_EXIT_USAGE;
}

int
dstmctl_fail(struct dstmctl *c, const char *type, int exit_code,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "dstmctl: %s\n", msg);
	print_error(&c->out, type, msg, exit_code);
	return exit_code;
}

int
dstmctl_format(struct dstmctl *c, const char *fmt)
{
	if (strcmp(fmt, "text") == 0) {
		c->out.json = 0;
		c->om = METRICS_NONE;
	} else if (strcmp(fmt, "json") == 0) {
		if (c->out.json == 0)
			c->out.json = 1;
		c->om = METRICS_NONE;
	} else if (strcmp(fmt, "openmetrics") == 0 && c->cmd->om) {
		c->out.json = 0;
		c->om = METRICS_OPENMETRICS;
	} else if (strcmp(fmt, "prometheus") == 0 && c->cmd->om) {
		c->out.json = 0;
		c->om = METRICS_PROMETHEUS;
	} else {
		return dstmctl_usage_error(c, "-o '%s': text, json%s", fmt,
		    c->cmd->om ? ", openmetrics or prometheus" : "");
	}
	return 0;
}
