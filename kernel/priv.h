/* priv.h - least privilege after start-up, shared by the three daemons:
 * each opens what needs root (sockets, TUN, netlink, raw sockets, BPF,
 * the journal, the control socket), then priv_drop() switches to an
 * unprivileged user for good, keeping only the capabilities its later
 * work still needs, with no_new_privs set; sandbox.h adds the seccomp
 * filter after it.  (OpenSSH uidswap.c: check that the old uid cannot
 * be regained.) */
#ifndef DSTM_PRIV_H
#define DSTM_PRIV_H

#include <linux/capability.h>	/* CAP_* for PRIV_CAP() */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PRIV_DEFAULT_USER	"dstm"

struct priv_user {
	uid_t	uid;
	gid_t	gid;
	bool	keep_root;	/* -u root: nothing is dropped (debugging) */
	char	name[64];
};

/* `spec`: a user name, or a numeric uid (its group: the passwd entry's
 * when there is one, else the same number); "root" or "0" keeps root.
 * 0, or -errno with `err` filled. */
int  priv_lookup(const char *spec, struct priv_user *u, char *err,
	size_t len);

/* Capabilities as a bit mask, (1 << CAP_X). */
#define PRIV_CAP(c)	(UINT64_C(1) << (c))

/* Whether a bpf() call on maps already open still needs CAP_BPF after
 * the drop: kernels before 6.5 check it on every bpf() command when
 * kernel.unprivileged_bpf_disabled is set; 6.5 and later only when a
 * map or program is created. */
bool priv_bpf_needs_cap(void);

/* Before the drop, as root: make `dir` and what is in it (one level)
 * belong to the user, so that it can still create, rename and remove
 * files there (the journal's compaction, the control socket at exit).
 * For a directory that is the daemon's own (state-dir, or one it
 * created); a no-op when not root or when keeping root. */
int  priv_own_dir(const struct priv_user *u, const char *dir);
/* one file (the control socket), same rules */
int  priv_own_path(const struct priv_user *u, const char *path);

/* Switch to the user for good (supplementary groups, gid, uid), keep
 * only `caps` (effective and permitted; ambient and, with CAP_SETPCAP,
 * the bounding set cleared of the rest), set no_new_privs, then check
 * that uid 0 cannot be regained and that exactly `caps` remain.
 * Started as a non-root user (systemd User= with AmbientCapabilities=)
 * the uid stays and only the capabilities go.  Call it from the main
 * thread: capabilities are per thread, and a thread that exists already
 * loses all of them (it does not have keep-caps) when the uid changes.
 * 0, or -errno with `err` filled. */
int  priv_drop(const struct priv_user *u, uint64_t caps, char *err,
	size_t len);

/* "CAP_NET_ADMIN,CAP_BPF" or "none" */
const char *priv_caps_str(uint64_t caps, char *buf, size_t len);

#endif
