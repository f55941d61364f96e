/* nft.h - the NAT44 of rpcd's B4 (`b4-nat = yes`): one nftables table
 * of its own that masquerades what leaves the tunnel interface from
 * another source than the B4 address (the LAN behind it), as a home
 * gateway does.  Made with nft(8) at start-up, while rpcd is root and may
 * still run a program; removed at exit by one netlink message of ours
 * (NFT_MSG_DELTABLE), which CAP_NET_ADMIN allows and the sandbox does
 * not stop.  0 or -errno, with a sentence in why. */
#ifndef DSTM_KERNEL_NFT_H
#define DSTM_KERNEL_NFT_H

#include <stddef.h>
#include <stdint.h>

/* Table "rpcd-b4-IFNAME" in family ip: a stale one from an earlier run
 * is replaced. */
int	knl_nft_masq_add(const char *ifname, uint32_t b4_addr, char *why,
	    size_t len);
int	knl_nft_masq_del(const char *ifname);
/* the table's name for IFNAME into buf */
const char *knl_nft_table(const char *ifname, char *buf, size_t len);

#endif
