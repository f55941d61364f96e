/* priv.c - see priv.h */
#include "kernel/priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#define CAP_BITS	64

static const char *const cap_names[] = {
	[CAP_CHOWN] = "CAP_CHOWN", [CAP_DAC_OVERRIDE] = "CAP_DAC_OVERRIDE",
	[CAP_DAC_READ_SEARCH] = "CAP_DAC_READ_SEARCH",
	[CAP_FOWNER] = "CAP_FOWNER", [CAP_FSETID] = "CAP_FSETID",
	[CAP_KILL] = "CAP_KILL", [CAP_SETGID] = "CAP_SETGID",
	[CAP_SETUID] = "CAP_SETUID", [CAP_SETPCAP] = "CAP_SETPCAP",
	[CAP_NET_BIND_SERVICE] = "CAP_NET_BIND_SERVICE",
	[CAP_NET_BROADCAST] = "CAP_NET_BROADCAST",
	[CAP_NET_ADMIN] = "CAP_NET_ADMIN", [CAP_NET_RAW] = "CAP_NET_RAW",
	[CAP_IPC_LOCK] = "CAP_IPC_LOCK", [CAP_SYS_ADMIN] = "CAP_SYS_ADMIN",
	[CAP_SYS_RESOURCE] = "CAP_SYS_RESOURCE",
	[CAP_PERFMON] = "CAP_PERFMON", [CAP_BPF] = "CAP_BPF",
};

int
priv_lookup(const char *spec, struct priv_user *u, char *err, size_t len)
{
	struct passwd *pw;
	unsigned long n;
	char *end;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", spec);
	if (strcmp(spec, "root") == 0 || strcmp(spec, "0") == 0) {
		u->keep_root = true;
		return 0;
	}
	if (spec[0] >= '0' && spec[0] <= '9') {
		errno = 0;
		n = strtoul(spec, &end, 10);
		if (errno != 0 || *end != '\0' || n >= UINT32_MAX - 1) {
			snprintf(err, len, "user %s: not a name nor a uid", spec);
			return -EINVAL;
		}
		u->uid = (uid_t)n;
		if ((pw = getpwuid(u->uid)) != NULL) {
			u->gid = pw->pw_gid;
			snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
		} else {
			u->gid = (gid_t)n;
		}
		return 0;
	}
	errno = 0;
	if ((pw = getpwnam(spec)) == NULL) {
		snprintf(err, len, "user %s does not exist (make install "
		    "creates %s; -u USER runs as another, -u root keeps root)",
		    spec, PRIV_DEFAULT_USER);
		return errno != 0 ? -errno : -ENOENT;
	}
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	u->keep_root = pw->pw_uid == 0;
	return 0;
}

bool
priv_bpf_needs_cap(void)
{
	struct utsname un;
	char v[8] = "";
	unsigned major = 0, minor = 0;
	FILE *f;

	if ((f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r")) !=
	    NULL) {
		if (fgets(v, sizeof(v), f) == NULL)
			v[0] = '\0';
		fclose(f);
	}
	if (v[0] == '0')
		return false;
	if (uname(&un) != 0 || sscanf(un.release, "%u.%u", &major,
	    &minor) != 2)
		return true;
	return major < 6 || (major == 6 && minor < 5);
}

static bool
dropping(const struct priv_user *u)
{
	return !u->keep_root && geteuid() == 0 && u->uid != 0;
}

int
priv_own_path(const struct priv_user *u, const char *path)
{
	if (!dropping(u))
		return 0;
	if (lchown(path, u->uid, u->gid) != 0)
		return -errno;
	return 0;
}

int
priv_own_dir(const struct priv_user *u, const char *dir)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd, rc = 0;

	if (!dropping(u))
		return 0;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	/* only a directory of our own: files, no subdirectories (a
	 * state-dir pointed at /var/lib must not hand /var/lib over) */
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode)) {
			rc = -ENOTDIR;
			goto out;
		}
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fchownat(fd, e->d_name, u->uid, u->gid,
		    AT_SYMLINK_NOFOLLOW) != 0) {
			rc = -errno;
			goto out;
		}
	}
	if (fchown(fd, u->uid, u->gid) != 0)
		rc = -errno;
