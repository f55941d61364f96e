/* test_kernel.c - kernel/: netlink, TUN and raw IPv6 sockets, for real.
 *
 * Needs root.  main() moves the whole process into a private network
 * namespace before anything else, and every test's setup makes another
 * one, so nothing here ever touches the host's network.  Only loopback
 * and documentation prefixes are used.
 */
#include <check.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netinet/icmp6.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/dhcp6.h"
#include "kernel/addrmon.h"
#include "kernel/dhcp6_sock.h"
#include "kernel/nl.h"
#include "kernel/raw6.h"
#include "kernel/tun.h"

#define TUN_NAME	"dtitest0"
#define A_LOCAL		0xc6336407u	/* 198.51.100.7 */
#define A_PEER		0xc0000001u	/* 192.0.0.1 */
#define A_REMOTE	0xcb007105u	/* 203.0.113.5 */
#define P_REMOTE	0xcb007100u	/* 203.0.113.0/24 */
#define P_DOC1		0xc0000200u	/* 192.0.2.0/24 */

static struct knl *k;
static int lo;

static struct in6_addr
a6(const char *s)
{
	struct in6_addr a;

	ck_assert_int_eq(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/* Every test starts in a namespace of its own, with lo up. */
static void
setup(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s",
	    strerror(errno));
	ck_assert_int_eq(knl_open(&k), 0);
	lo = knl_link_index(k, "lo");
	ck_assert_int_gt(lo, 0);
	ck_assert_int_eq(knl_link_set_up(k, lo, true), 0);
}

static void
teardown(void)
{
	knl_close(k);
	k = NULL;
}

/* Waits up to a second for fd to become readable. */
static void
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	ck_assert_int_eq(poll(&p, 1, 1000), 1);
}

static uint16_t
cksum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (p[i] << 8) | p[i + 1];
	if (len & 1)
		s += p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* An IPv4/UDP packet (UDP checksum 0); returns its length. */
static size_t
mkudp(uint8_t *p, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
    const char *payload)
{
	size_t plen = strlen(payload), len = 28 + plen;
	uint16_t c;

	memset(p, 0, 28);
	p[0] = 0x45;
	p[2] = len >> 8;
	p[3] = len & 0xff;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	addr4_to_bytes(src, p + 12);
	addr4_to_bytes(dst, p + 16);
	c = cksum(p, 20);
	p[10] = c >> 8;
	p[11] = c & 0xff;
	p[20] = sport >> 8;
	p[21] = sport & 0xff;
	p[22] = dport >> 8;
	p[23] = dport & 0xff;
	p[24] = (8 + plen) >> 8;
	p[25] = (8 + plen) & 0xff;
	memcpy(p + 28, payload, plen);
	return len;
}

/* dtitest0: MTU 1460, up, 198.51.100.7/32 peer 192.0.0.1,
 * 203.0.113.0/24 dev dtitest0.  Returns the fd. */
static int
tun_setup(int *ifindex)
{
	struct knl_addr4 a = { A_LOCAL, 32, A_PEER };
	struct knl_route4 r = { .dst = P_REMOTE, .len = 24 };
	char name[IF_NAMESIZE];
	int fd;

	fd = tun_open(TUN_NAME, 0, name, sizeof(name));
	ck_assert_int_ge(fd, 0);
	ck_assert_str_eq(name, TUN_NAME);
	*ifindex = knl_link_index(k, TUN_NAME);
	ck_assert_int_gt(*ifindex, 0);
	/* no IPv6 link-local, RS or MLD on the TUN: only our packets */
	ck_assert_int_eq(knl_disable_ipv6(TUN_NAME, true), 0);
	ck_assert_int_eq(knl_link_set_mtu(k, *ifindex, 1460), 0);
	ck_assert_int_eq(knl_link_set_up(k, *ifindex, true), 0);
	ck_assert_int_eq(knl_addr4_add(k, *ifindex, &a, 0), 0);
	r.ifindex = *ifindex;
	ck_assert_int_eq(knl_route4_add(k, &r, 0), 0);
	return fd;
}

