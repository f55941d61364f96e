/* udp_flow.c - a measured UDP flow for the data-plane benchmarks: the
 * sender stamps every datagram with a sequence number and its send time
 * (CLOCK_MONOTONIC, shared by all network namespaces of one host); the
 * receiver counts what arrived, what was lost or reordered, and the
 * one-way latency.  IPv4 or IPv6, sendmmsg/recvmmsg in batches.
 *
 * usage: udp_flow send DST PORT [-l PAYLOAD] [-r PPS] [-t SECS] [-B]
 *            -r 0 (default): as fast as the socket takes them
 *            -B: paced in bursts of 32 (sleep until a whole batch is
 *            due): cheap pacing, for the CPU cost per packet
 *        udp_flow recv ADDR PORT [-t MAXSECS] [-i IDLE_MS]
 *            stops IDLE_MS after the last datagram (default 500), or at
 *            MAXSECS; prints one JSON line either way
 * Both print "cpu_us": the CPU time the process used (getrusage), for
 * the CPU cost per packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	32
#define MAXLEN	9000

struct stamp {
	uint64_t seq;
	int64_t  sent_ns;
};

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* user + system time of this process so far, microseconds */
static long long
cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static int
resolve(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo hints, *ai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int
do_send(const struct sockaddr_storage *dst, socklen_t dlen, size_t payload,
    double pps, double secs, int burst)
{
	static uint8_t buf[BATCH][MAXLEN];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0, errors = 0;
	int64_t t0, t_end, now;
	int fd, sz = 4 << 20;

	if ((fd = socket(dst->ss_family, SOCK_DGRAM, 0)) < 0 ||
	    connect(fd, (const struct sockaddr *)dst, dlen) != 0) {
		perror("udp_flow: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz));
	memset(mm, 0, sizeof(mm));
	for (int i = 0; i < BATCH; i++) {
		memset(buf[i], 0xa5, payload);
		iov[i].iov_base = buf[i];
		iov[i].iov_len = payload;
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now = now_ns();
	t_end = t0 + (int64_t)(secs * 1e9);
	while (now < t_end) {
		uint64_t due = pps > 0 ? (uint64_t)((double)(now - t0) * pps /
		    1e9) + 1 : sent + BATCH;
		unsigned n = due - sent > BATCH ? BATCH : (unsigned)(due - sent);
		int k;

		if (n == 0 || (burst && n < BATCH)) {
			struct timespec ts = { 0, 20000 };

			if (burst)	/* until sent + BATCH are due */
				ts.tv_nsec = (long)((double)(sent + BATCH) *
				    1e9 / pps) - (long)(now - t0);
			if (ts.tv_nsec > 0 && ts.tv_nsec < 1000000000)
				nanosleep(&ts, NULL);
			now = now_ns();
			continue;
		}
		for (unsigned i = 0; i < n; i++) {
			struct stamp st = { sent + i, now };

			memcpy(buf[i], &st, sizeof(st));
		}
		k = sendmmsg(fd, mm, n, 0);
		if (k < 0) {
			/* ENOBUFS etc.: the datagrams are lost, keep going;
			 * they still used their sequence numbers */
			errors += n;
			k = (int)n;
		} else if ((unsigned)k < n) {
			errors += n - (unsigned)k;
			k = (int)n;
		}
		sent += (unsigned)k;
		now = now_ns();
	}
	printf("{\"sent\":%llu,\"send_errors\":%llu,\"secs\":%.3f,"
	    "\"pps\":%.0f,\"payload\":%zu,\"cpu_us\":%lld}\n",
	    (unsigned long long)sent, (unsigned long long)errors,
	    (now - t0) / 1e9, (double)sent / ((now - t0) / 1e9), payload,
	    cpu_us());
	close(fd);
	return 0;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
do_recv(const struct sockaddr_storage *bind_to, socklen_t blen,
    double maxsecs, int idle_ms)
{
	static uint8_t buf[BATCH][MAXLEN];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t count = 0, bytes = 0, reordered = 0, max_seq = 0, last = 0;
	int64_t first_t = 0, last_t = 0, t_end, *lat = NULL;
	size_t nlat = 0, cap = 0;
	int fd, sz = 16 << 20, one = 1;
	double secs;

	if ((fd = socket(bind_to->ss_family, SOCK_DGRAM, 0)) < 0) {
		perror("udp_flow: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)bind_to, blen) != 0) {
		perror("udp_flow: bind");
		return 1;
	}
	printf("{\"ready\":true}\n");
	fflush(stdout);
	t_end = now_ns() + (int64_t)(maxsecs * 1e9);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t now = now_ns();
		int wait = count ? idle_ms : 1000, k;

		if (now >= t_end)
			break;
		if (poll(&p, 1, wait) == 0) {
			if (count)
				break;		/* the flow is over */
			continue;
		}
		for (int i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = MAXLEN;
			memset(&mm[i].msg_hdr, 0, sizeof(mm[i].msg_hdr));
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
		}
		k = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		now = now_ns();
		for (int i = 0; i < k; i++) {
			struct stamp st;

			if (mm[i].msg_len < sizeof(st))
				continue;
			memcpy(&st, buf[i], sizeof(st));
			if (count == 0)
				first_t = now;
			last_t = now;
			if (count > 0 && st.seq < last)
				reordered++;
			last = st.seq;
			if (st.seq > max_seq)
				max_seq = st.seq;
			count++;
			bytes += mm[i].msg_len;
			if (nlat == cap) {
				cap = cap ? 2 * cap : 65536;
				if ((lat = realloc(lat, cap * sizeof(*lat))) ==
				    NULL)
					return 1;
			}
			lat[nlat++] = now - st.sent_ns;
		}
	}
	secs = (last_t - first_t) / 1e9;
	qsort(lat, nlat, sizeof(*lat), cmp_i64);
	printf("{\"received\":%llu,\"bytes\":%llu,\"secs\":%.3f,\"pps\":%.0f,"
	    "\"mbps\":%.1f,\"max_seq\":%llu,\"lost\":%lld,\"reordered\":%llu,"
	    "\"lat_p50_us\":%.1f,\"lat_p99_us\":%.1f,\"lat_max_us\":%.1f,"
	    "\"cpu_us\":%lld}\n",
	    (unsigned long long)count, (unsigned long long)bytes, secs,
	    secs > 0 ? count / secs : 0.0,
	    secs > 0 ? bytes * 8 / secs / 1e6 : 0.0,
	    (unsigned long long)max_seq,
	    count ? (long long)(max_seq + 1 - count) : 0,
	    (unsigned long long)reordered,
	    nlat ? lat[(nlat - 1) / 2] / 1e3 : 0.0,
	    nlat ? lat[(size_t)((double)(nlat - 1) * 0.99)] / 1e3 : 0.0,
	    nlat ? lat[nlat - 1] / 1e3 : 0.0, cpu_us());
	free(lat);
	close(fd);
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: udp_flow send DST PORT [-l PAYLOAD] [-r PPS] "
	    "[-t SECS] [-B]\n       udp_flow recv ADDR PORT [-t MAXSECS] "
	    "[-i IDLE_MS]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	double pps = 0, secs = 2;
	unsigned long payload = 64;
	int ch, idle_ms = 500, sending, burst = 0;

	if (argc < 4)
		usage();
	sending = strcmp(argv[1], "send") == 0;
	if (!sending && strcmp(argv[1], "recv") != 0)
		usage();
	if (resolve(argv[2], argv[3], &ss, &len) != 0)
		usage();
	optind = 4;
	while ((ch = getopt(argc, argv, "l:r:t:i:B")) != -1) {
		switch (ch) {
		case 'B': burst = 1; break;
		case 'l': payload = strtoul(optarg, NULL, 10); break;
		case 'r': pps = strtod(optarg, NULL); break;
		case 't': secs = strtod(optarg, NULL); break;
		case 'i': idle_ms = atoi(optarg); break;
		default: usage();
		}
	}
	if (payload < sizeof(struct stamp) || payload > MAXLEN || pps < 0 ||
	    secs <= 0 || secs > 3600 || idle_ms <= 0 || (burst && pps <= 0))
		usage();
	return sending ? do_send(&ss, len, payload, pps, secs, burst) :
	    do_recv(&ss, len, secs, idle_ms);
}
