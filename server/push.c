/* push.c - bindings from rpcdstmd to standalone gateways; see push.h.
 *
 * Shared between the event loop (the hooks) and the pusher threads, under
 * push.lock: the mirror table, the generation, each gateway's queue and
 * its connected/need_sync flags.  Everything else of a pusher (its RPC
 * client, its timers) belongs to its thread alone. */
#include "server/push.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/log.h"
#include "rpc/status.h"
#include "common/binding.h"
#include "rpc/dstm.h"
#include "server/server.h"

#define PUSH_RETRY_MS		200	/* connect timeout and probe period */
#define PUSH_CALL_MS		1000	/* one call, and a blocked send */
#define PUSH_PROBE_MS		1000	/* GENERATION on an idle connection */
#define PUSH_BACKOFF_MAX_MS	5000	/* a gateway that refuses us */
#define PUSH_QUEUE_MAX		65536	/* beyond, a SYNC says it all */

struct push_item {
	uint64_t	gen;		/* the generation this change makes */
	struct in6_addr	client;
	uint32_t	addr;
	int64_t		expires;
	bool		bind;
};

struct push;

struct pusher {
	struct push		*p;
	struct sockaddr_in6	 sa;
	char			 name[ADDR_STRLEN + 16];	/* [a]:port */
	pthread_t		 thread;
	bool			 started;
	int			 wake_fd;
	/* under p->lock */
	struct push_item	*q;		/* ring */
	size_t			 q_head, q_len, q_cap;
	bool			 connected;	/* the hooks queue only then */
	bool			 need_sync;
	/* the thread's own */
	CLIENT			*cl;
	uint64_t		 acked;		/* its generation, confirmed */
	int			 backoff_ms;
	bool			 down_logged;
	struct loglimit		 rl;
};

struct push {
	struct sockaddr_in6	 src;		/* our side: the listen address */
	pthread_mutex_t		 lock;
	bool			 stop;
	uint64_t		 generation;
	struct binding_table	 table;		/* what gateways should hold */
	struct pusher		*w;
	unsigned		 n;
};

static struct push *the_push;

/* ---- the queue (under p->lock) ---- */

static void
q_clear(struct pusher *w)
{
	w->q_head = w->q_len = 0;
}

static int
q_push(struct pusher *w, const struct push_item *it)
{
	struct push_item *n;
	size_t cap;

	if (w->q_len == w->q_cap) {
		cap = w->q_cap ? w->q_cap * 2 : 64;
		if ((n = calloc(cap, sizeof(*n))) == NULL)
			return -ENOMEM;
		for (size_t i = 0; i < w->q_len; i++)
			n[i] = w->q[(w->q_head + i) % w->q_cap];
		free(w->q);
		w->q = n;
		w->q_cap = cap;
		w->q_head = 0;
	}
	w->q[(w->q_head + w->q_len) % w->q_cap] = *it;
	w->q_len++;
	return 0;
}

static void
wake(struct pusher *w)
{
	uint64_t one = 1;

	if (write(w->wake_fd, &one, sizeof(one)) != sizeof(one) &&
	    errno != EAGAIN)
		log_warn("push: wake");
}

/* A change to the mirror: number it and queue it for every connected
 * gateway; a disconnected one gets the whole table when it is back. */
static void
enqueue(struct push *p, bool bind, uint32_t addr,
    const struct in6_addr *client, int64_t expires)
{
	struct push_item it = {
		.gen = ++p->generation, .client = *client, .addr = addr,
		.expires = expires, .bind = bind,
	};

	for (unsigned i = 0; i < p->n; i++) {
		struct pusher *w = &p->w[i];

		if (!w->connected || w->need_sync)
			continue;	/* the coming SYNC carries it */
		if (w->q_len >= PUSH_QUEUE_MAX || q_push(w, &it) != 0) {
			q_clear(w);
			w->need_sync = true;
		}
	}
}

/* ---- the hooks, called by the event loop after a durable change ---- */