START_TEST(links)
{
	struct knl_link l;
	char buf[8];

	ck_assert_int_eq(lo, 1);
	ck_assert_int_eq(knl_link_exists(k, "lo"), 1);
	ck_assert_int_eq(knl_link_exists(k, "nosuch0"), 0);
	ck_assert_int_eq(knl_link_index(k, "nosuch0"), -ENODEV);
	ck_assert_int_eq(knl_link_index(k, "a-name-longer-than-ifnamsiz"),
	    -EINVAL);
	ck_assert_int_eq(knl_link_get(k, lo, &l), 0);
	ck_assert_str_eq(l.name, "lo");
	ck_assert(l.flags & IFF_UP);
	ck_assert_int_eq(knl_link_get(k, 999, &l), -ENODEV);
	ck_assert_int_eq(knl_link_set_up(k, 999, true), -ENODEV);

	ck_assert_int_eq(knl_forwarding(AF_INET, true), 0);
	ck_assert_int_eq(knl_sysctl_get("net/ipv4/ip_forward", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "1");
	ck_assert_int_eq(knl_forwarding(AF_INET6, true), 0);
	ck_assert_int_eq(knl_rp_filter("all", 1), 0);
	ck_assert_int_eq(knl_accept_dad("lo", 0), 0);
	ck_assert_int_eq(knl_sysctl_get("net/ipv6/conf/lo/accept_dad", buf,
	    sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0");
	ck_assert_int_eq(knl_rp_filter("nosuch0", 1), -ENOENT);
	ck_assert_int_eq(knl_rp_filter("../all", 1), -EINVAL);
	ck_assert_int_eq(knl_sysctl_set("net/../kernel/hostname", "x"),
	    -EINVAL);
}
END_TEST

/* The host's own IPv4 addresses (every interface's local address and
 * subnet broadcast, not a point-to-point peer), and the news of a
 * change: what the gateway refuses as inner destinations. */
START_TEST(addr4_local_monitor)
{
	static const uint32_t want[] = { 0x7f000001u, 0xc0000205u,
	    0xc00002ffu, A_LOCAL };
	struct knl_addrmon *m;
	uint32_t *v;
	int n, ifi, fd;

	ck_assert_int_eq(knl_addrmon_open(&m), 0);
	ck_assert_int_eq(knl_addrmon_changed(m), 0);
	n = knl_addr4_local(k, &v);
	ck_assert_int_eq(n, 1);			/* 127.0.0.1 on lo */
	ck_assert_uint_eq(v[0], 0x7f000001u);
	free(v);
	fd = tun_setup(&ifi);			/* 198.51.100.7 peer 192.0.0.1 */
	ck_assert_int_eq(system("ip -4 addr add 192.0.2.5/24 brd + dev lo"),
	    0);
	wait_readable(knl_addrmon_fd(m));
	ck_assert_int_eq(knl_addrmon_changed(m), 1);
	ck_assert_int_eq(knl_addrmon_changed(m), 0);	/* drained */
	n = knl_addr4_local(k, &v);
	ck_assert_int_eq(n, 4);
	ck_assert_mem_eq(v, want, sizeof(want));
	free(v);
	ck_assert_int_eq(knl_addr4_del(k, lo, &(struct knl_addr4){
	    0xc0000205u, 24, 0 }), 0);
	wait_readable(knl_addrmon_fd(m));
	ck_assert_int_eq(knl_addrmon_changed(m), 1);
	n = knl_addr4_local(k, &v);
	ck_assert_int_eq(n, 2);
	ck_assert_uint_eq(v[0], 0x7f000001u);
	ck_assert_uint_eq(v[1], A_LOCAL);
	free(v);
	knl_addrmon_close(m);
	tun_close(fd);
}
END_TEST

START_TEST(tun_addr_route)
{
	struct knl_addr4 a = { A_LOCAL, 32, A_PEER }, l[4];
	struct knl_addr4 b = { 0xc0000205u, 24, 0 };	/* 192.0.2.5/24 */
	struct knl_route4 r = { .dst = P_REMOTE, .len = 24 };
	struct knl_route4 g = { .dst = P_DOC1, .len = 24, .gw = A_PEER,
	    .metric = 100, .table = 100 };
	struct knl_link li;
	int fd, ifi;

	fd = tun_setup(&ifi);
	ck_assert_int_eq(knl_link_get(k, ifi, &li), 0);
	ck_assert_str_eq(li.name, TUN_NAME);
	ck_assert_uint_eq(li.mtu, 1460);
	ck_assert(li.flags & IFF_UP);
	ck_assert_int_eq(knl_link_set_mtu(k, ifi, 0), -EINVAL);
	ck_assert_int_eq(knl_link_set_mtu(k, ifi, 1 << 20), -EINVAL);
	ck_assert_int_eq(knl_addr4_add(k, 0, &a, 0), -EINVAL);
	ck_assert_int_eq(knl_addr4_add(k, ifi, &(struct knl_addr4){
	    A_LOCAL, 33, 0 }, 0), -EINVAL);
	ck_assert_int_eq(knl_route4_add(k, &(struct knl_route4){
	    .dst = P_REMOTE, .len = 24, .ifindex = 999 }, 0), -ENODEV);

	ck_assert_int_eq(knl_addr4_list(k, ifi, l, 4), 1);
	ck_assert_uint_eq(l[0].local, A_LOCAL);
	ck_assert_uint_eq(l[0].peer, A_PEER);
	ck_assert_uint_eq(l[0].len, 32);
	ck_assert_int_eq(knl_addr4_add(k, ifi, &a, 0), -EEXIST);
	ck_assert_int_eq(knl_addr4_add(k, ifi, &a, KNL_REPLACE), 0);

	/* the route tun_setup() added, and the peer's /32 the kernel did */
	r.ifindex = ifi;
	ck_assert_int_eq(knl_route4_exists(k, &r), 1);
	ck_assert_int_eq(knl_route4_exists(k, &(struct knl_route4){
	    .dst = A_PEER, .len = 32, .ifindex = ifi }), 1);
	ck_assert_int_eq(knl_route4_add(k, &r, 0), -EEXIST);
	ck_assert_int_eq(knl_route4_add(k, &r, KNL_REPLACE), 0);

	/* gateway, metric, table */
	ck_assert_int_eq(knl_route4_add(k, &g, 0), 0);
	ck_assert_int_eq(knl_route4_exists(k, &g), 1);
	ck_assert_int_eq(knl_route4_exists(k, &(struct knl_route4){
	    .dst = P_DOC1, .len = 24, .table = 100, .ifindex = ifi }), 1);
	ck_assert_int_eq(knl_route4_exists(k, &(struct knl_route4){
	    .dst = P_DOC1, .len = 24 }), 0);		/* not in main */
	ck_assert_int_eq(knl_route4_exists(k, &(struct knl_route4){
	    .dst = P_DOC1, .len = 24, .table = 100, .metric = 7 }), 0);
	ck_assert_int_eq(knl_route4_del(k, &g), 0);
	ck_assert_int_eq(knl_route4_exists(k, &g), 0);
	ck_assert_int_eq(knl_route4_del(k, &g), -ESRCH);

	ck_assert_int_eq(knl_route4_del(k, &r), 0);
	ck_assert_int_eq(knl_route4_exists(k, &r), 0);
	ck_assert_int_eq(knl_addr4_del(k, ifi, &a), 0);
	ck_assert_int_eq(knl_addr4_list(k, ifi, l, 4), 0);
	ck_assert_int_eq(knl_addr4_del(k, ifi, &a), -EADDRNOTAVAIL);

	/* list counts past max; flush empties */
	ck_assert_int_eq(knl_addr4_add(k, ifi, &a, 0), 0);
	ck_assert_int_eq(knl_addr4_add(k, ifi, &b, 0), 0);
	ck_assert_int_eq(knl_addr4_list(k, ifi, l, 1), 2);
	ck_assert_int_eq(knl_addr4_flush(k, ifi), 0);
	ck_assert_int_eq(knl_addr4_list(k, ifi, l, 4), 0);

	ck_assert_int_eq(knl_link_set_up(k, ifi, false), 0);
	ck_assert_int_eq(knl_link_get(k, ifi, &li), 0);
	ck_assert(!(li.flags & IFF_UP));
	ck_assert_uint_eq(li.mtu, 1460);

	/* closing the only fd removes the device */
	tun_close(fd);
	ck_assert_int_eq(knl_link_exists(k, TUN_NAME), 0);
}
END_TEST

START_TEST(tun_names)
{
	char n1[IF_NAMESIZE], n2[IF_NAMESIZE];
	int a, b, c, d;

	a = tun_open("dtit%d", 0, n1, sizeof(n1));
	b = tun_open("dtit%d", 0, n2, sizeof(n2));
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_str_eq(n1, "dtit0");
	ck_assert_str_eq(n2, "dtit1");
	ck_assert_int_eq(tun_open("dtit0", 0, NULL, 0), -EBUSY);
	ck_assert_int_eq(tun_open("lo", 0, NULL, 0), -EINVAL);
	ck_assert_int_eq(tun_open("", 0, NULL, 0), -EINVAL);

	/* multi-queue: each open of the name is one more queue */
	c = tun_open("dtimq0", TUN_MULTIQUEUE, n1, sizeof(n1));
	ck_assert_int_ge(c, 0);
	d = tun_open("dtimq0", TUN_MULTIQUEUE, n2, sizeof(n2));
	ck_assert_int_ge(d, 0);
	ck_assert_str_eq(n2, "dtimq0");
	ck_assert_int_eq(tun_open("dtimq0", 0, NULL, 0), -EINVAL);
	tun_close(c);
	ck_assert_int_eq(knl_link_exists(k, "dtimq0"), 1);
	tun_close(d);
	ck_assert_int_eq(knl_link_exists(k, "dtimq0"), 0);
	tun_close(a);
	tun_close(b);
}
END_TEST

START_TEST(tun_packets)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct tun_pkt pk[8];
	uint8_t bufs[8][2048], pkt[128], rx[64];
	char msg[32];
	int fd, ifi, s, n, i, got;

	fd = tun_setup(&ifi);
	for (i = 0; i < 8; i++) {
		pk[i].buf = bufs[i];
		pk[i].cap = sizeof(bufs[i]);
	}
	ck_assert_int_eq(tun_read_batch(fd, pk, 8), 0);
	ck_assert_int_eq(tun_read(fd, rx, sizeof(rx)), -EAGAIN);

	/* a socket's datagrams to 203.0.113.5 come out of the TUN */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	sa.sin_addr.s_addr = htonl(A_REMOTE);
	sa.sin_port = htons(5000);
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), "dstm-%d", i);
		ck_assert_int_eq(sendto(s, msg, strlen(msg), 0,
		    (struct sockaddr *)&sa, sizeof(sa)), (int)strlen(msg));
	}
	for (got = 0; got < 3; got += n) {
		wait_readable(fd);
		n = tun_read_batch(fd, pk + got, 8 - got);
		ck_assert_int_gt(n, 0);
	}
	ck_assert_int_eq(got, 3);
	ck_assert_int_eq(tun_read_batch(fd, pk + 3, 5), 0);
	for (i = 0; i < 3; i++) {
		snprintf(msg, sizeof(msg), "dstm-%d", i);
		ck_assert_uint_eq(pk[i].len, 28 + strlen(msg));
		ck_assert_uint_eq(pk[i].buf[0], 0x45);
		ck_assert_uint_eq(pk[i].buf[9], IPPROTO_UDP);
		ck_assert_uint_eq(addr4_from_bytes(pk[i].buf + 12), A_LOCAL);
		ck_assert_uint_eq(addr4_from_bytes(pk[i].buf + 16), A_REMOTE);
		ck_assert_uint_eq((pk[i].buf[22] << 8) | pk[i].buf[23], 5000);
		ck_assert_mem_eq(pk[i].buf + 28, msg, strlen(msg));
	}
	close(s);

	/* packets written to the TUN reach a socket on 198.51.100.7 */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(s, 0);
	sa.sin_addr.s_addr = htonl(A_LOCAL);
	sa.sin_port = htons(6000);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pk[0].len = mkudp(pk[0].buf, A_REMOTE, A_LOCAL, 5000, 6000, "in-1");
	pk[1].len = mkudp(pk[1].buf, A_REMOTE, A_LOCAL, 5000, 6000, "in-2");
	ck_assert_int_eq(tun_write_batch(fd, pk, 2), 2);
	n = mkudp(pkt, A_REMOTE, A_LOCAL, 5000, 6000, "in-3");
	ck_assert_int_eq(tun_write(fd, pkt, n), 0);
	for (i = 1; i <= 3; i++) {
		snprintf(msg, sizeof(msg), "in-%d", i);
		wait_readable(s);
		ck_assert_int_eq(recv(s, rx, sizeof(rx), 0), 4);
		ck_assert_mem_eq(rx, msg, 4);
	}
	close(s);
	tun_close(fd);
}
END_TEST

