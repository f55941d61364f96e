/* rpcd_key.c - the lease key: 128 random bits rpcd chooses for a new
 * lease and shows the server in every ALLOC, RENEW and RELEASE of it.
 * Only rpcd knows it: it lives in key-file, mode 0600 in a 0700
 * directory, so a local user who can send from the host's address still
 * cannot renew or release the host's lease.  The file outlives a crash
 * (the restarted rpcd's ALLOC gets the same lease back); a lease given
 * back or lost takes its key with it, and the next lease gets a new one. */
#include "client/rpcd.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

static int
key_parse(const char *s, uint8_t key[static DSTM_KEY_LEN])
{
	static const uint8_t zero[DSTM_KEY_LEN];

	for (int i = 0; i < DSTM_KEY_LEN; i++)
		if (sscanf(s + 2 * i, "%2hhx", &key[i]) != 1)
			return -1;
	return memcmp(key, zero, DSTM_KEY_LEN) == 0 ? -1 : 0;
}

void
rpcd_key_load(void)
{
	char buf[2 * DSTM_KEY_LEN + 2];
	ssize_t n;
	int fd;

	rpcd.have_key = false;
	fd = open(rpcd.conf.key_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("lease key %s", rpcd.conf.key_file);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 2 * DSTM_KEY_LEN) {
		log_warnx("lease key %s: too short; a new one will be made",
		    rpcd.conf.key_file);
		return;
	}
	buf[n] = '\0';
	if (key_parse(buf, rpcd.key) != 0) {
		log_warnx("lease key %s: not a key; a new one will be made",
		    rpcd.conf.key_file);
		return;
	}
	rpcd.have_key = true;
	log_debug("lease key from %s (a lease from before a crash comes back "
	    "with it)", rpcd.conf.key_file);
}

/* Write the key to key-file.tmp, sync, rename: the file holds the old key
 * or the new one, never half of one. */
static int
key_save(void)
{
	char tmp[PATH_MAX + 8], dir[PATH_MAX], buf[2 * DSTM_KEY_LEN + 1];
	int fd, dfd, rc = 0;

	for (int i = 0; i < DSTM_KEY_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02x", rpcd.key[i]);
	buf[2 * DSTM_KEY_LEN] = '\n';
	snprintf(dir, sizeof(dir), "%s", rpcd.conf.key_file);
	dirname(dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", rpcd.conf.key_file);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0600) != 0 ||
	    write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    fsync(fd) != 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, rpcd.conf.key_file) != 0)
		rc = -errno;
	if (rc != 0) {
		unlink(tmp);
		return rc;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

const uint8_t *
rpcd_key(void)
{
	int rc;

	if (rpcd.have_key)
		return rpcd.key;
	if (getrandom(rpcd.key, sizeof(rpcd.key), 0) != sizeof(rpcd.key))
		fatal("getrandom");
	rpcd.key[0] |= 1;	/* never all zero */
	rpcd.have_key = true;
	if ((rc = key_save()) != 0)
		log_warnx("lease key %s: %s; kept in memory only (a crash "
		    "loses the lease until it expires)", rpcd.conf.key_file,
		    strerror(-rc));
	return rpcd.key;
}

void
rpcd_key_forget(void)
{
	if (!rpcd.have_key)
		return;
	explicit_bzero(rpcd.key, sizeof(rpcd.key));
	rpcd.have_key = false;
	if (unlink(rpcd.conf.key_file) != 0 && errno != ENOENT)
		log_warn("lease key %s", rpcd.conf.key_file);
}
