/* rpcd_key.c - the lease key: 128 random bits rpcd chooses for a new
 * lease and shows the server in every ALLOC, RENEW and RELEASE of it.
 * Only rpcd knows it: it lives in key-file, root's, mode 0600, in a
 * directory made 0700 when missing, so a local user who can send from
 * the host's address still cannot renew or release the host's lease.
 *
 * The file is opened (created) at start, before privileges go, and kept
 * open: later writes go through that descriptor (write, ftruncate,
 * fdatasync), so the file stays root's and the daemon needs neither the
 * directory nor any call beyond those once it runs unprivileged.  One
 * line, "KEY CRC\n" (32 and 8 hex digits, CRC-32C of the key): a line
 * torn by a crash fails the CRC and is not taken for a key.
 *
 * The file outlives a crash (the restarted rpcd's ALLOC gets the same
 * lease back); a lease given back or lost takes its key with it (the file
 * is emptied) and the next lease gets a new one. */
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

#include "common/crc32c.h"
#include "common/log.h"

#define KEY_LINE	(2 * DSTM_KEY_LEN + 1 + 8 + 1)

static int key_fd = -1;

static int
key_parse(const char *s, size_t len, uint8_t key[static DSTM_KEY_LEN])
{
	static const uint8_t zero[DSTM_KEY_LEN];
	unsigned crc;

	if (len < KEY_LINE - 1 || s[2 * DSTM_KEY_LEN] != ' ')
		return -1;
	for (int i = 0; i < DSTM_KEY_LEN; i++)
		if (sscanf(s + 2 * i, "%2hhx", &key[i]) != 1)
			return -1;
	if (sscanf(s + 2 * DSTM_KEY_LEN + 1, "%8x", &crc) != 1 ||
	    crc != crc32c(0, key, DSTM_KEY_LEN))
		return -1;
	return memcmp(key, zero, DSTM_KEY_LEN) == 0 ? -1 : 0;
}

static int
key_open(void)
{
	char dir[PATH_MAX];
	int fd;

	fd = open(rpcd.conf.key_file, O_RDWR | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0 && errno == ENOENT) {
		snprintf(dir, sizeof(dir), "%s", rpcd.conf.key_file);
		if (mkdir(dirname(dir), 0700) != 0 && errno != EEXIST)
			return -errno;
		fd = open(rpcd.conf.key_file, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
	}
	if (fd < 0)
		return -errno;
	/* a file that was there before us: no one else may read it */
	if (fchmod(fd, 0600) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	key_fd = fd;
	return 0;
}

void
rpcd_key_load(void)
{
	char buf[KEY_LINE + 1];
	ssize_t n;
	int rc;

	rpcd.have_key = false;
	if ((rc = key_open()) != 0) {
		log_warnx("lease key %s: %s; keys stay in memory only (a "
		    "crash loses the lease until it expires)",
		    rpcd.conf.key_file, strerror(-rc));
		return;
	}
	if ((n = pread(key_fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return;		/* no lease from before */
	buf[n] = '\0';
	if (key_parse(buf, (size_t)n, rpcd.key) != 0) {
		log_warnx("lease key %s: not a key (torn by a crash?); a new "
		    "one will be made", rpcd.conf.key_file);
		return;
	}
	rpcd.have_key = true;
	log_debug("lease key from %s (a lease from before a crash comes back "
	    "with it)", rpcd.conf.key_file);
}

static int
key_write(const char *buf, size_t len)
{
	if (key_fd < 0)
		return -EBADF;
	if (lseek(key_fd, 0, SEEK_SET) != 0 ||
	    (len > 0 && write(key_fd, buf, len) != (ssize_t)len) ||
	    ftruncate(key_fd, (off_t)len) != 0 || fdatasync(key_fd) != 0)
		return -errno;
	return 0;
}

const uint8_t *
rpcd_key(void)
{
	char buf[KEY_LINE + 1];
	int rc;

	if (rpcd.have_key)
		return rpcd.key;
	if (getrandom(rpcd.key, sizeof(rpcd.key), 0) != sizeof(rpcd.key))
		fatal("getrandom");
	rpcd.key[0] |= 1;	/* never all zero */
	rpcd.have_key = true;
	for (int i = 0; i < DSTM_KEY_LEN; i++)
		snprintf(buf + 2 * i, 3, "%02x", rpcd.key[i]);
	snprintf(buf + 2 * DSTM_KEY_LEN, sizeof(buf) - 2 * DSTM_KEY_LEN,
	    " %08x\n", crc32c(0, rpcd.key, DSTM_KEY_LEN));
	if (key_fd >= 0 && (rc = key_write(buf, KEY_LINE)) != 0)
		log_warnx("lease key %s: %s; kept in memory only (a crash "
		    "loses the lease until it expires)", rpcd.conf.key_file,
		    strerror(-rc));
	return rpcd.key;
}

void
rpcd_key_forget(void)
{
	int rc;

	if (!rpcd.have_key)
		return;
	explicit_bzero(rpcd.key, sizeof(rpcd.key));
	rpcd.have_key = false;
	if (key_fd >= 0 && (rc = key_write(NULL, 0)) != 0)
		log_warnx("lease key %s: %s", rpcd.conf.key_file,
		    strerror(-rc));
}
