/* tunnel.c - rpcd's data plane; see tunnel.h. */
#include "client/tunnel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/log.h"
#include "common/inet.h"
#include "kernel/ip6tnl.h"
#include "kernel/kbpf.h"
#include "kernel/nl.h"
#include "kernel/raw6.h"
#include "kernel/tun.h"

static const char *const counter_names[TC_COUNT] = {
	[TC_TX_PKTS] = "tunnel.tx.packets",
	[TC_TX_BYTES] = "tunnel.tx.bytes",
	[TC_RX_PKTS] = "tunnel.rx.packets",
	[TC_RX_BYTES] = "tunnel.rx.bytes",
	[TC_DROP_NOT_TEP] = "tunnel.drop.not_from_tep",
	[TC_DROP_NOT_OURS] = "tunnel.drop.not_our_address",
	[TC_DROP_BAD_SOURCE] = "tunnel.drop.bad_source",
	[TC_DROP_MALFORMED] = "tunnel.drop.malformed",
	[TC_DROP_NO_LEASE] = "tunnel.drop.no_lease",
	[TC_TRIGGERS] = "tunnel.on_demand_triggers",
	[TC_QUEUED] = "tunnel.queued",
};

const char *
tunnel_counter_name(enum tun_counter c)
{
	return (unsigned)c < TC_COUNT ? counter_names[c] : "?";
}

static void
count(struct tunnel *t, enum tun_counter c, uint64_t n)
{
	atomic_fetch_add_explicit(&t->ctr[c], n, memory_order_relaxed);
}

/* A well-formed IPv4 packet, with its header in *ii. */
static bool
ipv4_sane(const uint8_t *pkt, size_t len, struct ipv4_info *ii)
{
	return len >= IPV4_HDR_LEN && pkt[0] >> 4 == 4 &&
	    ipv4_parse(pkt, len, ii) == 0;
}

static int
send_tep(struct tunnel *t, uint8_t *pkt, size_t len, const struct in6_addr *tep)
{
	struct raw6_pkt p;

	memset(&p, 0, sizeof(p));
	p.buf = pkt;
	p.len = len;
	p.dst = *tep;
	p.tclass = pkt[1];	/* RFC 6040 normal mode: the inner TOS */
	if (raw6_send(t->raw_fd, &p) != 0)
		return -1;
	count(t, TC_TX_PKTS, 1);
	count(t, TC_TX_BYTES, len);
	return 0;
}

/* Checks and rewrites one outgoing packet; 0 when it may go to *tep. */
static int
out_prepare(struct tunnel *t, uint8_t *pkt, size_t len, struct in6_addr *tep)
{
	struct in6_addr tep6;
	struct ipv4_info ii;
	uint32_t addr;
	bool any;
	char *copy;

	if (!ipv4_sane(pkt, len, &ii)) {
		count(t, TC_DROP_MALFORMED, 1);
		return -1;
	}
	pthread_mutex_lock(&t->lock);
	addr = t->addr;
	tep6 = t->tep6;
	any = t->any_addr4;
	if (addr == 0) {
		/* no lease yet: keep the packet, wake the control side */
		if (t->placeholder != 0 && t->nq < TUN_QUEUE &&
		    (copy = malloc(len)) != NULL) {
			memcpy(copy, pkt, len);
			t->queue[t->nq] = (uint8_t *)copy;
			t->qlen[t->nq++] = len;
			count(t, TC_QUEUED, 1);
		} else {
			count(t, TC_DROP_NO_LEASE, 1);
		}
		pthread_mutex_unlock(&t->lock);
		if (t->placeholder != 0) {
			uint64_t one = 1;

			count(t, TC_TRIGGERS, 1);
			if (write(t->trigger_fd, &one, sizeof(one)) < 0)
				log_debug("tunnel: trigger: %s", strerror(errno));
		}
		return -1;
	}
	pthread_mutex_unlock(&t->lock);
	if (t->placeholder != 0 && ii.src == t->placeholder)
		ipv4_rewrite_addr(pkt, len, true, addr);
	else if (ii.src != addr && !any) {
		count(t, TC_DROP_BAD_SOURCE, 1);
		return -1;
	}
	atomic_store(&t->last_activity, (int64_t)time(NULL));
	*tep = tep6;
	return 0;
}

