/* notify.c - tell a client at once that its lease ended by revoke: one
 * datagram to [client]:DSTM_NOTIFY_PORT, an ONC RPC call of
 * DSTM_NOTIFY_PROG that expects no reply, authenticated by a MAC under
 * the lease key (rpc/notify.c).  The client renews on it and drops the
 * address when the renewal is refused; a lost notice leaves the client
 * to find out at T1, as before. */
#include "server/server.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/siphash.h"
#include "rpc/dstm.h"
#include "rpc/notify.h"

static int notify_fd = -1;

int
notify_open(void)
{
	notify_fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	return notify_fd < 0 ? -errno : 0;
}

void
notify_close(void)
{
	if (notify_fd >= 0)
		close(notify_fd);
	notify_fd = -1;
}

/* The call message: RPC header (no credentials) + the arguments. */
static int
encode(const dstm_notify_args *a, uint8_t *buf, size_t len)
{
	struct rpc_msg m;
	XDR x;
	int n = -1;

	memset(&m, 0, sizeof(m));
	if (getrandom(&m.rm_xid, sizeof(m.rm_xid), GRND_NONBLOCK) !=
	    sizeof(m.rm_xid))
		m.rm_xid = (uint32_t)a->stamp;
	m.rm_direction = CALL;
	m.rm_call.cb_rpcvers = RPC_MSG_VERSION;
	m.rm_call.cb_prog = DSTM_NOTIFY_PROG;
	m.rm_call.cb_vers = DSTM_NOTIFY_V1;
	m.rm_call.cb_proc = DSTMNOTIFY_REVOKED;
	m.rm_call.cb_cred = _null_auth;
	m.rm_call.cb_verf = _null_auth;
	xdrmem_create(&x, (char *)buf, (u_int)len, XDR_ENCODE);
	if (xdr_callmsg(&x, &m) &&
	    xdr_dstm_notify_args(&x, (dstm_notify_args *)a))
		n = (int)xdr_getpos(&x);
	xdr_destroy(&x);
	return n;
}

void
notify_revoked(struct server *s, uint32_t addr, const struct in6_addr *client,
    const uint8_t key[static LEASE_KEY_LEN])
{
	static const uint8_t zero[LEASE_KEY_LEN];
	struct sockaddr_in6 to;
	dstm_notify_args a;
	struct timespec ts;
	uint8_t buf[256];
	char a4[ADDR_STRLEN], a6[ADDR_STRLEN];
	int n;

	/* a keyless lease (the operator's, never adopted): nobody could
	 * check the notice */
	if (notify_fd < 0 || ct_equal(key, zero, LEASE_KEY_LEN))
		return;
	memset(&a, 0, sizeof(a));
	addr4_to_bytes(addr, (uint8_t *)a.addr);
	memcpy(a.client, client, sizeof(a.client));
	clock_gettime(CLOCK_REALTIME, &ts);
	a.stamp = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	dstm_notify_mac(key, &a, (uint8_t *)a.mac);
	if ((n = encode(&a, buf, sizeof(buf))) < 0) {
		s->counters[C_NOTIFY_ERRORS]++;
		return;
	}
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	to.sin6_addr = *client;
	to.sin6_port = htons(DSTM_NOTIFY_PORT);
	addr4_ntop(addr, a4, sizeof(a4));
	addr6_ntop(client, a6, sizeof(a6));
	if (sendto(notify_fd, buf, (size_t)n, 0, (struct sockaddr *)&to,
	    sizeof(to)) != n) {
		s->counters[C_NOTIFY_ERRORS]++;
		log_info("revoke notice for %s to %s: %s", a4, a6,
		    strerror(errno));
		return;
	}
	s->counters[C_NOTIFY_SENT]++;
	log_debug("revoke notice for %s sent to [%s]:%u", a4, a6,
	    DSTM_NOTIFY_PORT);
}
