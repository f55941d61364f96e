/* kbpf_priv.h - what kbpf.c shares with kbpf_gw.c and kbpf_client.c:
 * libbpf's log, time conversion, tc hooks. */
#ifndef DSTM_KERNEL_KBPF_PRIV_H
#define DSTM_KERNEL_KBPF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One program attached to one side of one interface. */
struct kbpf_hook {
	int		ifindex;
	bool		egress;
	bool		created;	/* we added the clsact qdisc */
	bool		attached;
	uint32_t	handle, priority;
};

void	kbpf_log_setup(void);		/* libbpf's messages into log.h */
const char *kbpf_last_error(void);	/* libbpf's last warning, or "" */
void	kbpf_clear_error(void);

int	kbpf_hook_attach(struct kbpf_hook *h, int ifindex, bool egress,
	    int prog_fd);
void	kbpf_hook_detach(struct kbpf_hook *h);
int	kbpf_check_ether(int ifindex);	/* 0, or -EOPNOTSUPP with a log */

uint64_t kbpf_boot_ns(int64_t unix_secs);	/* 0 stays 0 (never) */
int64_t	 kbpf_unix_secs(uint64_t boot_ns);	/* 0 stays 0 */
int	 kbpf_ncpus(void);

/* Sums of per-CPU struct kbpf_ctr entries 0..n-1 of an array map. */
struct kbpf_counter;
int	kbpf_sum_counters(int map_fd, unsigned n, struct kbpf_counter *out);
int	kbpf_map_clear(int map_fd, size_t key_size);

#endif