static int
op_bind(void *arg, uint32_t addr, const struct in6_addr *client,
    int64_t expires)
{
	struct push *p = arg;
	struct binding *old;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	old = binding_lookup4(&p->table, addr, 0);
	if (old != NULL && memcmp(&old->client, client, sizeof(*client)) == 0 &&
	    old->expires == expires)
		goto out;	/* a retransmitted ALLOC: nothing new */
	/* the address may have moved to another client, as at the gateway */
	if ((rc = binding_set_whole(&p->table, addr, client, expires,
	    NULL)) == 0)
		enqueue(p, true, addr, client, expires);
out:
	pthread_mutex_unlock(&p->lock);
	if (rc != 0) {
		srv->counters[C_GW_ERRORS]++;
		log_warnx("gateway: cannot record binding: %s", strerror(-rc));
		return rc;
	}
	for (unsigned i = 0; i < p->n; i++)
		wake(&p->w[i]);
	return 0;
}

static void
op_unbind(void *arg, uint32_t addr, const struct in6_addr *client)
{
	struct push *p = arg;
	struct binding gone;
	bool changed;

	pthread_mutex_lock(&p->lock);
	changed = binding_unset_whole(&p->table, addr, client, &gone) == 0;
	if (changed)
		enqueue(p, false, addr, &gone.client, 0);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; changed && i < p->n; i++)
		wake(&p->w[i]);
}

/* ---- a pusher thread ---- */

static bool
stopping(struct pusher *w)
{
	bool stop;

	pthread_mutex_lock(&w->p->lock);
	stop = w->p->stop;
	pthread_mutex_unlock(&w->p->lock);
	return stop;
}

static void
drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

/* Sleep ms, or until push_close. */
static void
pause_ms(struct pusher *w, int ms)
{
	int64_t end = clock_mono_ms() + ms;
	struct pollfd pfd = { .fd = w->wake_fd, .events = POLLIN };
	int left;

	while ((left = (int)(end - clock_mono_ms())) > 0 && !stopping(w)) {
		if (poll(&pfd, 1, left) > 0)
			drain(w->wake_fd);
	}
}

static void
disconnect(struct pusher *w, const char *why)
{
	if (w->cl != NULL) {
		log_warning("gateway %s: connection lost (%s); resync when "
		    "back", w->name, why);
		clnt_destroy(w->cl);	/* closes the socket */
		w->cl = NULL;
	}
	pthread_mutex_lock(&w->p->lock);
	w->connected = false;
	w->need_sync = true;
	q_clear(w);
	pthread_mutex_unlock(&w->p->lock);
}

/* Non-blocking connect with a deadline; then a blocking socket whose
 * sends give up after PUSH_CALL_MS, so a stalled gateway cannot hold the
 * thread (or push_close) for long. */
static int
connect_to(struct pusher *w)
{
	struct timeval tv = { PUSH_CALL_MS / 1000, PUSH_CALL_MS % 1000 * 1000 };
	struct pollfd pfd = { .events = POLLOUT };
	struct netbuf nb = { sizeof(w->sa), sizeof(w->sa), &w->sa };
	socklen_t len = sizeof(int);
	int fd, err = 0, rc;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	pfd.fd = fd;
	/* from the address the gateway's [servers] allow names */
	if (!IN6_IS_ADDR_UNSPECIFIED(&w->p->src.sin6_addr) && bind(fd,
	    (struct sockaddr *)&w->p->src, sizeof(w->p->src)) != 0) {
		err = errno;
		goto fail;
	}
	if (connect(fd, (struct sockaddr *)&w->sa, sizeof(w->sa)) != 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto fail;
		}
		while ((rc = poll(&pfd, 1, PUSH_RETRY_MS)) < 0 && errno == EINTR)
			;
		if (rc <= 0) {
			err = rc == 0 ? ETIMEDOUT : errno;
			goto fail;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
			err = errno;
		if (err != 0)
			goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		err = errno;
		goto fail;
	}
	if ((w->cl = clnt_vc_create(fd, &nb, DSTM_GW_PROG, DSTM_GW_V1, 0,
	    0)) == NULL) {
		err = ENOMEM;
		goto fail;
	}
	clnt_control(w->cl, CLSET_FD_CLOSE, NULL);
	clnt_control(w->cl, CLSET_TIMEOUT, (char *)&tv);
	pthread_mutex_lock(&w->p->lock);
	w->connected = true;
	w->need_sync = true;
	q_clear(w);
	pthread_mutex_unlock(&w->p->lock);
	w->down_logged = false;
	log_debug("gateway %s: connected", w->name);
	return 0;
fail:
	close(fd);
	if (!w->down_logged)
		log_warnx("gateway %s: cannot connect: %s; retrying every "
		    "%d ms", w->name, strerror(err), PUSH_RETRY_MS);
	w->down_logged = true;
	return -err;
}

