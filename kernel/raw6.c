/* raw6.c - raw IPPROTO_IPIP sockets over IPv6: 4in6 without tunnel
 * modules. */
#include "kernel/raw6.h"

#include <sys/socket.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#ifndef IPV6_FLOWINFO_SEND
#define IPV6_FLOWINFO_SEND	33	/* linux/in6.h; not in glibc */
#endif

/* control space for the ancillary data we use: IPV6_PKTINFO and
 * IPV6_TCLASS (an int), either way */
#define CTL_SPACE	(CMSG_SPACE(sizeof(struct in6_pktinfo)) + \
			    CMSG_SPACE(sizeof(int)))

/* Per-message state of one batch; sized to sit on the stack. */
struct batch {
	struct mmsghdr		msg[RAW6_BATCH];
	struct iovec		iov[RAW6_BATCH];
	struct sockaddr_in6	sa[RAW6_BATCH];
	union {
		struct cmsghdr	align;
		uint8_t		buf[CTL_SPACE];
	}			ctl[RAW6_BATCH];
};

int
raw6_open(const struct in6_addr *local)
{
	struct sockaddr_in6 sa;
	int fd, on = 1, rc;

	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_IPIP);
	if (fd == -1)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &on,
	    sizeof(on)) == -1) {
		rc = -errno;
		goto out;
	}
	if (local != NULL) {
		memset(&sa, 0, sizeof(sa));
		sa.sin6_family = AF_INET6;
		sa.sin6_addr = *local;
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
			rc = -errno;
			goto out;
		}
	}
	return fd;
out:
	close(fd);
	return rc;
}

void
raw6_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
raw6_set_hoplimit(int fd, int hops)
{
	if (hops != -1 && (hops < 1 || hops > 255))
		return -EINVAL;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
	    sizeof(hops)) == -1)
		return -errno;
	return 0;
}

int
raw6_set_flowlabel(int fd)
{
	int on = 1, off = 0;

	/* without IPV6_FLOWINFO_SEND the kernel ignores sin6_flowinfo; with
	 * auto labels on, it would replace a 0 with its own hash */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_FLOWINFO_SEND, &on,
	    sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &off,
	    sizeof(off)) == -1)
		return -errno;
	return 0;
}

static int
sock_buf(int fd, int opt, int optforce, int bytes)
{
	if (bytes <= 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, optforce, &bytes, sizeof(bytes)) == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes)) == 0)
		return 0;
	return -errno;
}

int
raw6_set_bufsize(int fd, int rcvbuf, int sndbuf)
{
	int rc;

	if ((rc = sock_buf(fd, SO_RCVBUF, SO_RCVBUFFORCE, rcvbuf)) < 0)
		return rc;
	return sock_buf(fd, SO_SNDBUF, SO_SNDBUFFORCE, sndbuf);
}

/* ---- receive ---- */

static void
recv_prep(struct batch *b, unsigned int i, struct raw6_pkt *p)
{
	struct msghdr *m = &b->msg[i].msg_hdr;

	memset(m, 0, sizeof(*m));
	b->iov[i].iov_base = p->buf;
	b->iov[i].iov_len = p->cap;
	m->msg_name = &b->sa[i];
	m->msg_namelen = sizeof(b->sa[i]);
	m->msg_iov = &b->iov[i];
	m->msg_iovlen = 1;
	m->msg_control = b->ctl[i].buf;
	m->msg_controllen = sizeof(b->ctl[i].buf);
	b->msg[i].msg_len = 0;
}

static void
recv_done(struct batch *b, unsigned int i, struct raw6_pkt *p)
{
	struct msghdr *m = &b->msg[i].msg_hdr;
	struct in6_pktinfo pi;
	struct cmsghdr *c;
	int tc;

	p->len = b->msg[i].msg_len;
	p->truncated = (m->msg_flags & MSG_TRUNC) != 0;
	if (p->len > p->cap)
		p->len = p->cap;
	if (m->msg_namelen >= sizeof(struct sockaddr_in6))
		p->src = b->sa[i].sin6_addr;
	else
		memset(&p->src, 0, sizeof(p->src));
	memset(&p->dst, 0, sizeof(p->dst));
	p->ifindex = 0;
	p->tclass = 0;
	p->flowlabel = 0;
	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			p->dst = pi.ipi6_addr;
			p->ifindex = pi.ipi6_ifindex;
		} else if (c->cmsg_type == IPV6_TCLASS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(tc))) {
			memcpy(&tc, CMSG_DATA(c), sizeof(tc));
			p->tclass = (uint8_t)tc;
		}
	}
}

