/* dstm_rate.c - open-loop load for rpcdstmd, perfdhcp-like: requests are
 * started at a fixed offered rate whatever the server does, each from a
 * simulated client with its own IPv6 source (PREFIX + index, a prefix
 * routed locally: ip -6 route add local PREFIX/64 dev lo; -x scrambles
 * the low 32 bits, as random interface identifiers), and a request
 * unanswered after the timeout counts as failed (perfdhcp's drop-time).
 *
 * One step per run: prints one JSON line with offered and completed rates,
 * failures and latency percentiles.  tests/bench/bench.py drives the ramp.
 *
 * Mixes:
 *   alloc   every request is an ALLOC from a client never seen before
 *           (udp: one shared socket, the source set per datagram with
 *           IPV6_PKTINFO; tcp: one connection per client, closed after
 *           the reply, so connection setup is part of the latency)
 *   renew   -n clients hold a lease (prefilled, untimed) and RENEW it
 *   mixed   -n clients cycle RENEW, RELEASE, ALLOC (one third each)
 *           renew and mixed over tcp keep one connection per client.
 *   release every request RELEASEs a lease that a client got in an
 *           untimed prefill; each client releases once, so the step
 *           prefills rate x secs (+5%) clients itself (-n is ignored;
 *           udp only: a connection per client would not scale).
 * A client has at most one request in flight; when the offered rate needs
 * a client and none is idle, the request counts as failed ("busy").
 *
 * The RPC messages are encoded by hand (lib/rpcwire.c): the generator
 * must be cheaper than the server.
 *
 * usage: dstm_rate -s SERVER6 [-p PORT] -c PREFIX6 [-ux] [-o MIX]
 *                  -r RATE [-d SECS] [-t TIMEOUT_MS] [-n CLIENTS] [-i FIRST]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "tests/bench/lib/rpcwire.h"

#define P_ALLOC		RPCWIRE_ALLOC
#define P_RENEW		RPCWIRE_RENEW
#define P_RELEASE	RPCWIRE_RELEASE
#define CALL_MAX	RPCWIRE_CALL_MAX
#define RX_MAX		256
#define BATCH		64
#define PREFILL_WINDOW	64
#define TAG_UDP		UINT64_MAX
#define NONE		UINT32_MAX

enum mix { MIX_ALLOC, MIX_RENEW, MIX_MIXED, MIX_RELEASE };

struct req {			/* one request in flight, by seq & mask */
	uint32_t	xid;
	uint32_t	client;
	int64_t		t0;	/* ns */
	uint8_t		proc;
	uint8_t		timed;	/* part of the measured step */
	uint8_t		active;
	uint8_t		cookied;	/* sent again with the cookie */
};

struct conn {			/* one tcp connection */
	int		fd;
	uint32_t	seq;	/* request in flight, NONE when idle */
	uint16_t	rxlen;
	uint8_t		txlen;	/* call waiting for connect to finish */
	uint8_t		rx[RX_MAX];
	uint8_t		tx[CALL_MAX];
};

struct client {
	uint32_t	lease;	/* host order, 0 = none */
	uint8_t		next;	/* next procedure (mixed) */
};

