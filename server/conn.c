/* conn.c - see conn.h */
#include "server/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <rpc/rpc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/fdset.h"
#include "common/log.h"
#include "server/pfxcount.h"

struct conn {
	int64_t		 last_ms;	/* accepted, or its last request */
	uint64_t	 prefix;	/* source /64 (has_prefix) */
	uint32_t	 gen;		/* the last scan that saw it */
	int		 pos;		/* index in live[] */
	bool		 used;
	bool		 has_prefix;
};

static struct conn_limits lim;
static struct conn *tab;	/* by descriptor */
static int tab_len;
static int *live;		/* the tracked descriptors, dense */
static int n_live, live_cap;
static struct pfxcount pfx;	/* connections per source /64 */
static uint32_t gen;
static int null_fd = -1;
static int ep_fd = -1;
static unsigned cap_all;
static int64_t last_expire;
static uint64_t n_idle, n_refused, n_evicted;
static struct loglimit rl_refused, rl_evicted;

int
conn_setup(const struct conn_limits *l, int epfd)
{
	uint64_t seed;

	lim = *l;
	ep_fd = epfd;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)getpid() * 0x9e3779b97f4a7c15ull;
	pfxcount_init(&pfx, seed);
	loglimit_init(&rl_refused, "connections refused", 60000, 5);
	loglimit_init(&rl_evicted, "connections closed for room", 60000, 5);
	if (null_fd < 0 &&
	    (null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

/* ---- the table ---- */

static bool
tab_fit(int fd)
{
	struct conn *t;
	int n;

	if (fd < tab_len)
		return true;
	n = fd + 1024;
	if ((t = realloc(tab, (size_t)n * sizeof(*t))) == NULL)
		return false;
	memset(t + tab_len, 0, (size_t)(n - tab_len) * sizeof(*t));
	tab = t;
	tab_len = n;
	return true;
}

static void
forget(int fd)
{
	struct conn *c = &tab[fd];
	int last;

	if (!c->used)
		return;
	if (c->has_prefix)
		pfxcount_dec(&pfx, c->prefix);
	last = live[--n_live];
	live[c->pos] = last;
	tab[last].pos = c->pos;
	memset(c, 0, sizeof(*c));
}

/* /dev/null under the descriptor, then libtirpc reads end of file and
 * destroys its transport (closing the descriptor); the socket went with
 * the dup2, unread requests and all */
static void
kill_transport(int fd)
{
	if (dup3(null_fd, fd, O_CLOEXEC) < 0) {
		log_warn("closing connection %d", fd);
		return;
	}
	svc_getreq_common(fd);
}

/* A transport seen for the first time: false when over its cap. */
static bool
adopt(int fd, int64_t now_ms)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct conn *c = &tab[fd];
	uint64_t key = 0;
	bool has = false;
	int *l;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_INET6) {
		/* the first 64 bits: CONN_PREFIX_LEN */
		memcpy(&key, &((struct sockaddr_in6 *)&ss)->sin6_addr,
		    sizeof(key));
		has = true;
		if (lim.per_prefix != 0 &&
		    pfxcount_get(&pfx, key) >= lim.per_prefix)
			return false;
	}
	if (n_live == live_cap) {
		int nc = live_cap ? live_cap * 2 : 1024;

		if ((l = reallocarray(live, (size_t)nc, sizeof(*l))) == NULL)
			return true;	/* untracked, but served */
		live = l;
		live_cap = nc;
	}
	if (has && !pfxcount_inc(&pfx, key))
		return true;
	if (ep_fd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

		if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) != 0 &&
		    errno != EEXIST)
			log_warn("epoll: connection %d", fd);
	}
	c->used = true;
	c->has_prefix = has;
	c->prefix = key;
	c->last_ms = now_ms;
	c->pos = n_live;
	live[n_live++] = fd;
	return true;
}