START_TEST(addr6_route6)
{
	struct knl_addr6 a = { .addr = a6("2001:db8:1::10"), .len = 64 };
	struct knl_addr6 l[8];
	struct knl_route6 viagw = { .dst = a6("2001:db8:2::"), .len = 64,
	    .gw = a6("2001:db8:1::1") };
	struct knl_route6 local = { .dst = a6("2001:db8:3::"), .len = 64,
	    .type = RTN_LOCAL };
	int v0, v1, n, i, found;

	ck_assert_int_eq(knl_veth_add(k, "dtiv0", "dtiv1"), 0);
	ck_assert_int_eq(knl_veth_add(k, "dtiv0", "dtiv2"), -EEXIST);
	v0 = knl_link_index(k, "dtiv0");
	v1 = knl_link_index(k, "dtiv1");
	ck_assert_int_gt(v0, 0);
	ck_assert_int_gt(v1, 0);
	ck_assert_int_eq(knl_link_set_up(k, v0, true), 0);
	ck_assert_int_eq(knl_link_set_up(k, v1, true), 0);

	ck_assert_int_eq(knl_addr6_add(k, v0, &a, KNL_NODAD), 0);
	ck_assert_int_eq(knl_addr6_add(k, v0, &a, KNL_NODAD), -EEXIST);
	ck_assert_int_eq(knl_addr6_wait(k, v0, &a.addr, 2000), 0);
	ck_assert_int_eq(knl_addr6_wait(k, v0, &viagw.gw, 10),
	    -EADDRNOTAVAIL);
	n = knl_addr6_list(k, v0, l, 8);
	ck_assert_int_ge(n, 1);
	for (i = found = 0; i < n && i < 8; i++) {
		if (!IN6_ARE_ADDR_EQUAL(&l[i].addr, &a.addr))
			continue;
		found++;
		ck_assert_uint_eq(l[i].len, 64);
		ck_assert(l[i].flags & IFA_F_NODAD);
		ck_assert(!(l[i].flags & IFA_F_TENTATIVE));
	}
	ck_assert_int_eq(found, 1);

	/* via a gateway, the device found by the kernel */
	ck_assert_int_eq(knl_route6_add(k, &viagw, 0), 0);
	ck_assert_int_eq(knl_route6_exists(k, &viagw), 1);
	ck_assert_int_eq(knl_route6_exists(k, &(struct knl_route6){
	    .dst = viagw.dst, .len = 64, .ifindex = v0, .metric = 1024 }),
	    1);
	ck_assert_int_eq(knl_route6_exists(k, &(struct knl_route6){
	    .dst = viagw.dst, .len = 64, .ifindex = v1 }), 0);
	ck_assert_int_eq(knl_route6_add(k, &viagw, 0), -EEXIST);
	ck_assert_int_eq(knl_route6_add(k, &viagw, KNL_REPLACE), 0);
	ck_assert_int_eq(knl_route6_del(k, &viagw), 0);
	ck_assert_int_eq(knl_route6_exists(k, &viagw), 0);
	ck_assert_int_eq(knl_route6_del(k, &viagw), -ESRCH);

	/* via a device, with a metric */
	viagw.gw = in6addr_any;
	viagw.ifindex = v0;
	viagw.metric = 50;
	ck_assert_int_eq(knl_route6_add(k, &viagw, 0), 0);
	ck_assert_int_eq(knl_route6_exists(k, &viagw), 1);
	ck_assert_int_eq(knl_route6_del(k, &viagw), 0);

	/* "ip -6 route add local 2001:db8:3::/64 dev lo" */
	local.ifindex = lo;
	ck_assert_int_eq(knl_route6_add(k, &local, 0), 0);
	ck_assert_int_eq(knl_route6_exists(k, &(struct knl_route6){
	    .dst = local.dst, .len = 64, .type = RTN_LOCAL,
	    .table = RT_TABLE_LOCAL }), 1);
	ck_assert_int_eq(knl_route6_exists(k, &(struct knl_route6){
	    .dst = local.dst, .len = 64 }), 0);
	ck_assert_int_eq(knl_route6_del(k, &local), 0);
	ck_assert_int_eq(knl_route6_exists(k, &local), 0);

	ck_assert_int_eq(knl_addr6_del(k, v0, &a), 0);
	n = knl_addr6_list(k, v0, l, 8);
	for (i = 0; i < n && i < 8; i++)
		ck_assert(!IN6_ARE_ADDR_EQUAL(&l[i].addr, &a.addr));

	/* deleting one end of a veth deletes both */
	ck_assert_int_eq(knl_link_del(k, v0), 0);
	ck_assert_int_eq(knl_link_exists(k, "dtiv0"), 0);
	ck_assert_int_eq(knl_link_exists(k, "dtiv1"), 0);
}
END_TEST