struct gen {
	/* options */
	struct sockaddr_in6 dst;
	struct in6_addr	base;
	enum mix	mix;
	int		udp, scramble;
	double		rate, secs;
	int64_t		timeout;	/* ns */
	uint32_t	n, first;
	/* state */
	int		ep, ufd;
	struct req	*req;
	struct conn	*conn;		/* tcp: per client, or per slot */
	struct client	*cl;
	uint32_t	*idle, idle_head, idle_count;
	uint32_t	mask, seq, old, xid_base;
	int		timing;
	/* udp send batch */
	struct mmsghdr	 mm[BATCH];
	struct iovec	 iov[BATCH];
	uint8_t		 cbuf[BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
	uint8_t		 tbuf[BATCH][CALL_MAX];
	unsigned	 nbatch;
	/* results of the measured step */
	uint64_t	sent, ok, errors, timeouts, busy, neterr, inflight;
	uint64_t	exhausted;
	uint32_t	*lat;		/* us, ok requests */
	uint64_t	nlat;
	int64_t		t_start, t_last;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Client idx speaks from PREFIX + idx + 1, or with -x from PREFIX +
 * perm(idx + 1): a bijection of the low 32 bits (random-looking, unique) */
static void
client_src(const struct gen *g, uint32_t idx, struct in6_addr *src)
{
	uint32_t x = idx + 1;

	if (g->scramble) {
		x *= 0x9e3779b1u;
		x ^= x >> 16;
		x *= 0x85ebca6bu;
		x ^= x >> 13;
	}
	*src = g->base;
	addr4_to_bytes(addr4_from_bytes(&g->base.s6_addr[12]) + x,
	    &src->s6_addr[12]);
}

static int
tcp_open(struct gen *g, uint32_t idx, int *inprogress)
{
	struct sockaddr_in6 s6;
	int fd, one = 1;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	client_src(g, idx, &s6.sin6_addr);
	if (bind(fd, (struct sockaddr *)&s6, sizeof(s6)) != 0)
		goto fail;
	*inprogress = 0;
	if (connect(fd, (struct sockaddr *)&g->dst, sizeof(g->dst)) != 0) {
		if (errno != EINPROGRESS)
			goto fail;
		*inprogress = 1;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static void
idle_push(struct gen *g, uint32_t c)
{
	g->idle[(g->idle_head + g->idle_count++) % g->n] = c;
}

static uint32_t
idle_pop(struct gen *g)
{
	uint32_t c = g->idle_count ? g->idle[g->idle_head] : NONE;

	if (c != NONE) {
		g->idle_head = (g->idle_head + 1) % g->n;
		g->idle_count--;
	}
	return c;
}

static void
udp_flush(struct gen *g)
{
	unsigned done = 0;

	while (done < g->nbatch) {
		int k = sendmmsg(g->ufd, g->mm + done, g->nbatch - done, 0);

		if (k <= 0) {
			/* counted as failures; their slots time out */
			g->neterr += g->nbatch - done;
			break;
		}
		done += (unsigned)k;
	}
	g->nbatch = 0;
}

static void
udp_queue(struct gen *g, uint32_t client, const uint8_t *call, size_t len)
{
	unsigned i = g->nbatch++;
	struct in6_pktinfo pi = { .ipi6_ifindex = 0 };
	struct msghdr *m = &g->mm[i].msg_hdr;
	struct cmsghdr *cm;

	memcpy(g->tbuf[i], call, len);
	g->iov[i] = (struct iovec){ g->tbuf[i], len };
	*m = (struct msghdr){ .msg_name = &g->dst, .msg_namelen =
	    sizeof(g->dst), .msg_iov = &g->iov[i], .msg_iovlen = 1,
	    .msg_control = g->cbuf[i], .msg_controllen = sizeof(g->cbuf[i]) };
	cm = CMSG_FIRSTHDR(m);
	*cm = (struct cmsghdr){ .cmsg_len = CMSG_LEN(sizeof(pi)),
	    .cmsg_level = IPPROTO_IPV6, .cmsg_type = IPV6_PKTINFO };
	client_src(g, client, &pi.ipi6_addr);	/* the simulated client */
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (g->nbatch == BATCH)
		udp_flush(g);
}

static void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);	/* also leaves the epoll set */
	c->fd = -1;
	c->rxlen = c->txlen = 0;
	c->seq = NONE;
}

/* The request in slot `seq` is over: ok (status, addr) or failed. */
static void
finish(struct gen *g, uint32_t seq, int answered, uint32_t status,
    uint32_t addr, int64_t now)
{
	struct req *r = &g->req[seq & g->mask];
	struct client *c = g->mix == MIX_ALLOC ? NULL : &g->cl[r->client];
	int good = answered && status == 0;

	if (r->timed) {
		g->inflight--;
		if (good) {
			g->ok++;
			g->t_last = now;
			g->lat[g->nlat++] = (uint32_t)((now - r->t0) / 1000);
		} else if (answered) {
			g->errors++;
			g->exhausted += status == 1;	/* pool-exhausted */
		} else {
			g->timeouts++;
		}
	}
	if (c != NULL) {
		if (!good)
			c->next = P_ALLOC;	/* start over */
		else if (r->proc == P_ALLOC) {
			c->lease = addr;
			c->next = g->mix == MIX_RELEASE ? P_RELEASE : P_RENEW;
		} else if (r->proc == P_RENEW)
			c->next = g->mix == MIX_MIXED ? P_RELEASE : P_RENEW;
		else {
			c->lease = 0;
			c->next = P_ALLOC;
		}
		if (!g->udp)
			g->conn[r->client].seq = NONE;
		/* release: a client releases once, then it is spent */
		if (!(g->mix == MIX_RELEASE && good && r->proc == P_RELEASE))
			idle_push(g, r->client);
	} else if (!g->udp) {
		conn_close(&g->conn[seq & g->mask]);
	}
	r->active = 0;
}

static void
expire(struct gen *g, int64_t now)
{
	while (g->old != g->seq) {
		struct req *r = &g->req[g->old & g->mask];

		if (r->active) {
			if (now - r->t0 < g->timeout)
				break;
			finish(g, g->old, 0, 0, 0, now);
		}
		g->old++;
	}
}

static void
tcp_send(struct gen *g, struct conn *c, uint32_t seq)
{
	ssize_t w = write(c->fd, c->tx, c->txlen);

	if (w != (ssize_t)c->txlen) {
		g->neterr++;	/* the slot times out */
		if (g->mix == MIX_ALLOC)
			conn_close(c);
		else
			c->seq = NONE;
		return;
	}
	c->txlen = 0;
	c->seq = seq;
}

/* Start one request: ALLOC from a fresh client, or the next procedure of
 * an idle client.  Returns 0, or -1 when no client was idle. */
static int
issue(struct gen *g, uint32_t proc_forced, int64_t now)
{
	uint8_t call[CALL_MAX], *hdr = call;
	uint32_t seq = g->seq, client, src, proc, addr = 0;
	struct req *r = &g->req[seq & g->mask];
	struct conn *c;
	size_t len;
	int inprog;

	if (r->active)				/* older than the whole table */
		finish(g, seq - g->mask - 1, 0, 0, 0, now);
	if (g->mix == MIX_ALLOC) {
		client = src = g->first + seq;	/* never seen before */
		proc = P_ALLOC;
	} else {
		if ((client = idle_pop(g)) == NONE)
			return -1;
		src = g->first + client;
		proc = proc_forced ? proc_forced : g->cl[client].next;
		if (proc != P_ALLOC)
			addr = g->cl[client].lease;
	}
	r->active = 1;
	r->cookied = 0;
	r->xid = g->xid_base + seq;
	r->client = client;
	r->t0 = now;
	r->proc = (uint8_t)proc;
	r->timed = (uint8_t)g->timing;
	g->seq = seq + 1;
	if (g->timing) {
		g->sent++;
		g->inflight++;
	}
	len = rpcwire_call(call + 4, r->xid, proc, addr, src, NULL);
	if (g->udp) {
		udp_queue(g, src, call + 4, len);
		return 0;
	}
	rpcwire_put32(&hdr, RPCWIRE_LAST_FRAG | (uint32_t)len);
	if (g->mix == MIX_ALLOC) {
		struct epoll_event ev;

		c = &g->conn[seq & g->mask];
		if ((c->fd = tcp_open(g, src, &inprog)) < 0) {
			g->neterr++;
			return 0;
		}
		memcpy(c->tx, call, len + 4);
		c->txlen = (uint8_t)(len + 4);
		c->rxlen = 0;
		ev.events = EPOLLIN | (inprog ? EPOLLOUT : 0);
		ev.data.u64 = seq & g->mask;
		epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev);
		if (inprog)
			c->seq = seq;
		else
			tcp_send(g, c, seq);
		return 0;
	}
	c = &g->conn[client];
	memcpy(c->tx, call, len + 4);
	c->txlen = (uint8_t)(len + 4);
	c->rxlen = 0;
	tcp_send(g, c, seq);
	return 0;
}

static void
on_reply(struct gen *g, const uint8_t *p, size_t len, int64_t now)
{
	uint32_t xid, st, addr, seq, src;
	const uint8_t *cookie;
	struct req *r;
	uint8_t call[CALL_MAX];

	if (rpcwire_reply(p, len, &xid, &st, &addr, &cookie) != 0)
		return;
	seq = xid - g->xid_base;
	if (seq - g->old >= g->seq - g->old)	/* not in flight */
		return;
	r = &g->req[seq & g->mask];
	if (!r->active || r->xid != xid)	/* late: timed out */
		return;
	/* udp6: a new client's first ALLOC gets the server's cookie; the
	 * request goes on with it (one more round trip, in its latency) */
	if (st == RPCWIRE_COOKIE && g->udp && r->proc == P_ALLOC &&
	    cookie != NULL && !r->cookied) {
		src = g->mix == MIX_ALLOC ? r->client : g->first + r->client;
		len = rpcwire_call(call, xid, P_ALLOC, 0, src, cookie);
		r->cookied = 1;
		udp_queue(g, src, call, len);
		return;
	}
	finish(g, seq, 1, st, addr, now);
}

static void
udp_recv(struct gen *g, int64_t now)
{
	static uint8_t buf[BATCH][RX_MAX];
	static struct mmsghdr mm[BATCH];
	static struct iovec iov[BATCH];
	int k = BATCH;

	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){ buf[i], RX_MAX };
		mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i],
		    .msg_iovlen = 1 };
	}
	while (k == BATCH) {
		k = recvmmsg(g->ufd, mm, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < k; i++)
			on_reply(g, buf[i], mm[i].msg_len, now);
	}
}