/* A batch read from dti0 leaves in one sendmmsg. */
static void
out_batch(struct tunnel *t, struct tun_pkt *tp, int k, struct raw6_pkt *rp)
{
	int n = 0, sent;
	uint64_t bytes = 0;

	for (int i = 0; i < k; i++) {
		if (out_prepare(t, tp[i].buf, tp[i].len, &rp[n].dst) != 0)
			continue;
		memset(&rp[n].src, 0, sizeof(rp[n].src));
		rp[n].buf = tp[i].buf;
		rp[n].len = tp[i].len;
		/* RFC 2473 6.5, RFC 6040 normal mode: DSCP and ECN of the
		 * inner TOS into the outer traffic class */
		rp[n].tclass = tp[i].buf[1];
		rp[n].flowlabel = 0;
		n++;
	}
	if (n == 0 || (sent = raw6_send_batch(t->raw_fd, rp, (unsigned)n)) <= 0)
		return;
	for (int i = 0; i < sent; i++)
		bytes += rp[i].len;
	count(t, TC_TX_PKTS, (uint64_t)sent);
	count(t, TC_TX_BYTES, bytes);
}

static int
tunnel_in(struct tunnel *t, uint8_t *pkt, size_t len,
    const struct in6_addr *src6)
{
	struct ipv4_info ii;
	uint32_t addr;
	bool from_tep, any;

	pthread_mutex_lock(&t->lock);
	addr = t->addr;
	any = t->any_addr4;
	from_tep = memcmp(src6, &t->tep6, sizeof(*src6)) == 0;
	pthread_mutex_unlock(&t->lock);
	if (addr == 0 || !from_tep) {
		count(t, TC_DROP_NOT_TEP, 1);
		return -1;
	}
	if (!ipv4_sane(pkt, len, &ii)) {
		count(t, TC_DROP_MALFORMED, 1);
		return -1;
	}
	if (ii.dst != addr && !any) {
		count(t, TC_DROP_NOT_OURS, 1);
		return -1;
	}
	if (t->placeholder != 0)
		ipv4_rewrite_addr(pkt, len, false, t->placeholder);
	atomic_store(&t->last_activity, (int64_t)time(NULL));
	if (tun_write(t->tun_fd, pkt, len) != 0)
		return -1;
	count(t, TC_RX_PKTS, 1);
	count(t, TC_RX_BYTES, len);
	return 0;
}

static void
pump_raw(void *arg, struct raw6_pkt *p)
{
	tunnel_in(arg, p->buf, p->len, &p->src);
}

static void
pump_tun(void *arg, struct tun_pkt *p, int n)
{
	struct tunnel *t = arg;

	out_batch(t, p, n, t->send);
}

static const struct pump_ops tunnel_pump_ops = {
	.from_raw = pump_raw,
	.from_tun = pump_tun,
};

int
tunnel_start(struct tunnel *t, int tun_fd, int raw_fd, uint32_t placeholder)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->tun_fd = tun_fd;
	t->raw_fd = raw_fd;
	t->placeholder = placeholder;
	t->trigger_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->trigger_fd < 0)
		return -errno;
	return pump_start(&t->pump, tun_fd, raw_fd, &tunnel_pump_ops, t);
}

int
tunnel_kernel_start(struct tunnel *t, struct knl *nl, int ifindex)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->lock, NULL);
	t->tun_fd = t->raw_fd = t->trigger_fd = -1;
	t->pump.ep_fd = t->pump.stop_fd = -1;
	t->knl = nl;
	t->kernel_ifindex = ifindex;
	return 0;
}

void
tunnel_set_b4(struct tunnel *t)
{
	pthread_mutex_lock(&t->lock);
	t->any_addr4 = true;
	pthread_mutex_unlock(&t->lock);
}

void
tunnel_set_lease(struct tunnel *t, uint32_t addr, const struct in6_addr *tep6)
{
	uint8_t *q[TUN_QUEUE];
	size_t ql[TUN_QUEUE];
	unsigned nq;
	struct in6_addr tep;

	pthread_mutex_lock(&t->lock);
	t->addr = addr;
	if (tep6 != NULL)
		t->tep6 = *tep6;
	tep = t->tep6;
	nq = t->nq;
	if (t->fast != NULL && kbpf_client_set_lease(t->fast, addr,
	    addr != 0 ? &tep : NULL) != 0)
		log_warnx("tunnel: bpf: lease not set; the tun path carries it");
	memcpy(q, t->queue, sizeof(q));
	memcpy(ql, t->qlen, sizeof(ql));
	t->nq = 0;
	pthread_mutex_unlock(&t->lock);
	/* what waited for the lease goes out first */
	for (unsigned i = 0; i < nq; i++) {
		if (addr != 0) {
			struct ipv4_info ii;

			/* queued packets passed out_prepare: they parse */
			if (t->placeholder != 0 && ipv4_sane(q[i], ql[i], &ii) &&
			    ii.src == t->placeholder)
				ipv4_rewrite_addr(q[i], ql[i], true, addr);
			send_tep(t, q[i], ql[i], &tep);
		}
		free(q[i]);
	}
	if (addr != 0)
		atomic_store(&t->last_activity, (int64_t)time(NULL));
}