/* The B4's DHCPv6 link: the default route's interface (lowest metric),
 * the link-layer address, and an Information-Request from port 546 to
 * ff02::1:2 port 547 received by a "server" on the other end of a veth,
 * and a datagram back. */
START_TEST(dhcp6_link)
{
	struct knl_route6 def = { .len = 0 };
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
	    .sin6_port = htons(DHCP6_SERVER_PORT) };
	struct ipv6_mreq mr;
	struct in6_addr from;
	uint8_t mac[6], duid[DHCP6_DUID_MAX], buf[256], got[256];
	char name[16];
	size_t n;
	uint16_t port;
	int v0, v1, fd, srv, on = 1;
	socklen_t sl;
	ssize_t r;

	ck_assert_int_eq(knl_veth_add(k, "dtiv0", "dtiv1"), 0);
	v0 = knl_link_index(k, "dtiv0");
	v1 = knl_link_index(k, "dtiv1");
	ck_assert_int_eq(knl_accept_dad("dtiv0", 0), 0);
	ck_assert_int_eq(knl_accept_dad("dtiv1", 0), 0);
	ck_assert_int_eq(knl_link_set_up(k, v0, true), 0);
	ck_assert_int_eq(knl_link_set_up(k, v1, true), 0);

	ck_assert_int_eq(knl_default6_ifindex(name), -ENOENT);
	def.ifindex = v0;
	def.metric = 100;
	ck_assert_int_eq(knl_route6_add(k, &def, 0), 0);
	ck_assert_int_eq(knl_default6_ifindex(name), v0);
	ck_assert_str_eq(name, "dtiv0");
	def.ifindex = v1;
	def.metric = 50;
	ck_assert_int_eq(knl_route6_add(k, &def, 0), 0);
	ck_assert_int_eq(knl_default6_ifindex(name), v1);
	ck_assert_str_eq(name, "dtiv1");

	ck_assert_int_eq(knl_hwaddr("dtiv0", mac), 0);
	ck_assert_int_eq(knl_hwaddr("lo", mac), -ENOENT);
	ck_assert_int_eq(knl_hwaddr("dtinone", mac), -ENODEV);

	/* the server end: port 547 on dtiv1, in ff02::1:2 */
	srv = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ck_assert_int_ge(srv, 0);
	setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	ck_assert_int_eq(bind(srv, (struct sockaddr *)&sa, sizeof(sa)), 0);
	mr.ipv6mr_multiaddr = a6("ff02::1:2");
	mr.ipv6mr_interface = (unsigned)v1;
	ck_assert_int_eq(setsockopt(srv, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr,
	    sizeof(mr)), 0);

	fd = dhcp6_sock_open(v0);
	ck_assert_int_ge(fd, 0);
	knl_hwaddr("dtiv0", mac);
	n = dhcp6_build_info_req(buf, sizeof(buf), 0xabcdef, duid,
	    dhcp6_duid_ll(duid, mac), 0);
	ck_assert_uint_gt(n, 0);
	/* the link-local address may take a moment to be usable */
	for (int i = 0; i < 50 && dhcp6_sock_send(fd, v0, buf, n) != 0; i++)
		usleep(20000);
	wait_readable(srv);
	sl = sizeof(sa);
	r = recvfrom(srv, got, sizeof(got), 0, (struct sockaddr *)&sa, &sl);
	ck_assert_int_eq(r, (ssize_t)n);
	ck_assert_mem_eq(got, buf, n);
	ck_assert_uint_eq(ntohs(sa.sin6_port), DHCP6_CLIENT_PORT);
	ck_assert(IN6_IS_ADDR_LINKLOCAL(&sa.sin6_addr));

	/* and back, to our port 546 */
	ck_assert_int_eq(dhcp6_sock_recv(fd, got, sizeof(got), &from, &port),
	    -EAGAIN);
	ck_assert_int_eq(sendto(srv, "reply", 5, 0, (struct sockaddr *)&sa,
	    sl), 5);
	wait_readable(fd);
	ck_assert_int_eq(dhcp6_sock_recv(fd, got, sizeof(got), &from, &port),
	    5);
	ck_assert_uint_eq(port, DHCP6_SERVER_PORT);
	/* too big for the buffer: refused, not cut */
	ck_assert_int_eq(sendto(srv, "reply", 5, 0, (struct sockaddr *)&sa,
	    sl), 5);
	wait_readable(fd);
	ck_assert_int_eq(dhcp6_sock_recv(fd, got, 4, &from, &port),
	    -EMSGSIZE);
	close(fd);
	close(srv);
	ck_assert_int_eq(knl_link_del(k, v0), 0);
}
END_TEST