int
raw6_recv(int fd, struct raw6_pkt *p)
{
	int n;

	if ((n = raw6_recv_batch(fd, p, 1)) < 0)
		return n;
	return n == 1 ? 0 : -EAGAIN;
}

int
raw6_recv_batch(int fd, struct raw6_pkt *pkts, unsigned int n)
{
	struct batch b;
	unsigned int done = 0, want, i;
	int got;

	while (done < n) {
		want = n - done < RAW6_BATCH ? n - done : RAW6_BATCH;
		for (i = 0; i < want; i++)
			recv_prep(&b, i, &pkts[done + i]);
		got = recvmmsg(fd, b.msg, want, MSG_DONTWAIT, NULL);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || done > 0)
				break;
			return -errno;
		}
		for (i = 0; i < (unsigned int)got; i++)
			recv_done(&b, i, &pkts[done + i]);
		done += got;
		if ((unsigned int)got < want)
			break;		/* the queue is empty */
	}
	return done;
}

/* ---- send ---- */

static void
send_prep(struct batch *b, unsigned int i, const struct raw6_pkt *p)
{
	struct msghdr *m = &b->msg[i].msg_hdr;
	struct in6_pktinfo pi;
	struct cmsghdr *c;
	int tc = p->tclass;

	memset(m, 0, sizeof(*m));
	memset(&b->sa[i], 0, sizeof(b->sa[i]));
	b->sa[i].sin6_family = AF_INET6;
	b->sa[i].sin6_addr = p->dst;
	/* the label alone: the class goes as IPV6_TCLASS */
	b->sa[i].sin6_flowinfo = htonl(p->flowlabel & 0xfffff);
	b->iov[i].iov_base = p->buf;
	b->iov[i].iov_len = p->len;
	m->msg_name = &b->sa[i];
	m->msg_namelen = sizeof(b->sa[i]);
	m->msg_iov = &b->iov[i];
	m->msg_iovlen = 1;
	b->msg[i].msg_len = 0;
	memset(b->ctl[i].buf, 0, sizeof(b->ctl[i].buf));
	m->msg_control = b->ctl[i].buf;
	m->msg_controllen = CMSG_SPACE(sizeof(tc));
	c = CMSG_FIRSTHDR(m);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_TCLASS;
	c->cmsg_len = CMSG_LEN(sizeof(tc));
	memcpy(CMSG_DATA(c), &tc, sizeof(tc));
	if (IN6_IS_ADDR_UNSPECIFIED(&p->src))
		return;
	m->msg_controllen = sizeof(b->ctl[i].buf);
	c = CMSG_NXTHDR(m, c);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	pi.ipi6_addr = p->src;
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
}

int
raw6_send(int fd, const struct raw6_pkt *p)
{
	int n;

	if ((n = raw6_send_batch(fd, p, 1)) < 0)
		return n;
	return n == 1 ? 0 : -EIO;
}

int
raw6_send_batch(int fd, const struct raw6_pkt *pkts, unsigned int n)
{
	struct batch b;
	unsigned int done = 0, want, i;
	int sent;

	while (done < n) {
		want = n - done < RAW6_BATCH ? n - done : RAW6_BATCH;
		for (i = 0; i < want; i++)
			send_prep(&b, i, &pkts[done + i]);
		sent = sendmmsg(fd, b.msg, want, MSG_DONTWAIT);
		if (sent == -1) {
			if (errno == EINTR)
				continue;
			if (done > 0)
				break;
			return -errno;
		}
		done += sent;
		if ((unsigned int)sent < want)
			break;
	}
	return done;
}
