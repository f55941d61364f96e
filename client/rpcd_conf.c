/* rpcd_conf.c - parse and print rpcd.conf. */
#include "client/rpcd_conf.h"

#include <string.h>

#include "common/conf.h"

void
rpcd_conf_defaults(struct rpcd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = 7545;
	snprintf(c->ifname, sizeof(c->ifname), "dti0");
	c->idle_time = RPCD_DEFAULT_IDLE;
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
	    RPCD_DEFAULT_CONTROL);
	snprintf(c->pid_file, sizeof(c->pid_file), "%s", RPCD_DEFAULT_PIDFILE);
}

static int
set_path(char *dst, size_t len, const char *v, const struct conf_file *cf,
    const struct conf_entry *e, char *err, size_t errlen)
{
	if (v[0] != '/' || strlen(v) >= len)
		return conf_err(err, errlen, cf, e, "%s: expected an absolute "
		    "path shorter than %zu characters", e->key, len);
	snprintf(dst, len, "%s", v);
	return 0;
}

static int
apply(struct rpcd_conf *c, const struct conf_file *cf,
    const struct conf_entry *e, char *err, size_t errlen)
{
	const char *v = e->value, *why = NULL;
	uint32_t u;

	if (strcmp(e->section, "client") != 0)
		return conf_err(err, errlen, cf, e, "unknown section [%s]",
		    e->section);
	if (strcmp(e->key, "server") == 0) {
		if (strlen(v) >= sizeof(c->server))
			return conf_err(err, errlen, cf, e, "server: too long");
		snprintf(c->server, sizeof(c->server), "%s", v);
	} else if (strcmp(e->key, "port") == 0) {
		if (!conf_parse_u32(v, 0, 65535, &u, &why))
			return conf_err(err, errlen, cf, e, "port: expected "
			    "0 (ask rpcbind) or 1-65535, got '%s'", v);
		c->port = (uint16_t)u;
	} else if (strcmp(e->key, "source") == 0) {
		if (!addr6_parse(v, &c->source, &why))
			return conf_err(err, errlen, cf, e, "source: %s: '%s'",
			    why, v);
	} else if (strcmp(e->key, "ifname") == 0) {
		if (strlen(v) >= sizeof(c->ifname) || strchr(v, '/') != NULL)
			return conf_err(err, errlen, cf, e, "ifname: expected "
			    "an interface name of at most 15 characters");
		snprintf(c->ifname, sizeof(c->ifname), "%s", v);
	} else if (strcmp(e->key, "mode") == 0) {
		if (strcmp(v, "always") == 0)
			c->ondemand = false;
		else if (strcmp(v, "ondemand") == 0)
			c->ondemand = true;
		else
			return conf_err(err, errlen, cf, e, "mode: expected "
			    "always or ondemand, got '%s'", v);
	} else if (strcmp(e->key, "idle-time") == 0) {
		if (!conf_parse_duration(v, 1, 7 * 86400, &c->idle_time, &why))
			return conf_err(err, errlen, cf, e, "idle-time: %s, "
			    "got '%s'", why, v);
	} else if (strcmp(e->key, "route") == 0) {
		if (c->n_routes >= RPCD_MAX_ROUTES)
			return conf_err(err, errlen, cf, e, "route: at most %d",
			    RPCD_MAX_ROUTES);
		if (!prefix4_parse(v, &c->routes[c->n_routes], &why))
			return conf_err(err, errlen, cf, e, "route: %s: '%s'",
			    why, v);
		c->n_routes++;
	} else if (strcmp(e->key, "control-socket") == 0) {
		return set_path(c->control_socket, sizeof(c->control_socket),
		    v, cf, e, err, errlen);
	} else if (strcmp(e->key, "pid-file") == 0) {
		return set_path(c->pid_file, sizeof(c->pid_file), v, cf, e,
		    err, errlen);
	} else {
		return conf_err(err, errlen, cf, e, "unknown key '%s' in "
		    "[client]", e->key);
	}
	return 0;
}

int
rpcd_conf_load(const char *path, struct rpcd_conf *c, char *err,
    size_t errlen)
{
	struct conf_file cf;
	int rc = 0;

	rpcd_conf_defaults(c);
	if (conf_load(path, &cf, err, errlen) != 0)
		return -1;
	for (size_t i = 0; i < cf.n && rc == 0; i++)
		rc = apply(c, &cf, &cf.entries[i], err, errlen);
	if (rc == 0 && c->port == 0 && !IN6_IS_ADDR_UNSPECIFIED(&c->source))
		rc = conf_err(err, errlen, &cf, NULL, "source needs a fixed "
		    "port (port = 0 asks rpcbind)");
	conf_free(&cf);
	return rc;
}

void
rpcd_conf_print(FILE *f, const struct rpcd_conf *c)
{
	char buf[ADDR_STRLEN], d[32];

	fprintf(f, "[client]\nserver = %s\nport = %u\nsource = %s\n"
	    "ifname = %s\nmode = %s\nidle-time = %s\n",
	    c->server[0] ? c->server : "(none)", c->port,
	    addr6_ntop(&c->source, buf, sizeof(buf)), c->ifname,
	    c->ondemand ? "ondemand" : "always",
	    conf_duration_str(c->idle_time, d, sizeof(d)));
	if (c->n_routes == 0)
		fprintf(f, "route = 0.0.0.0/0\n");
	for (unsigned i = 0; i < c->n_routes; i++)
		fprintf(f, "route = %s\n", prefix4_ntop(&c->routes[i], buf,
		    sizeof(buf)));
	fprintf(f, "control-socket = %s\npid-file = %s\n", c->control_socket,
	    c->pid_file);
}