/* Receives exactly want packets within a second. */
static void
raw6_recv_n(int fd, struct raw6_pkt *p, int want)
{
	int got, n;

	for (got = 0; got < want; got += n) {
		wait_readable(fd);
		n = raw6_recv_batch(fd, p + got, want - got);
		ck_assert_int_gt(n, 0);
	}
}

START_TEST(raw6_loopback)
{
	struct raw6_pkt tx = { .src = in6addr_loopback,
	    .dst = in6addr_loopback };
	struct raw6_pkt rx;
	uint8_t pkt[128], buf[256];
	int a, b, hops;
	socklen_t sl = sizeof(hops);

	a = raw6_open(NULL);
	b = raw6_open(NULL);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(raw6_set_hoplimit(a, 0), -EINVAL);
	ck_assert_int_eq(raw6_set_hoplimit(a, 7), 0);
	ck_assert_int_eq(getsockopt(a, IPPROTO_IPV6, IPV6_UNICAST_HOPS,
	    &hops, &sl), 0);
	ck_assert_int_eq(hops, 7);
	ck_assert_int_eq(raw6_set_bufsize(b, 1 << 20, 1 << 20), 0);

	rx.buf = buf;
	rx.cap = sizeof(buf);
	ck_assert_int_eq(raw6_recv(b, &rx), -EAGAIN);

	tx.buf = pkt;
	tx.len = mkudp(pkt, A_LOCAL, A_REMOTE, 5000, 53, "4in6 payload");
	tx.tclass = 0xb9;		/* DSCP 46 (EF), ECN ECT(1) */
	ck_assert_int_eq(raw6_set_flowlabel(a), 0);
	ck_assert_int_eq(raw6_send(a, &tx), 0);

	/* every IPIP socket gets a copy: b, and the sender a itself */
	raw6_recv_n(b, &rx, 1);
	ck_assert_uint_eq(rx.len, tx.len);
	ck_assert_mem_eq(rx.buf, pkt, tx.len);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&rx.src));
	ck_assert(IN6_IS_ADDR_LOOPBACK(&rx.dst));
	ck_assert_int_eq(rx.ifindex, lo);
	ck_assert_uint_eq(rx.tclass, 0xb9);	/* sent, and received */
	ck_assert(!rx.truncated);
	memset(buf, 0, sizeof(buf));
	raw6_recv_n(a, &rx, 1);
	ck_assert_mem_eq(rx.buf, pkt, tx.len);

	/* a short buffer: truncated, flagged */
	ck_assert_int_eq(raw6_send(a, &tx), 0);
	rx.cap = 10;
	raw6_recv_n(b, &rx, 1);
	ck_assert(rx.truncated);
	ck_assert_uint_eq(rx.len, 10);

	raw6_close(a);
	raw6_close(b);
}
END_TEST

