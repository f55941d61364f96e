/* dstm_conns.c - hold many TCP connections open to a server, for the
 * connection-limit tests and the 20,000-connection measurement.
 *
 * usage: dstm_conns -s SERVER6 -p PORT -b BASE6 [-P PREFIXES] -n PER
 *                   [-m idle|half|trickle] [-w SECONDS]
 *   BASE6     the first source; source p is BASE6 with p added to its
 *             fourth group (another /64 each), so the test routes
 *             BASE6/48 locally (ip route add local ... dev lo)
 *   PREFIXES  how many /64s (default 1), PER connections from each
 *   -m        idle: connect only; half: an RPC record header announcing
 *             100 bytes and 10 of them; trickle: that header and body a
 *             byte a second, never the last (busy, yet no request)
 *   -w        how long to hold them (default 10 s, at most 600)
 *
 * Prints "connected C failed F ms T" once every connect is settled, then
 * after the hold "open O closed K": K connections the server closed.
 * Bounded: at most 30000 connections, the hold, 60 s for the connects. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/addr.h"
#include "common/clock.h"

#define MAX_CONNS	30000

enum mode { M_IDLE, M_HALF, M_TRICKLE };

static const unsigned char record[] = {
	0x80, 0x00, 0x00, 0x64,		/* last fragment, 100 bytes */
	0, 0, 0, 1, 0, 0, 0, 0, 0, 2,	/* 10 of them */
};

static int
usage(void)
{
	fprintf(stderr, "usage: dstm_conns -s SERVER6 -p PORT -b BASE6 "
	    "[-P PREFIXES] -n PER [-m idle|half|trickle] [-w SECONDS]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in6 dst, src;
	struct in6_addr base;
	struct pollfd *p;
	struct rlimit rl;
	enum mode mode = M_IDLE;
	const char *server = NULL, *bsrc = NULL;
	int ch, port = 0, prefixes = 1, per = 0, hold = 10, n, up = 0, bad = 0;
	int open_n = 0, closed = 0, sent = 0;
	int64_t t0, deadline;

	while ((ch = getopt(argc, argv, "s:p:b:P:n:m:w:")) != -1) {
		switch (ch) {
		case 's': server = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'b': bsrc = optarg; break;
		case 'P': prefixes = atoi(optarg); break;
		case 'n': per = atoi(optarg); break;
		case 'w': hold = atoi(optarg); break;
		case 'm':
			mode = strcmp(optarg, "half") == 0 ? M_HALF :
			    strcmp(optarg, "trickle") == 0 ? M_TRICKLE : M_IDLE;
			break;
		default: return usage();
		}
	}
	n = prefixes * per;
	if (server == NULL || bsrc == NULL || port <= 0 || prefixes < 1 ||
	    per < 1 || n > MAX_CONNS || hold < 0 || hold > 600)
		return usage();
	memset(&dst, 0, sizeof(dst));
	dst.sin6_family = AF_INET6;
	dst.sin6_port = htons((uint16_t)port);
	if (!addr6_parse(server, &dst.sin6_addr, NULL) ||
	    !addr6_parse(bsrc, &base, NULL))
		return usage();
	rl.rlim_cur = rl.rlim_max = (rlim_t)n + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
		perror("setrlimit");
		return 3;
	}
	if ((p = calloc((size_t)n, sizeof(*p))) == NULL)
		return 3;
	t0 = clock_mono_ms();
	for (int i = 0; i < n; i++) {
		unsigned pfx = (unsigned)(i / per);
		int fd, one = 1;

		memset(&src, 0, sizeof(src));
		src.sin6_family = AF_INET6;
		src.sin6_addr = base;
		src.sin6_addr.s6_addr[6] += (uint8_t)(pfx >> 8);
		src.sin6_addr.s6_addr[7] += (uint8_t)pfx;
		p[i].fd = -1;
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			bad++;
			continue;
		}
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
		    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 &&
		    errno != EINPROGRESS)) {
			close(fd);
			bad++;
			continue;
		}
		p[i].fd = fd;
		p[i].events = POLLOUT;
	}
	/* settle every connect (the server's backlog may keep some waiting) */
	deadline = clock_mono_ms() + 60000;
	for (int left = n - bad; left > 0 && clock_mono_ms() < deadline;) {
		if (poll(p, (nfds_t)n, 200) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			int err = 0;
			socklen_t len = sizeof(err);

			if (p[i].fd < 0 || p[i].events != POLLOUT ||
			    p[i].revents == 0)
				continue;
			getsockopt(p[i].fd, SOL_SOCKET, SO_ERROR, &err, &len);
			left--;
			if (err != 0 || (p[i].revents & (POLLERR | POLLHUP))) {
				close(p[i].fd);
				p[i].fd = -1;
				bad++;
				continue;
			}
			up++;
			p[i].events = POLLRDHUP;
		}
	}
	for (int i = 0; i < n; i++)
		if (p[i].fd >= 0 && p[i].events == POLLOUT) {
			close(p[i].fd);
			p[i].fd = -1;
			bad++;
		}
	if (mode == M_HALF)
		for (int i = 0; i < n; i++)
			if (p[i].fd >= 0)
				(void)!write(p[i].fd, record, sizeof(record));
	printf("connected %d failed %d ms %lld\n", up, bad,
	    (long long)(clock_mono_ms() - t0));
	fflush(stdout);

	/* hold; a connection the server closes reads end of file or reset */
	deadline = clock_mono_ms() + (int64_t)hold * 1000;
	while (clock_mono_ms() < deadline) {
		int64_t left = deadline - clock_mono_ms();

		if (poll(p, (nfds_t)n, left > 1000 ? 1000 : (int)left) < 0 &&
		    errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			char buf[256];

			if (p[i].fd < 0 || p[i].revents == 0)
				continue;
			if (read(p[i].fd, buf, sizeof(buf)) > 0)
				continue;
			close(p[i].fd);
			p[i].fd = -1;
			closed++;
		}
		/* the header, then the body a byte at a time, never its last */
		if (mode == M_TRICKLE && sent < 4 + 99) {
			unsigned char b = sent < 4 ? record[sent] : 0;

			for (int i = 0; i < n; i++)
				if (p[i].fd >= 0)
					(void)!write(p[i].fd, &b, 1);
			sent++;
		}
	}
	for (int i = 0; i < n; i++)
		if (p[i].fd >= 0) {
			open_n++;
			close(p[i].fd);
		}
	printf("open %d closed %d\n", open_n, closed);
	free(p);
	return 0;
}