void
conn_scan(const struct pollfd *svc, int n, const struct fdset *own,
    int64_t now_ms)
{
	int *refuse = NULL, n_refuse = 0;

	gen++;
	for (int i = 0; i < n; i++) {
		int fd = svc[i].fd;

		if (fd < 0 || fdset_has(own, fd) || !tab_fit(fd))
			continue;
		if (!tab[fd].used && !adopt(fd, now_ms)) {
			int *r = reallocarray(refuse, (size_t)n_refuse + 1,
			    sizeof(*r));

			if (r != NULL) {
				refuse = r;
				refuse[n_refuse++] = fd;
			}
			continue;
		}
		tab[fd].gen = gen;
	}
	/* what libtirpc closed since the last scan */
	for (int k = n_live - 1; k >= 0; k--)
		if (tab[live[k]].gen != gen)
			forget(live[k]);
	for (int k = 0; k < n_refuse; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct in6_addr a;
		char buf[ADDR_STRLEN] = "?";

		n_refused++;
		if (getpeername(refuse[k], (struct sockaddr *)&ss, &sl) == 0 &&
		    addr6_from_sockaddr(&ss, sl, &a))
			addr6_ntop(&a, buf, sizeof(buf));
		log_limited(&rl_refused, LOG_LVL_WARNING, "connection from %s "
		    "refused: its /%d holds %u connections (-c; %llu refused "
		    "so far)", buf, CONN_PREFIX_LEN, lim.per_prefix,
		    (unsigned long long)n_refused);
		kill_transport(refuse[k]);
	}
	free(refuse);
}

void
conn_set_cap(unsigned max)
{
	cap_all = max;
}

void
conn_make_room(unsigned pending)
{
	int64_t oldest = INT64_MAX;
	int victim = -1;

	if (cap_all == 0 || (unsigned)n_live + pending < cap_all)
		return;
	for (int k = 0; k < n_live; k++)
		if (tab[live[k]].last_ms < oldest) {
			oldest = tab[live[k]].last_ms;
			victim = live[k];
		}
	if (victim < 0)
		return;
	n_evicted++;
	log_limited(&rl_evicted, LOG_LVL_WARNING, "%u connections open: "
	    "closing the least recently active to accept a new one (%llu so "
	    "far)", cap_all, (unsigned long long)n_evicted);
	forget(victim);
	kill_transport(victim);
}

void
conn_active(int fd, int64_t now_ms)
{
	if (fd >= 0 && fd < tab_len && tab[fd].used)
		tab[fd].last_ms = now_ms;
}

void
conn_expire(int64_t now_ms)
{
	int64_t limit = (int64_t)lim.idle_s * 1000;
	unsigned n = 0;

	log_limited_flush(&rl_refused, LOG_LVL_WARNING);
	log_limited_flush(&rl_evicted, LOG_LVL_WARNING);
	if (lim.idle_s == 0 || now_ms - last_expire < 1000)
		return;
	last_expire = now_ms;
	for (int k = n_live - 1; k >= 0; k--) {
		int fd = live[k];

		if (now_ms - tab[fd].last_ms <= limit)
			continue;
		forget(fd);	/* moves an entry already seen to k */
		kill_transport(fd);
		n++;
	}
	if (n > 0) {
		n_idle += n;
		log_debug("closed %u connection%s idle for %us", n,
		    n == 1 ? "" : "s", lim.idle_s);
	}
}

void
conn_counters(void (*fn)(void *arg, const char *name, uint64_t v), void *arg)
{
	fn(arg, "connections.open", (uint64_t)n_live);
	fn(arg, "connections.closed_idle", n_idle);
	fn(arg, "connections.refused_per_prefix", n_refused);
	fn(arg, "connections.evicted", n_evicted);
}

void
conn_free(void)
{
	free(tab);
	free(live);
	pfxcount_free(&pfx);
	tab = NULL;
	live = NULL;
	tab_len = n_live = live_cap = 0;
	if (null_fd >= 0)
		close(null_fd);
	null_fd = -1;
}
