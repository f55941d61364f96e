/* kbpf_client.c - loads the client's tc programs (kernel/bpf/client.bpf.c)
 * and keeps their one configuration entry (the lease). */
#include "kernel/kbpf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "common/log.h"
#include "client.skel.h"
#include "kernel/kbpf_priv.h"

struct kbpf_client {
	struct kbpf_client_bpf	*skel;
	struct kbpf_hook	 hooks[2];
	unsigned		 nhooks;
	struct kbpf_client_cfg	 cfg;
	int			 fd_cfg;
};

static const char *const cl_names[KBPF_CL_STAT_MAX] = {
	[KBPF_CL_FWD_UP] = "fwd-up",
	[KBPF_CL_FWD_DOWN] = "fwd-down",
	[KBPF_CL_DROP_NOT_TEP] = "not-from-tep",
	[KBPF_CL_DROP_NOT_OURS] = "not-our-address",
	[KBPF_CL_DROP_ERROR] = "error",
	[KBPF_CL_PUNT_INNER] = "punt-inner",
	[KBPF_CL_PUNT_ECN] = "punt-ecn",
	[KBPF_CL_PUNT_GSO] = "punt-gso",
	[KBPF_CL_PUNT_TOO_BIG] = "punt-too-big",
	[KBPF_CL_PUNT_HELPER] = "punt-helper",
};

const char *
kbpf_client_counter_name(unsigned i)
{
	return i < KBPF_CL_STAT_MAX ? cl_names[i] : "?";
}

static int
write_cfg(struct kbpf_client *cl)
{
	const uint32_t zero = 0;

	if (bpf_map_update_elem(cl->fd_cfg, &zero, &cl->cfg, BPF_ANY) != 0)
		return -errno;
	return 0;
}

int
kbpf_client_open(const struct kbpf_client_config *c, struct kbpf_client **out)
{
	struct kbpf_client *cl;
	int rc;

	*out = NULL;
	kbpf_log_setup();
	if (c->tun_ifindex <= 0 || c->uplink_ifindex <= 0 ||
	    c->tun_ifindex == c->uplink_ifindex)
		return -EINVAL;
	if ((rc = kbpf_check_ether(c->uplink_ifindex)) != 0)
		return rc;
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return -ENOMEM;
	if ((cl->skel = kbpf_client_bpf__open()) == NULL) {
		rc = -errno;
		log_warnx("kbpf client: open: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = kbpf_client_bpf__load(cl->skel)) != 0) {
		log_warnx("kbpf client: load: %s", strerror(-rc));
		goto fail;
	}
	cl->fd_cfg = bpf_map__fd(cl->skel->maps.cl_cfg);
	memcpy(cl->cfg.src6, &c->src6, sizeof(cl->cfg.src6));
	memcpy(cl->cfg.tep6, &c->tep6, sizeof(cl->cfg.tep6));
	cl->cfg.tun_ifindex = (uint32_t)c->tun_ifindex;
	cl->cfg.uplink_ifindex = (uint32_t)c->uplink_ifindex;
	cl->cfg.hop_limit = c->hop_limit != 0 ? c->hop_limit : 64;
	cl->cfg.any_addr4 = c->any_addr4;
	if ((rc = write_cfg(cl)) != 0)
		goto fail;
	rc = kbpf_hook_attach(&cl->hooks[cl->nhooks], c->uplink_ifindex,
	    false, bpf_program__fd(cl->skel->progs.dstm_cl_in6));
	if (rc != 0)
		goto fail;
	cl->nhooks++;
	rc = kbpf_hook_attach(&cl->hooks[cl->nhooks], c->tun_ifindex, true,
	    bpf_program__fd(cl->skel->progs.dstm_cl_out4));
	if (rc != 0)
		goto fail;
	cl->nhooks++;
	log_info("kbpf client: fast path on interfaces %d and %d",
	    c->tun_ifindex, c->uplink_ifindex);
	*out = cl;
	return 0;
fail:
	kbpf_client_close(cl);
	return rc < 0 ? rc : -EINVAL;
}

void
kbpf_client_close(struct kbpf_client *cl)
{
	if (cl == NULL)
		return;
	while (cl->nhooks > 0)
		kbpf_hook_detach(&cl->hooks[--cl->nhooks]);
	kbpf_client_bpf__destroy(cl->skel);
	free(cl);
}

int
kbpf_client_set_lease(struct kbpf_client *cl, uint32_t addr4,
    const struct in6_addr *tep6)
{
	struct kbpf_client_cfg old = cl->cfg;
	int rc;

	cl->cfg.addr4 = htonl(addr4);
	if (tep6 != NULL)
		memcpy(cl->cfg.tep6, tep6, sizeof(cl->cfg.tep6));
	if ((rc = write_cfg(cl)) != 0) {
		cl->cfg = old;
		log_warnx("kbpf client: lease: %s", strerror(-rc));
	}
	return rc;
}

int
kbpf_client_counters(struct kbpf_client *cl, struct kbpf_counter *out)
{
	return kbpf_sum_counters(bpf_map__fd(cl->skel->maps.cl_stats),
	    KBPF_CL_STAT_MAX, out);
}

int
kbpf_client_prog_in6(const struct kbpf_client *cl)
{
	return bpf_program__fd(cl->skel->progs.dstm_cl_in6);
}

int
kbpf_client_prog_out4(const struct kbpf_client *cl)
{
	return bpf_program__fd(cl->skel->progs.dstm_cl_out4);
}