/* The gateway answered, but not with what we wanted: try again later,
 * with the whole table. */
static void
refused(struct pusher *w, const char *what, dstm_status st)
{
	log_limited(&w->rl, LOG_LVL_ERR, "gateway %s: %s refused: %s%s",
	    w->name, what,
		    dstm_status_msg(st), st == DSTM_DENIED ? " (add this "
		    "server to its [servers] allow)" : "");
	pthread_mutex_lock(&w->p->lock);
	w->need_sync = true;
	q_clear(w);
	pthread_mutex_unlock(&w->p->lock);
	pause_ms(w, w->backoff_ms);
	w->backoff_ms = w->backoff_ms * 2 > PUSH_BACKOFF_MAX_MS ?
	    PUSH_BACKOFF_MAX_MS : w->backoff_ms * 2;
}

static void
wire_binding(const struct binding *b, dstm_binding *o)
{
	memset(o, 0, sizeof(*o));
	memcpy(o->client, &b->client, sizeof(o->client));
	addr4_to_bytes(b->addr4, (uint8_t *)o->addr);
	o->port_min = b->port_min;
	o->port_max = b->port_max;
	o->expires = b->expires;
}

/* The whole mirror in chunks: 0, -EIO (disconnected), -EPROTO (refused,
 * paused), -ENOMEM (paused) or -ECANCELED (push_close). */