static void
tcp_event(struct gen *g, uint32_t idx, uint32_t events, int64_t now)
{
	struct conn *c = &g->conn[idx];
	uint8_t msg[RX_MAX];
	ssize_t k;

	if (c->fd < 0)
		return;
	if ((events & EPOLLOUT) && c->txlen > 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = idx };

		epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &ev);
		tcp_send(g, c, c->seq);
		if (c->fd < 0)
			return;
	}
	if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	k = read(c->fd, c->rx + c->rxlen, RX_MAX - c->rxlen);
	if (k <= 0) {
		if (k < 0 && errno == EAGAIN)
			return;
		/* closed: the request in flight times out */
		if (g->mix != MIX_ALLOC) {
			g->neterr++;
			epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
		}
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->rxlen += (uint16_t)k;
	while (c->rxlen >= 4) {
		uint32_t rec = rpcwire_get32(c->rx) & ~RPCWIRE_LAST_FRAG;

		if (rec > RX_MAX - 4) {		/* not ours: drop the stream */
			c->rxlen = 0;
			return;
		}
		if (c->rxlen < rec + 4)
			return;
		/* on_reply may close c (alloc): keep what follows first */
		memcpy(msg, c->rx + 4, rec);
		c->rxlen = (uint16_t)(c->rxlen - rec - 4);
		memmove(c->rx, c->rx + 4 + rec, c->rxlen);
		on_reply(g, msg, rec, now);
		if (c->fd < 0)
			return;
	}
}