START_TEST(raw6_batch)
{
	struct raw6_pkt tx[5], rx[8];
	uint8_t out[5][64], in[8][256];
	char msg[32];
	int a, b, i;

	a = raw6_open(NULL);
	b = raw6_open(NULL);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	for (i = 0; i < 5; i++) {
		memset(&tx[i], 0, sizeof(tx[i]));
		snprintf(msg, sizeof(msg), "pkt-%d", i);
		tx[i].buf = out[i];
		tx[i].len = mkudp(out[i], A_LOCAL, A_REMOTE, 5000, 53, msg);
		tx[i].dst = in6addr_loopback;	/* kernel picks the source */
		tx[i].tclass = (uint8_t)(i * 0x41);	/* every ECN codepoint */
	}
	for (i = 0; i < 8; i++) {
		rx[i].buf = in[i];
		rx[i].cap = sizeof(in[i]);
	}
	ck_assert_int_eq(raw6_send_batch(a, tx, 5), 5);
	raw6_recv_n(b, rx, 5);
	ck_assert_int_eq(raw6_recv_batch(b, rx + 5, 3), 0);
	for (i = 0; i < 5; i++) {
		ck_assert_uint_eq(rx[i].len, tx[i].len);
		ck_assert_mem_eq(rx[i].buf, tx[i].buf, tx[i].len);
		ck_assert(IN6_IS_ADDR_LOOPBACK(&rx[i].src));
		ck_assert_uint_eq(rx[i].tclass, tx[i].tclass);
	}
	raw6_close(a);
	raw6_close(b);
}
END_TEST

