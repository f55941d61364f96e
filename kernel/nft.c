/* nft.c - the B4's NAT44 table; see nft.h. */
#include "kernel/nft.h"

#include <netinet/in.h>	/* before the linux headers: their libc-compat */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/addr.h"

const char *
knl_nft_table(const char *ifname, char *buf, size_t len)
{
	snprintf(buf, len, "rpcd-b4-%s", ifname);
	return buf;
}

/* nft -f - with the rules on its stdin; no shell */
static int
run_nft(const char *rules, char *why, size_t len)
{
	static const char *const paths[] = { "/usr/sbin/nft", "/sbin/nft",
	    "/usr/bin/nft", NULL };
	const char *nft = NULL;
	int p[2], status;
	pid_t pid;
	size_t n = strlen(rules);

	for (int i = 0; paths[i] != NULL && nft == NULL; i++)
		if (access(paths[i], X_OK) == 0)
			nft = paths[i];
	if (nft == NULL) {
		snprintf(why, len, "nft(8) not found (install nftables)");
		return -ENOENT;
	}
	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(p[0], STDIN_FILENO);
		execl(nft, "nft", "-f", "-", (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	if (write(p[1], rules, n) != (ssize_t)n) {
		close(p[1]);
		waitpid(pid, &status, 0);
		snprintf(why, len, "cannot feed nft: %s", strerror(errno));
		return -EIO;
	}
	close(p[1]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, len, "nft -f - failed (status %d)", status);
		return -EIO;
	}
	return 0;
}

int
knl_nft_masq_add(const char *ifname, uint32_t b4_addr, char *why, size_t len)
{
	char rules[1024], t[64], a[ADDR_STRLEN];

	knl_nft_table(ifname, t, sizeof(t));
	/* "add" then "delete" clears a stale table and fails on none */
	snprintf(rules, sizeof(rules),
	    "add table ip %s\n"
	    "delete table ip %s\n"
	    "table ip %s {\n"
	    "\tchain postrouting {\n"
	    "\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
	    "\t\toifname \"%s\" ip saddr != %s masquerade\n"
	    "\t}\n"
	    "}\n", t, t, t, ifname, addr4_ntop(b4_addr, a, sizeof(a)));
	return run_nft(rules, why, len);
}

/* one attribute: header, payload, padding */
static size_t
put_attr(uint8_t *p, uint16_t type, const void *v, size_t l)
{
	struct nlattr na = { .nla_len = (uint16_t)(NLA_HDRLEN + l),
	    .nla_type = type };

	memcpy(p, &na, sizeof(na));
	memcpy(p + NLA_HDRLEN, v, l);
	memset(p + NLA_HDRLEN + l, 0, NLA_ALIGN(l) - l);
	return NLA_HDRLEN + NLA_ALIGN(l);
}

/* one netfilter message: nlmsghdr, nfgenmsg, attributes */
static size_t
put_msg(uint8_t *p, uint16_t type, uint16_t flags, uint32_t seq,
    uint16_t res_id, const char *table)
{
	struct nlmsghdr nh;
	struct nfgenmsg g = { .nfgen_family = NFPROTO_IPV4,
	    .version = NFNETLINK_V0, .res_id = htobe16(res_id) };
	size_t off = NLMSG_HDRLEN;

	memcpy(p + off, &g, sizeof(g));
	off += NLMSG_ALIGN(sizeof(g));
	if (table != NULL)
		off += put_attr(p + off, NFTA_TABLE_NAME, table,
		    strlen(table) + 1);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_len = (uint32_t)off;
	nh.nlmsg_type = type;
	nh.nlmsg_flags = NLM_F_REQUEST | flags;
	nh.nlmsg_seq = seq;
	memcpy(p, &nh, sizeof(nh));
	return off;
}

int
knl_nft_masq_del(const char *ifname)
{
	uint8_t buf[512] __attribute__((aligned(4)));
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char t[64];
	size_t off = 0;
	ssize_t n;
	int fd, rc = -EIO;

	knl_nft_table(ifname, t, sizeof(t));
	off += put_msg(buf + off, NFNL_MSG_BATCH_BEGIN, 0, 1,
	    NFNL_SUBSYS_NFTABLES, NULL);
	off += put_msg(buf + off, (NFNL_SUBSYS_NFTABLES << 8) |
	    NFT_MSG_DELTABLE, NLM_F_ACK, 2, 0, t);
	off += put_msg(buf + off, NFNL_MSG_BATCH_END, 0, 3,
	    NFNL_SUBSYS_NFTABLES, NULL);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	if (sendto(fd, buf, off, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		goto out;
	}
	/* the DELTABLE's ack: an nlmsgerr, 0 or -errno */
	for (int i = 0; i < 4; i++) {
		struct nlmsghdr *nh = (struct nlmsghdr *)buf;

		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0) {
			rc = -errno;
			break;
		}
		if ((size_t)n >= NLMSG_HDRLEN + sizeof(struct nlmsgerr) &&
		    nh->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;

			memcpy(&e, NLMSG_DATA(nh), sizeof(e));
			rc = e.error;
			break;
		}
	}
out:
	close(fd);
	return rc;
}