int
tunnel_fast_open(struct tunnel *t, const struct in6_addr *src6,
    int tun_ifindex)
{
	struct kbpf_client_config kc;
	char why[256];
	int rc;

	if ((rc = kbpf_permitted(why, sizeof(why))) != 0) {
		log_warnx("tunnel: bpf: cannot load BPF: %s", why);
		return rc;
	}
	memset(&kc, 0, sizeof(kc));
	kc.src6 = *src6;
	kc.tep6 = t->tep6;
	kc.tun_ifindex = tun_ifindex;
	kc.any_addr4 = t->any_addr4;
	if ((rc = knl_addr6_ifindex(src6)) < 0) {
		log_warnx("tunnel: bpf: no interface holds our source address");
		return rc;
	}
	kc.uplink_ifindex = rc;
	if ((rc = kbpf_client_open(&kc, &t->fast)) != 0)
		return rc;
	pthread_mutex_lock(&t->lock);
	if (t->addr != 0)
		rc = kbpf_client_set_lease(t->fast, t->addr, &t->tep6);
	pthread_mutex_unlock(&t->lock);
	return rc;
}

static const enum tun_counter from_kernel[KBPF_CL_STAT_MAX] = {
	[KBPF_CL_DROP_NOT_TEP] = TC_DROP_NOT_TEP,
	[KBPF_CL_DROP_NOT_OURS] = TC_DROP_NOT_OURS,
};

void
tunnel_counters(struct tunnel *t,
    void (*fn)(void *arg, const char *name, uint64_t value), void *arg)
{
	struct kbpf_counter k[KBPF_CL_STAT_MAX];
	uint64_t v[TC_COUNT];
	char name[64];
	bool fast;

	for (int i = 0; i < TC_COUNT; i++)
		v[i] = atomic_load(&t->ctr[i]);
	if (t->kernel_ifindex > 0) {
		struct knl_link_stats st = { 0 };

		/* tx: IPv4 routed into dti0, sent to the TEP; rx: what the
		 * device took from the TEP */
		if (knl_link_stats(t->knl, t->kernel_ifindex, &st) == 0) {
			v[TC_TX_PKTS] += st.tx_packets;
			v[TC_TX_BYTES] += st.tx_bytes;
			v[TC_RX_PKTS] += st.rx_packets;
			v[TC_RX_BYTES] += st.rx_bytes;
		}
		for (int i = 0; i < TC_COUNT; i++)
			fn(arg, counter_names[i], v[i]);
		fn(arg, "tunnel.backend.tun", 0);
		fn(arg, "tunnel.backend.bpf", 0);
		fn(arg, "tunnel.backend.ip6tnl", 1);
		fn(arg, "tunnel.ip6tnl.rx_dropped", st.rx_dropped);
		fn(arg, "tunnel.ip6tnl.rx_errors", st.rx_errors);
		fn(arg, "tunnel.ip6tnl.tx_dropped", st.tx_dropped);
		fn(arg, "tunnel.ip6tnl.tx_errors", st.tx_errors);
		return;
	}
	fast = t->fast != NULL && kbpf_client_counters(t->fast, k) == 0;
	if (fast) {
		v[TC_TX_PKTS] += k[KBPF_CL_FWD_UP].pkts;
		v[TC_TX_BYTES] += k[KBPF_CL_FWD_UP].bytes;
		v[TC_RX_PKTS] += k[KBPF_CL_FWD_DOWN].pkts;
		v[TC_RX_BYTES] += k[KBPF_CL_FWD_DOWN].bytes;
		for (int i = 0; i < KBPF_CL_STAT_MAX; i++)
			if (from_kernel[i] != 0)
				v[from_kernel[i]] += k[i].pkts;
	}
	for (int i = 0; i < TC_COUNT; i++)
		fn(arg, counter_names[i], v[i]);
	fn(arg, "tunnel.backend.tun", t->fast == NULL);
	fn(arg, "tunnel.backend.bpf", t->fast != NULL);
	fn(arg, "tunnel.backend.ip6tnl", 0);
	for (int i = 0; fast && i < KBPF_CL_STAT_MAX; i++) {
		if (from_kernel[i] != 0)
			continue;	/* counted under the tunnel's names */
		snprintf(name, sizeof(name), "tunnel.bpf.%s",
		    kbpf_client_counter_name((unsigned)i));
		fn(arg, name, k[i].pkts);
	}
}

void
tunnel_stop(struct tunnel *t)
{
	kbpf_client_close(t->fast);	/* the kernel path goes first */
	t->fast = NULL;
	pump_stop(&t->pump);
	tunnel_set_lease(t, 0, NULL);	/* frees the queue */
	if (t->tun_fd >= 0)
		tun_close(t->tun_fd);
	if (t->raw_fd >= 0)
		raw6_close(t->raw_fd);
	if (t->trigger_fd >= 0)
		close(t->trigger_fd);
	t->tun_fd = t->raw_fd = t->trigger_fd = -1;
	pthread_mutex_destroy(&t->lock);
}