static int
send_sync(struct pusher *w)
{
	struct push *p = w->p;
	dstm_binding *v = NULL;
	dstm_sync_args a;
	dstm_gw_reply r;
	enum clnt_stat cs;
	size_t n, off = 0;
	uint64_t gen;
	int64_t t0 = clock_mono_ms();

	/* the table and its generation, at one instant; every queued change
	 * is in it */
	pthread_mutex_lock(&p->lock);
	n = binding_count(&p->table);
	if (n > 0 && (v = calloc(n, sizeof(*v))) == NULL) {
		pthread_mutex_unlock(&p->lock);
		log_warnx("gateway %s: SYNC: out of memory", w->name);
		pause_ms(w, PUSH_BACKOFF_MAX_MS);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		wire_binding(binding_at(&p->table, i), &v[i]);
	gen = p->generation;
	w->need_sync = false;
	q_clear(w);
	pthread_mutex_unlock(&p->lock);

	memset(&r, 0, sizeof(r));
	do {
		size_t k = n - off > DSTM_MAX_SYNC_CHUNK ? DSTM_MAX_SYNC_CHUNK :
		    n - off;

		memset(&a, 0, sizeof(a));
		a.generation = gen;
		a.total = (u_int)n;
		a.offset = (u_int)off;
		a.bindings.bindings_len = (u_int)k;
		a.bindings.bindings_val = v + off;
		if ((cs = dstmgw_sync_1(&a, &r, w->cl)) != RPC_SUCCESS) {
			free(v);
			disconnect(w, clnt_sperrno(cs));
			return -EIO;
		}
		if (r.status != DSTM_OK) {
			free(v);
			refused(w, "SYNC", r.status);
			return -EPROTO;
		}
		off += k;
	} while (off < n && !stopping(w));
	free(v);
	if (off < n)
		return -ECANCELED;	/* stopping */
	if (r.generation != gen) {
		refused(w, "SYNC (generation not taken)", DSTM_GATEWAY_ERROR);
		return -EPROTO;
	}
	w->backoff_ms = PUSH_RETRY_MS;
	w->acked = gen;
	log_info("gateway %s: synced %zu binding%s, generation %llu (%lld ms)",
	    w->name, n, n == 1 ? "" : "s", (unsigned long long)gen,
	    (long long)(clock_mono_ms() - t0));
	return 0;
}

/* One queued change: 0, -EIO (disconnected) or -EPROTO (refused,
 * paused). */
static int
send_item(struct pusher *w, const struct push_item *it)
{
	dstm_bind_args a;
	dstm_gw_reply r;
	enum clnt_stat cs;
	char a4[ADDR_STRLEN];

	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	a.generation = it->gen;
	memcpy(a.b.client, &it->client, sizeof(a.b.client));
	addr4_to_bytes(it->addr, (uint8_t *)a.b.addr);
	a.b.port_min = BINDING_PORT_ALL_MIN;
	a.b.port_max = BINDING_PORT_ALL_MAX;
	a.b.expires = it->expires;
	cs = it->bind ? dstmgw_bind_1(&a, &r, w->cl) :
	    dstmgw_unbind_1(&a, &r, w->cl);
	if (cs != RPC_SUCCESS) {
		disconnect(w, clnt_sperrno(cs));
		return -EIO;
	}
	if (r.status == DSTM_DENIED || r.status == DSTM_GATEWAY_ERROR ||
	    r.status == DSTM_INTERNAL) {
		refused(w, it->bind ? "BIND" : "UNBIND", r.status);
		return -EPROTO;
	}
	if (r.status != DSTM_OK)
		/* a binding it will never take (its pools differ from ours?) */
		log_limited(&w->rl, LOG_LVL_ERR, "gateway %s: %s %s refused: "
		    "%s", w->name, it->bind ?
		    "BIND" : "UNBIND", addr4_ntop(it->addr, a4, sizeof(a4)),
		    dstm_status_msg(r.status));
	pthread_mutex_lock(&w->p->lock);
	/* done, unless the queue was reset meanwhile */
	if (w->q_len > 0 && w->q[w->q_head].gen == it->gen) {
		w->q_head = (w->q_head + 1) % w->q_cap;
		w->q_len--;
	}
	if (r.generation == it->gen)
		w->acked = it->gen;
	else if (!w->need_sync) {
		log_debug("gateway %s: at generation %llu, not %llu: SYNC",
		    w->name, (unsigned long long)r.generation,
		    (unsigned long long)it->gen);
		w->need_sync = true;
		q_clear(w);
	}
	pthread_mutex_unlock(&w->p->lock);
	return 0;
}

/* Nothing to send: wait for work, watching the connection.  Every
 * PUSH_PROBE_MS ask for the gateway's generation: it finds a gateway that
 * vanished without closing the connection, and one whose table drifted
 * (a late request from an abandoned connection, a foreign SYNC). */
static void
idle(struct pusher *w)
{
	struct pollfd pfd[2] = {
		{ .fd = w->wake_fd, .events = POLLIN },
		{ .fd = -1, .events = POLLIN | POLLRDHUP },
	};
	dstm_gw_reply r;
	enum clnt_stat cs;
	int fd, n;

	if (clnt_control(w->cl, CLGET_FD, (char *)&fd))
		pfd[1].fd = fd;
	if ((n = poll(pfd, 2, PUSH_PROBE_MS)) < 0)
		return;
	if (pfd[0].revents & POLLIN)
		drain(w->wake_fd);
	if (pfd[1].revents != 0) {
		/* nothing is due from an idle gateway: EOF or reset */
		disconnect(w, "closed by the gateway");
		return;
	}
	if (n > 0)
		return;
	memset(&r, 0, sizeof(r));
	/* the stub's 25 s give way to our CLSET_TIMEOUT */
	if ((cs = dstmgw_generation_1(NULL, &r, w->cl)) != RPC_SUCCESS) {
		disconnect(w, clnt_sperrno(cs));
		return;
	}
	if (r.status != DSTM_OK) {
		refused(w, "GENERATION", r.status);
		return;
	}
	if (r.generation == w->acked)
		return;
	log_info("gateway %s: at generation %llu, not %llu: resync", w->name,
	    (unsigned long long)r.generation, (unsigned long long)w->acked);
	pthread_mutex_lock(&w->p->lock);
	w->need_sync = true;
	q_clear(w);
	pthread_mutex_unlock(&w->p->lock);
}

static void *
pusher_main(void *arg)
{
	struct pusher *w = arg;
	struct push_item it;
	bool sync, have;

	while (!stopping(w)) {
		int64_t t0 = clock_mono_ms();

		if (w->cl == NULL && connect_to(w) != 0) {
			/* a probe every PUSH_RETRY_MS, however it failed */
			pause_ms(w, PUSH_RETRY_MS -
			    (int)(clock_mono_ms() - t0));
			continue;
		}
		pthread_mutex_lock(&w->p->lock);
		sync = w->need_sync;
		if ((have = !sync && w->q_len > 0))
			it = w->q[w->q_head];
		pthread_mutex_unlock(&w->p->lock);
		if (sync)
			send_sync(w);
		else if (have)
			send_item(w, &it);
		else
			idle(w);
	}
	if (w->cl != NULL) {
		clnt_destroy(w->cl);
		w->cl = NULL;
	}
	return NULL;
}

/* ---- open, close ---- */

static void
push_free(struct push *p)
{
	for (unsigned i = 0; i < p->n; i++) {
		if (p->w[i].wake_fd >= 0)
			close(p->w[i].wake_fd);
		free(p->w[i].q);
	}
	free(p->w);
	binding_table_free(&p->table);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static int
seed(struct push *p, const struct lease_table *t)
{
	struct binding b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.port_min = BINDING_PORT_ALL_MIN;
	b.port_max = BINDING_PORT_ALL_MAX;
	for (uint32_t i = 0; i < t->size; i++) {
		const struct lease_slot *sl = &t->slots[i];

		if (sl->state != LEASE_BOUND && sl->state != LEASE_STATIC)
			continue;
		b.client = sl->client;
		b.addr4 = lease_addr(t, i);
		b.expires = sl->expires;
		if ((rc = binding_add(&p->table, &b)) != 0)
			return rc;
	}
	return 0;
}

static void
stop_threads(struct push *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].started) {
			wake(&p->w[i]);
			pthread_join(p->w[i].thread, NULL);
			p->w[i].started = false;
		}
}