static void
poll_once(struct gen *g, int ms)
{
	struct epoll_event ev[256];
	int k = epoll_wait(g->ep, ev, 256, ms);
	int64_t now = now_ns();

	for (int i = 0; i < k; i++) {
		if (ev[i].data.u64 == TAG_UDP)
			udp_recv(g, now);
		else
			tcp_event(g, (uint32_t)ev[i].data.u64, ev[i].events,
			    now);
	}
	if (g->nbatch > 0)	/* ALLOCs sent again with their cookie */
		udp_flush(g);
	expire(g, now);
}

/* renew/mixed/release: every client gets a lease first, untimed */
static void
prefill(struct gen *g)
{
	uint32_t started = 0;
	int64_t deadline = now_ns() + 60 * (int64_t)1000000000;

	while ((started < g->n || g->old != g->seq) && now_ns() < deadline) {
		while (started < g->n && g->seq - g->old < PREFILL_WINDOW &&
		    issue(g, P_ALLOC, now_ns()) == 0)
			started++;
		if (g->udp)
			udp_flush(g);
		poll_once(g, 1);
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t
pct(const struct gen *g, double p)
{
	return g->nlat ? g->lat[(uint64_t)(p * (double)(g->nlat - 1) + 0.5)] :
	    0;
}

static void
report(struct gen *g)
{
	static const char *const mixes[] = { "alloc", "renew", "mixed",
	    "release" };
	double secs = (double)(g->t_last - g->t_start) / 1e9;
	uint64_t offered = g->sent + g->busy;
	uint64_t fail = offered - g->ok;
	double sum = 0;

	if (secs < g->secs)
		secs = g->secs;
	qsort(g->lat, g->nlat, sizeof(*g->lat), cmp_u32);
	for (uint64_t i = 0; i < g->nlat; i++)
		sum += g->lat[i];
	printf("{\"mix\":\"%s\",\"transport\":\"%s\",\"offered_rate\":%.0f,"
	    "\"secs\":%.3f,\"offered\":%llu,\"sent\":%llu,\"ok\":%llu,"
	    "\"errors\":%llu,\"timeouts\":%llu,\"busy\":%llu,"
	    "\"neterr\":%llu,\"fail_pct\":%.3f,\"rate\":%.1f,"
	    "\"avg_us\":%.0f,\"p50_us\":%u,\"p90_us\":%u,"
	    "\"p99_us\":%u,\"p999_us\":%u,\"max_us\":%u,"
	    "\"exhausted\":%llu,\"next\":%u}\n",
	    mixes[g->mix], g->udp ? "udp6" : "tcp6", g->rate, secs,
	    (unsigned long long)offered, (unsigned long long)g->sent,
	    (unsigned long long)g->ok, (unsigned long long)g->errors,
	    (unsigned long long)g->timeouts, (unsigned long long)g->busy,
	    (unsigned long long)g->neterr,
	    offered ? 100.0 * (double)fail / (double)offered : 0.0,
	    (double)g->ok / secs, g->nlat ? sum / (double)g->nlat : 0.0,
	    pct(g, 0.5), pct(g, 0.9), pct(g, 0.99), pct(g, 0.999),
	    g->nlat ? g->lat[g->nlat - 1] : 0,
	    (unsigned long long)g->exhausted,
	    g->mix == MIX_ALLOC ? g->first + g->seq : g->first + g->n);
}

static int
setup(struct gen *g)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TAG_UDP };
	struct sockaddr_in6 any;
	struct rlimit rl;
	uint64_t cap = 4096;
	int one = 1, sz = 8 << 20;

	/* one slot per request that can be in flight within the timeout */
	while ((double)cap < g->rate * (double)g->timeout / 1e9 * 1.5 + BATCH)
		cap *= 2;
	g->mask = (uint32_t)cap - 1;
	g->xid_base = (uint32_t)now_ns() | 1;
	g->req = calloc(cap, sizeof(*g->req));
	g->lat = calloc((size_t)(g->rate * g->secs) + BATCH, sizeof(*g->lat));
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((g->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 || g->req == NULL ||
	    g->lat == NULL)
		return -1;
	if (g->mix != MIX_ALLOC) {
		g->cl = calloc(g->n, sizeof(*g->cl));
		g->idle = calloc(g->n, sizeof(*g->idle));
		if (g->cl == NULL || g->idle == NULL)
			return -1;
		for (uint32_t i = 0; i < g->n; i++)
			idle_push(g, i);
	}
	if (g->udp) {
		g->ufd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (g->ufd < 0)
			return -1;
		setsockopt(g->ufd, IPPROTO_IPV6, IPV6_FREEBIND, &one,
		    sizeof(one));
		setsockopt(g->ufd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
		setsockopt(g->ufd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
		memset(&any, 0, sizeof(any));
		any.sin6_family = AF_INET6;
		if (bind(g->ufd, (struct sockaddr *)&any, sizeof(any)) != 0)
			return -1;
		return epoll_ctl(g->ep, EPOLL_CTL_ADD, g->ufd, &ev);
	}
	if (g->mix != MIX_ALLOC)
		cap = g->n;
	if ((g->conn = calloc(cap, sizeof(*g->conn))) == NULL)
		return -1;
	for (uint64_t i = 0; i < cap; i++) {
		g->conn[i].fd = -1;
		g->conn[i].seq = NONE;
	}
	if (g->mix == MIX_ALLOC)
		return 0;
	for (uint32_t i = 0; i < g->n; i++) {	/* persistent connections */
		struct conn *c = &g->conn[i];
		int inprog;

		if ((c->fd = tcp_open(g, g->first + i, &inprog)) < 0) {
			perror("dstm_rate: connect");
			return -1;
		}
		ev.events = EPOLLIN;
		ev.data.u64 = i;
		epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &ev);
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: dstm_rate -s SERVER6 [-p PORT] -c PREFIX6 [-ux] "
	    "[-o alloc|renew|mixed|release]\n                 -r RATE [-d SECS] "
	    "[-t TIMEOUT_MS] [-n CLIENTS] [-i FIRST]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct gen g;
	const char *server = NULL, *prefix = NULL, *mix = "alloc";
	unsigned long port = 7545, tmo_ms = 1000;
	int64_t t_end, now;
	uint64_t issued = 0;
	int ch;

	g.secs = 2;
	g.n = 1024;
	while ((ch = getopt(argc, argv, "s:p:c:uxo:r:d:t:n:i:")) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'p': port = strtoul(optarg, NULL, 10); break;
		case 'c': prefix = optarg; break;
		case 'u': g.udp = 1; break;
		case 'x': g.scramble = 1; break;
		case 'o': mix = optarg; break;
		case 'r': g.rate = strtod(optarg, NULL); break;
		case 'd': g.secs = strtod(optarg, NULL); break;
		case 't': tmo_ms = strtoul(optarg, NULL, 10); break;
		case 'n': g.n = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'i': g.first = (uint32_t)strtoul(optarg, NULL, 10); break;
		default: usage();
		}
	}
	g.mix = strcmp(mix, "alloc") == 0 ? MIX_ALLOC :
	    strcmp(mix, "renew") == 0 ? MIX_RENEW :
	    strcmp(mix, "mixed") == 0 ? MIX_MIXED :
	    strcmp(mix, "release") == 0 ? MIX_RELEASE : (enum mix)-1;
	if (g.mix == MIX_RELEASE) {
		if (!g.udp)
			usage();
		g.n = (uint32_t)(g.rate * g.secs * 1.05) + BATCH;
	}
	if (server == NULL || prefix == NULL || (int)g.mix < 0 ||
	    g.rate <= 0 || g.rate > 5e6 || g.secs <= 0 || g.secs > 600 ||
	    port == 0 || port > 65535 || tmo_ms == 0 || tmo_ms > 60000 ||
	    g.n == 0 || g.n > (1u << 22))
		usage();
	g.timeout = (int64_t)tmo_ms * 1000000;
	g.dst.sin6_family = AF_INET6;
	g.dst.sin6_port = htons((uint16_t)port);
	if (!addr6_parse(server, &g.dst.sin6_addr, NULL) ||
	    !addr6_parse(prefix, &g.base, NULL))
		usage();
	if (setup(&g) != 0) {
		perror("dstm_rate: setup");
		return 1;
	}
	if (g.mix != MIX_ALLOC)
		prefill(&g);

	g.timing = 1;
	g.t_start = now = now_ns();
	t_end = g.t_start + (int64_t)(g.secs * 1e9);
	while (now < t_end) {
		uint64_t due = (uint64_t)((double)(now - g.t_start) * g.rate /
		    1e9) + 1;

		while (issued < due) {
			if (issue(&g, 0, now) != 0)
				g.busy++;
			issued++;
		}
		if (g.udp)
			udp_flush(&g);
		poll_once(&g, 1);
		now = now_ns();
	}
	/* drain: every request answered or timed out */
	while (g.inflight > 0 && now_ns() < t_end + 2 * g.timeout)
		poll_once(&g, 1);
	g.timeouts += g.inflight;
	report(&g);
	return 0;
}