out:
	closedir(d);
	return rc;
}

const char *
priv_caps_str(uint64_t caps, char *buf, size_t len)
{
	size_t off = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	if (caps == 0) {
		snprintf(buf, len, "none");
		return buf;
	}
	for (unsigned c = 0; c < CAP_BITS && off < len; c++) {
		const char *n;
		char num[16];
		int w;

		if (!(caps & PRIV_CAP(c)))
			continue;
		n = c < sizeof(cap_names) / sizeof(cap_names[0]) &&
		    cap_names[c] != NULL ? cap_names[c] : NULL;
		if (n == NULL) {
			snprintf(num, sizeof(num), "cap%u", c);
			n = num;
		}
		w = snprintf(buf + off, len - off, "%s%s", off ? "," : "", n);
		if (w < 0)
			break;
		off += (size_t)w;
	}
	return buf;
}

static int
caps_get(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) != 0)
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int
caps_set(uint64_t caps)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)caps;
	d[1].effective = d[1].permitted = (uint32_t)(caps >> 32);
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -errno;
}

int
priv_drop(const struct priv_user *u, uint64_t caps, char *err, size_t len)
{
	uint64_t eff, perm, inh, want;
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	bool switch_uid;
	int rc;

	if (u->keep_root)
		return 0;
	if ((rc = caps_get(&eff, &perm, &inh)) != 0) {
		snprintf(err, len, "capget: %s", strerror(-rc));
		return rc;
	}
	want = caps & perm;	/* what we never had cannot be kept */
	switch_uid = geteuid() == 0 && u->uid != 0;
	/* nothing for a program we might exec */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 &&
	    errno != EINVAL) {
		rc = -errno;
		snprintf(err, len, "clearing ambient capabilities: %s",
		    strerror(errno));
		return rc;
	}
	if (perm & PRIV_CAP(CAP_SETPCAP)) {
		for (unsigned c = 0; c < CAP_BITS; c++) {
			if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) < 0)
				break;		/* past the kernel's last */
			if (!(want & PRIV_CAP(c)) &&
			    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
				rc = -errno;
				snprintf(err, len, "bounding set: %s",
				    strerror(errno));
				return rc;
			}
		}
	}
	if (switch_uid) {
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 ||
		    setgroups(1, &u->gid) != 0 ||
		    setresgid(u->gid, u->gid, u->gid) != 0 ||
		    setresuid(u->uid, u->uid, u->uid) != 0 ||
		    prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) {
			rc = -errno;
			snprintf(err, len, "cannot switch to user %s (uid %u): "
			    "%s", u->name, (unsigned)u->uid, strerror(errno));
			return rc;
		}
	}
	if ((rc = caps_set(want)) != 0) {
		snprintf(err, len, "capset: %s", strerror(-rc));
		return rc;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		rc = -errno;
		snprintf(err, len, "no_new_privs: %s", strerror(errno));
		return rc;
	}

	/* the checks: no way back to root, exactly `want` left */
	if (switch_uid) {
		if (setgid(0) != -1 || setegid(0) != -1 || setuid(0) != -1 ||
		    seteuid(0) != -1) {
			snprintf(err, len, "uid 0 could be regained");
			return -EPERM;
		}
		if (getresuid(&ru, &eu, &su) != 0 || ru != u->uid ||
		    eu != u->uid || su != u->uid || getresgid(&rg, &eg,
		    &sg) != 0 || rg != u->gid || eg != u->gid ||
		    sg != u->gid) {
			snprintf(err, len, "uid/gid not switched everywhere");
			return -EPERM;
		}
	}
	if ((rc = caps_get(&eff, &perm, &inh)) != 0 || eff != want ||
	    perm != want || inh != 0) {
		snprintf(err, len, "capabilities left: %#llx, expected %#llx",
		    (unsigned long long)perm, (unsigned long long)want);
		return -EPERM;
	}
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, len, "no_new_privs not set");
		return -EPERM;
	}
#if defined(__SANITIZE_ADDRESS__)
	/* LeakSanitizer stops our threads with ptrace at exit: a sanitizer
	 * build stays dumpable after the uid change */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
	return 0;
}