/* A bound IPIP socket only sees its own destination; a 4in6 packet no
 * socket takes is answered with ICMPv6 parameter problem. */
START_TEST(raw6_bound_paramprob)
{
	struct knl_addr6 ga = { .addr = a6("2001:db8::1"), .len = 128 };
	struct raw6_pkt tx = { .src = ga.addr, .dst = in6addr_loopback };
	struct raw6_pkt rx;
	struct icmp6_hdr *ih;
	uint8_t pkt[64], buf[256], ib[1280];
	struct pollfd pfd = { .events = POLLIN };
	ssize_t n;
	int s, ic, seen = 0, tries;

	ck_assert_int_eq(knl_addr6_add(k, lo, &ga, KNL_NODAD), 0);
	ck_assert_int_eq(knl_addr6_wait(k, lo, &ga.addr, 2000), 0);
	s = raw6_open(&ga.addr);
	ck_assert_int_ge(s, 0);
	ic = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6);
	ck_assert_int_ge(ic, 0);
	pfd.fd = ic;

	tx.buf = pkt;
	tx.len = mkudp(pkt, A_LOCAL, A_REMOTE, 5000, 53, "nobody");
	/* resend until answered: ICMPv6 errors are rate-limited */
	for (tries = 0; !seen && tries < 10; tries++) {
		ck_assert_int_eq(raw6_send(s, &tx), 0);
		if (poll(&pfd, 1, 200) != 1)
			continue;
		if ((n = recv(ic, ib, sizeof(ib), 0)) < (ssize_t)sizeof(*ih))
			continue;
		ih = (struct icmp6_hdr *)ib;
		if (ih->icmp6_type != ICMP6_PARAM_PROB)
			continue;
		ck_assert_uint_eq(ih->icmp6_code, ICMP6_PARAMPROB_NEXTHEADER);
		ck_assert_uint_eq(ntohl(ih->icmp6_pptr), 6);
		ck_assert_int_ge(n, 8 + 40);
		ck_assert_uint_eq(ib[8 + 6], IPPROTO_IPIP);
		seen = 1;
	}
	ck_assert_msg(seen, "no ICMPv6 parameter problem");
	rx.buf = buf;
	rx.cap = sizeof(buf);
	ck_assert_int_eq(raw6_recv(s, &rx), -EAGAIN);

	/* to its own address, s receives */
	tx.dst = ga.addr;
	ck_assert_int_eq(raw6_send(s, &tx), 0);
	raw6_recv_n(s, &rx, 1);
	ck_assert_uint_eq(rx.len, tx.len);
	ck_assert(IN6_ARE_ADDR_EQUAL(&rx.dst, &ga.addr));
	ck_assert(IN6_ARE_ADDR_EQUAL(&rx.src, &ga.addr));
	close(ic);
	raw6_close(s);
}
END_TEST

static Suite *
kernel_suite(void)
{
	Suite *s = suite_create("kernel");
	TCase *tc = tcase_create("netns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, links);
	tcase_add_test(tc, tun_addr_route);
	tcase_add_test(tc, addr4_local_monitor);
	tcase_add_test(tc, tun_names);
	tcase_add_test(tc, tun_packets);
	tcase_add_test(tc, addr6_route6);
	tcase_add_test(tc, raw6_loopback);
	tcase_add_test(tc, raw6_batch);
	tcase_add_test(tc, raw6_bound_paramprob);
	tcase_add_test(tc, dhcp6_link);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	/* Before anything else: from here on nothing can reach the host's
	 * network, even a test that forgets its own setup. */
	if (geteuid() != 0) {
		fprintf(stderr, "test_kernel: must run as root (it creates "
		    "network namespaces, TUN devices and raw sockets)\n");
		return EXIT_FAILURE;
	}
	if (unshare(CLONE_NEWNET) == -1) {
		fprintf(stderr, "test_kernel: unshare(CLONE_NEWNET): %s\n",
		    strerror(errno));
		return EXIT_FAILURE;
	}
	sr = srunner_create(kernel_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