int
push_open(struct server *s)
{
	const struct server_conf *c = &s->conf;
	struct timespec ts;
	struct push *p;
	char a[ADDR_STRLEN];
	int rc;

	if (c->n_remote == 0)
		return 0;
	if (s->gw.bind != NULL || (p = calloc(1, sizeof(*p))) == NULL)
		return s->gw.bind != NULL ? -EBUSY : -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	p->src.sin6_family = AF_INET6;
	for (unsigned i = 0; i < c->n_listen; i++)
		if (!IN6_IS_ADDR_UNSPECIFIED(&c->listen[i])) {
			p->src.sin6_addr = c->listen[i];
			break;
		}
	/* from the clock: a restarted server never repeats a generation
	 * that a gateway may still hold from its previous run */
	clock_gettime(CLOCK_REALTIME, &ts);
	p->generation = (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec /
	    1000;
	if ((rc = binding_table_init(&p->table, s->leases.bound.count +
	    s->leases.n_static)) != 0 || (rc = seed(p, &s->leases)) != 0) {
		push_free(p);
		return rc;
	}
	if ((p->w = calloc(c->n_remote, sizeof(*p->w))) == NULL) {
		push_free(p);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < c->n_remote; i++) {
		struct pusher *w = &p->w[i];

		w->p = p;
		w->sa.sin6_family = AF_INET6;
		w->sa.sin6_addr = c->remote[i].addr;
		w->sa.sin6_port = htons((uint16_t)c->remote[i].port);
		snprintf(w->name, sizeof(w->name), "[%s]:%u",
		    addr6_ntop(&c->remote[i].addr, a, sizeof(a)),
		    c->remote[i].port);
		w->need_sync = true;
		w->backoff_ms = PUSH_RETRY_MS;
		loglimit_init(&w->rl, "gateway refusals", 60000, 5);
		p->n++;
		if ((w->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
			rc = -errno;
			push_free(p);
			return rc;
		}
	}
	for (unsigned i = 0; i < p->n; i++) {
		if ((rc = pthread_create(&p->w[i].thread, NULL, pusher_main,
		    &p->w[i])) != 0) {
			stop_threads(p);
			push_free(p);
			return -rc;
		}
		p->w[i].started = true;
	}
	s->gw.bind = op_bind;
	s->gw.unbind = op_unbind;
	s->gw.arg = p;
	the_push = p;
	log_info("gateway: standalone, pushing %zu bindings to %u gateway%s "
	    "(generation %llu)", binding_count(&p->table), p->n,
	    p->n == 1 ? "" : "s", (unsigned long long)p->generation);
	return 0;
}

void
push_close(struct server *s)
{
	struct push *p = the_push;

	if (p == NULL)
		return;
	if (s->gw.arg == p)
		memset(&s->gw, 0, sizeof(s->gw));
	stop_threads(p);
	push_free(p);
	the_push = NULL;
}
