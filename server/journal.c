/* journal.c - lease persistence: snapshot + append-only journal.
 *
 * All integers are little-endian.  A record is 76 bytes:
 *
 *	 0  u32  magic     0x4c4a5344 ("DSJL")
 *	 4  u16  version   2
 *	 6  u16  length    76, the whole record
 *	 8  u64  seq       strictly increasing within a file
 *	16  u32  addr      IPv4 address, host value
 *	20  u8   state     enum lease_state
 *	21  u8   pad[3]    zero
 *	24  u8   client[16]
 *	40  i64  since
 *	48  i64  expires
 *	56  u8   key[16]   the lease key (zero = none)
 *	72  u32  crc       CRC-32C of bytes 0..71
 *
 * Version 1 records (older servers) are the same without the key: 60
 * bytes, the CRC at 56.  They are read (key zero) wherever they appear,
 * so a journal that an upgrade appends version 2 records to replays
 * whole; everything written is version 2.
 *
 * leases.journal is a sequence of records.  leases.snap is:
 *
 *	 0  u32  magic     0x504e5344 ("DSNP")
 *	 4  u16  version   2 (1 from older servers; either is read)
 *	 6  u16  length    32, the header
 *	 8  u64  seq       last journal seq the snapshot covers
 *	16  u64  count     number of records that follow
 *	24  u32  reserved  zero
 *	28  u32  crc       CRC-32C of bytes 0..27
 *	32       count records, each carrying seq = the header's seq
 *	 +  u32  magic     0x454e5344 ("DSNE")
 *	 +  u32  crc       CRC-32C of all record bytes
 *
 * and must end right after the trailer.  Compaction commits what is
 * buffered, then snapshots with seq = the last seq handed out; journal
 * records with seq <= it are already in the snapshot and replay skips them.
 *
 * Off the event loop (journal_rotate, journal_snapshot): beside
 * leases.journal there is always an empty leases.journal.next, created and
 * its name synced in advance.  The loop commits and switches its appends
 * to .next: no system call, no wait.  Another thread writes the snapshot
 * at the switch's seq, renames it into place, then renames .next over
 * leases.journal (the old records are all in the snapshot) and creates
 * the next empty .next.  Replay reads leases.journal then .next, one
 * sequence across both, so a crash at any step replays every committed
 * record: before the snapshot's rename the old snapshot + both files,
 * after it the new one (leases.journal's records all skipped) + .next,
 * after the second rename the new snapshot + the new leases.journal.  A
 * .next found holding records at start is compacted inline (store.c).
 *
 * Policy: a snapshot is written whole and renamed into place, so any flaw
 * in it is real damage: open fails with -EBADMSG.  In the journal the first
 * bad record (short, bad magic/version/length, CRC, seq not increasing)
 * ends replay; it and everything after it is saved to
 * leases.journal.bad-<unixtime> and cut off, since a record after a corrupt
 * one cannot be trusted to be in order (a flaw in leases.journal cuts
 * all of .next too).  If that copy fails, open fails: the
 * bytes are never dropped unsaved.  A failed commit is cut back to the last
 * committed size and stays buffered for the next commit.
 */
#include "server/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/crc32c.h"
#include "common/log.h"

#define REC_MAGIC	0x4c4a5344u
#define SNAP_MAGIC	0x504e5344u
#define SNAP_END	0x454e5344u
#define FMT_VERSION	2
#define REC_LEN		JOURNAL_REC_LEN
#define REC_V1_LEN	JOURNAL_REC_V1_LEN
#define REC_HDR_LEN	8		/* magic, version, length */
#define SNAP_HDR_LEN	32
#define SNAP_END_LEN	8
#define IO_CHUNK	65536
#define SNAP_SYNC_EVERY	(16 * IO_CHUNK)	/* bytes between a snapshot's syncs */
#define TRUNC_STEP	(64 * IO_CHUNK)	/* old journal freed by this much */

#define JOURNAL_NAME	"leases.journal"
#define SNAP_NAME	"leases.snap"
#define SNAP_TMP	"leases.snap.tmp"
#define NEXT_NAME	"leases.journal.next"

struct journal {
	int			 dirfd;
	int			 fd;		/* appends go here */
	int			 spare;		/* the empty .next, or -1 */
	int			 old;		/* leases.journal while .next
						 * takes the appends, or -1 */
	int			 th_spare;	/* the thread's new .next */
	bool			 th_renamed;	/* .next became the journal */
	bool			 sync;
	int			 broken;	/* -errno once the file is unsafe */
	uint64_t		 next_seq;
	uint64_t		 committed;	/* journal file size */
	uint64_t		 records;	/* since the last snapshot */
	uint64_t		 old_records;	/* in `old`, not snapshotted */
	uint8_t			*buf;		/* appended, not yet written */
	size_t			 len, cap;
	struct journal_stats	 st;
};

/* A buffered reader over pread, so the file position does not matter. */
struct reader {
	int		 fd;
	uint8_t		*buf;
	size_t		 pos, len;
	uint64_t	 off;		/* file offset of buf[len] */
};

static void
put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define put16(p, v)	put_le((p), (v), 2)
#define put32(p, v)	put_le((p), (v), 4)
#define put64(p, v)	put_le((p), (v), 8)
#define get16(p)	((uint16_t)get_le((p), 2))
#define get32(p)	((uint32_t)get_le((p), 4))
#define get64(p)	get_le((p), 8)

static void
rec_encode(uint8_t p[static REC_LEN], uint64_t seq, const struct jrec *r)
{
	memset(p, 0, REC_LEN);
	put32(p, REC_MAGIC);
	put16(p + 4, FMT_VERSION);
	put16(p + 6, REC_LEN);
	put64(p + 8, seq);
	put32(p + 16, r->addr);
	p[20] = r->state;
	memcpy(p + 24, &r->client, 16);
	put64(p + 40, (uint64_t)r->since);
	put64(p + 48, (uint64_t)r->expires);
	memcpy(p + 56, r->key, JOURNAL_KEY_LEN);
	put32(p + REC_LEN - 4, crc32c(0, p, REC_LEN - 4));
}

/* The length a record header announces (version 1 or 2); NULL if sound,
 * else what is wrong with it. */
static const char *
rec_header(const uint8_t p[static REC_HDR_LEN], size_t *len)
{
	if (get32(p) != REC_MAGIC)
		return "bad magic";
	switch (get16(p + 4)) {
	case 1:
		*len = REC_V1_LEN;
		break;
	case FMT_VERSION:
		*len = REC_LEN;
		break;
	default:
		return "unknown version";
	}
	if (get16(p + 6) != *len)
		return "bad length";
	return NULL;
}

/* NULL if the `len` bytes at p (length from rec_header) are a sound
 * record, else what is wrong with it. */
static const char *
rec_decode(const uint8_t *p, size_t len, uint64_t *seq, struct jrec *r)
{
	if (get32(p + len - 4) != crc32c(0, p, len - 4))
		return "CRC mismatch";
	*seq = get64(p + 8);
	memset(r, 0, sizeof(*r));
	r->addr = get32(p + 16);
	r->state = p[20];
	memcpy(&r->client, p + 24, 16);
	r->since = (int64_t)get64(p + 40);
	r->expires = (int64_t)get64(p + 48);
	if (len == REC_LEN)
		memcpy(r->key, p + 56, JOURNAL_KEY_LEN);
	return NULL;
}

/* Copy up to n bytes; fewer only at end of file.  Count or -errno. */
static ssize_t
rd_get(struct reader *rd, uint8_t *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		size_t k;
		ssize_t r;

		if (rd->pos == rd->len) {
			r = pread(rd->fd, rd->buf, IO_CHUNK, (off_t)rd->off);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if (r == 0)
				break;
			rd->pos = 0;
			rd->len = (size_t)r;
			rd->off += (uint64_t)r;
		}
		k = rd->len - rd->pos;
		if (k > n - got)
			k = n - got;
		memcpy(dst + got, rd->buf + rd->pos, k);
		rd->pos += k;
		got += k;
	}
	return (ssize_t)got;
}

/* Read one record of either version into rec: 1 with its length in *len,
 * 0 at a clean end of file, -errno; a short or unsound record is 1 with
 * *why set. */
static int
rec_read(struct reader *rd, uint8_t rec[static REC_LEN], size_t *len,
    uint64_t *seq, struct jrec *r, const char **why)
{
	ssize_t n;

	*why = NULL;
	*len = 0;
	if ((n = rd_get(rd, rec, REC_HDR_LEN)) < 0)
		return (int)n;
	if (n == 0)
		return 0;
	if (n != REC_HDR_LEN) {
		*why = "torn record";
		return 1;
	}
	if ((*why = rec_header(rec, len)) != NULL)
		return 1;
	if ((n = rd_get(rd, rec + REC_HDR_LEN, *len - REC_HDR_LEN)) < 0)
		return (int)n;
	if ((size_t)n != *len - REC_HDR_LEN) {
		*why = "torn record";
		return 1;
	}
	*why = rec_decode(rec, *len, seq, r);
	return 1;
}

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
mkdir_p(const char *dir)
{
	char path[PATH_MAX];
	char *p;
	int n;

	n = snprintf(path, sizeof(path), "%s", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	for (p = path;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (p > path && p[-1] != '/') {
			char c = *p;

			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST)
				return -errno;
			*p = c;
		}
		if (*p == '\0')
			return 0;
	}
}

/* One pass over the snapshot: with cb == NULL it only validates. */
static int
snap_pass(struct journal *j, struct reader *rd, journal_replay_cb cb,
    void *arg, uint64_t *seqp)
{
	uint8_t hdr[SNAP_HDR_LEN], rec[REC_LEN], end[SNAP_END_LEN + 1];
	const char *why = NULL;
	uint32_t crc = 0;
	uint64_t seq, count, rseq, i;
	struct jrec r;
	size_t len;
	ssize_t n;
	int rc = 0;

	if ((n = rd_get(rd, hdr, sizeof(hdr))) < 0)
		return (int)n;
	if (n != sizeof(hdr) || get32(hdr) != SNAP_MAGIC ||
	    (get16(hdr + 4) != FMT_VERSION && get16(hdr + 4) != 1) ||
	    get16(hdr + 6) != SNAP_HDR_LEN ||
	    get32(hdr + 28) != crc32c(0, hdr, SNAP_HDR_LEN - 4)) {
		why = "bad header";
		goto out;
	}
	seq = get64(hdr + 8);
	count = get64(hdr + 16);
	for (i = 0; i < count; i++) {
		if ((rc = rec_read(rd, rec, &len, &rseq, &r, &why)) < 0)
			return rc;
		if (rc == 0)
			why = "truncated";
		rc = 0;
		if (why != NULL)
			goto out;
		if (rseq != seq) {
			why = "record seq differs from header";
			goto out;
		}
		crc = crc32c(crc, rec, len);
		if (cb != NULL && (rc = cb(&r, arg)) != 0)
			return rc;
	}
	if ((n = rd_get(rd, end, sizeof(end))) < 0)
		return (int)n;
	if (n != SNAP_END_LEN || get32(end) != SNAP_END ||
	    get32(end + 4) != crc) {
		why = "bad trailer or trailing bytes";
		goto out;
	}
	*seqp = seq;
	if (cb != NULL)
		j->st.snapshot_records = count;
out:
	if (why != NULL) {
		log_warnx("journal: snapshot %s is corrupt (%s near offset "
		    "%llu); refusing to start over it", SNAP_NAME, why,
		    (unsigned long long)(rd->off - (rd->len - rd->pos)));
		return -EBADMSG;
	}
	return rc;
}

/* Validate the whole snapshot before handing any record to cb. */
static int
snap_load(struct journal *j, uint8_t *scratch, journal_replay_cb cb,
    void *arg, uint64_t *seqp)
{
	struct reader rd = { -1, scratch, 0, 0, 0 };
	int rc;

	*seqp = 0;
	rd.fd = openat(j->dirfd, SNAP_NAME, O_RDONLY | O_CLOEXEC);
	if (rd.fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if ((rc = snap_pass(j, &rd, NULL, NULL, seqp)) != 0)
		goto out;
	rd = (struct reader){ rd.fd, scratch, 0, 0, 0 };
	rc = snap_pass(j, &rd, cb, arg, seqp);
out:
	close(rd.fd);
	return rc;
}

/* Save [off, end) of a journal file aside, then cut it there. */
static int
cut_tail(struct journal *j, int fd, const char *fname, uint8_t *scratch,
    uint64_t off, const char *why)
{
	char name[64];
	uint64_t pos = off;
	long long now = (long long)time(NULL);
	int bfd = -1, rc = 0;

	for (int i = 0; bfd < 0; i++) {
		snprintf(name, sizeof(name), i ? "%s.bad-%lld.%d" :
		    "%s.bad-%lld", JOURNAL_NAME, now, i);
		bfd = openat(j->dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (bfd < 0 && (errno != EEXIST || i >= 100))
			return -errno;
	}
	for (;;) {
		ssize_t n = pread(fd, scratch, IO_CHUNK, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if ((rc = write_all(bfd, scratch, (size_t)n)) != 0)
			goto out;
		pos += (uint64_t)n;
	}
	/* the copy must be durable before the original bytes go away */
	if (fsync(bfd) != 0 || fsync(j->dirfd) != 0 ||
	    ftruncate(fd, (off_t)off) != 0 || fsync(fd) != 0) {
		rc = -errno;
		goto out;
	}
	j->st.dropped_bytes += pos - off;
	log_warnx("journal: %s: %s at offset %llu; dropped %llu bytes, saved "
	    "in %s", fname, why, (unsigned long long)off,
	    (unsigned long long)(pos - off), name);
out:
	close(bfd);
	return rc;
}

/* Replay one journal file from its start.  *last is the highest seq so
 * far (leases.journal's carries into .next); *off where it stopped, *why
 * why (NULL at a clean end); *live the records past the snapshot. */
static int
replay_file(int fd, uint8_t *scratch, uint64_t snap_seq, uint64_t *last,
    journal_replay_cb cb, void *arg, uint64_t *off, const char **why,
    uint64_t *live)
{
	struct reader rd = { fd, scratch, 0, 0, 0 };
	uint8_t rec[REC_LEN];
	uint64_t seq;
	struct jrec r;
	size_t len;
	int rc;

	*live = 0;
	for (*off = 0;; *off += len) {
		if ((rc = rec_read(&rd, rec, &len, &seq, &r, why)) < 0)
			return rc;
		if (rc == 0 || *why != NULL)
			return 0;
		if (seq <= *last) {
			*why = "sequence number not increasing";
			return 0;
		}
		*last = seq;
		if (seq <= snap_seq)
			continue;	/* compaction crashed before the cut */
		if (cb != NULL && (rc = cb(&r, arg)) != 0)
			return rc;
		(*live)++;
	}
}

/* A new empty .next, its name durable: -errno, or its descriptor. */
static int
spare_create(int dirfd)
{
	int fd = openat(dirfd, NEXT_NAME,
	    O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (fsync(dirfd) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* leases.journal (j->fd) then .next (nfd, or -1) */
static int
journal_replay(struct journal *j, int nfd, uint8_t *scratch,
    uint64_t snap_seq, journal_replay_cb cb, void *arg)
{
	const char *why = NULL, *nwhy = NULL;
	uint64_t last = 0, off = 0, noff = 0, live = 0, nlive = 0;
	int rc;

	if ((rc = replay_file(j->fd, scratch, snap_seq, &last, cb, arg, &off,
	    &why, &live)) != 0)
		return rc;
	if (nfd >= 0 && why != NULL) {
		if (lseek(nfd, 0, SEEK_END) > 0)
			nwhy = "it follows a flaw in " JOURNAL_NAME;
	}
	else if (nfd >= 0 && (rc = replay_file(nfd, scratch, snap_seq, &last,
	    cb, arg, &noff, &nwhy, &nlive)) != 0)
		return rc;
	j->st.journal_records = live + nlive;
	j->records = live + nlive;
	j->next_seq = (last > snap_seq ? last : snap_seq) + 1;
	if (why != NULL && (rc = cut_tail(j, j->fd, JOURNAL_NAME, scratch, off,
	    why)) != 0)
		return rc;
	if (nwhy != NULL && (rc = cut_tail(j, nfd, NEXT_NAME, scratch, noff,
	    nwhy)) != 0)
		return rc;
	j->committed = off;
	if (off > 0 && live == 0 && noff == 0) {
		/* all already in the snapshot: finish that compaction */
		if (ftruncate(j->fd, 0) != 0 || fsync(j->fd) != 0)
			return -errno;
		j->committed = 0;
	}
	return 0;
}

int
journal_open(const char *dir, bool sync, journal_replay_cb cb, void *arg,
    struct journal **out)
{
	struct journal *j;
	uint8_t *scratch = NULL;
	uint64_t snap_seq;
	int nfd = -1, rc;

	*out = NULL;
	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -ENOMEM;
	j->dirfd = j->fd = j->spare = j->old = j->th_spare = -1;
	j->sync = sync;
	if ((rc = mkdir_p(dir)) != 0)
		goto out;
	j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (j->dirfd < 0) {
		rc = -errno;
		goto out;
	}
	if (unlinkat(j->dirfd, SNAP_TMP, 0) != 0 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	if ((scratch = malloc(IO_CHUNK)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = snap_load(j, scratch, cb, arg, &snap_seq)) != 0)
		goto out;
	j->fd = openat(j->dirfd, JOURNAL_NAME,
	    O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->fd < 0 || fsync(j->dirfd) != 0) {
		rc = -errno;
		goto out;
	}
	nfd = openat(j->dirfd, NEXT_NAME, O_RDWR | O_APPEND | O_CLOEXEC);
	if (nfd < 0 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	if ((rc = journal_replay(j, nfd, scratch, snap_seq, cb, arg)) != 0)
		goto out;
	if (nfd >= 0 && lseek(nfd, 0, SEEK_END) > 0) {
		/* a compaction did not finish: appends go on in .next, and
		 * store.c compacts inline (journal_can_rotate is false) */
		j->old = j->fd;
		j->old_records = j->records;
		j->fd = nfd;
		j->committed = (uint64_t)lseek(nfd, 0, SEEK_END);
		nfd = -1;
	} else if (nfd >= 0) {
		j->spare = nfd;
		nfd = -1;
	} else if ((j->spare = spare_create(j->dirfd)) < 0) {
		rc = j->spare;
		j->spare = -1;
		goto out;
	}
	*out = j;
	j = NULL;
out:
	if (nfd >= 0)
		close(nfd);
	free(scratch);

	journal_close(j);
	return rc;
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->fd >= 0)
		close(j->fd);
	if (j->spare >= 0)
		close(j->spare);
	if (j->old >= 0)
		close(j->old);
	if (j->th_spare >= 0)
		close(j->th_spare);
	if (j->dirfd >= 0)
		close(j->dirfd);
	free(j->buf);
	free(j);
}

static int
buf_reserve(struct journal *j, size_t n)
{
	size_t cap = j->cap ? j->cap : 4096;
	uint8_t *nb;

	if (j->cap - j->len >= n)
		return 0;
	while (cap - j->len < n) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if ((nb = realloc(j->buf, cap)) == NULL)
		return -ENOMEM;
	j->buf = nb;
	j->cap = cap;
	return 0;
}

int
journal_append(struct journal *j, const struct jrec *r)
{
	int rc;

	if ((rc = buf_reserve(j, REC_LEN)) != 0)
		return rc;
	rec_encode(j->buf + j->len, j->next_seq++, r);
	j->len += REC_LEN;
	j->records++;
	j->st.appended++;
	return 0;
}

int
journal_commit(struct journal *j)
{
	int rc;

	if (j->broken)
		return j->broken;
	if (j->len == 0)
		return 0;
	if ((rc = write_all(j->fd, j->buf, j->len)) != 0)
		goto out;
	if (j->sync) {
		j->st.syncs++;
		if (fdatasync(j->fd) != 0) {
			rc = -errno;
			goto out;
		}
	}
	j->committed += j->len;
	j->len = 0;
out:
	/* keep the buffer for a retry and the file ending on a record */
	if (rc != 0 && ftruncate(j->fd, (off_t)j->committed) != 0) {
		log_warn("journal: cannot cut a failed write back");
		j->broken = -EIO;
	}
	return rc;
}

/* Stream the snapshot into fd through buf (IO_CHUNK + REC_LEN bytes),
 * syncing every megabyte: a big dirty file makes the journal's own syncs
 * wait for its writeback (ext4 commits a file's data before the metadata
 * that the next fdatasync of the journal flushes), so the loop would stall
 * in its commit while the thread writes. */
static int
snap_write(int fd, uint8_t *buf, uint64_t seq, journal_iter_cb it, void *arg)
{
	uint8_t hdr[SNAP_HDR_LEN];
	uint64_t count = 0, unsynced = 0;
	uint32_t crc = 0;
	struct jrec r;
	size_t len = 0;
	int rc, more;

	memset(hdr, 0, sizeof(hdr));
	if ((rc = write_all(fd, hdr, sizeof(hdr))) != 0)
		return rc;
	while ((more = it(&r, arg)) > 0) {
		rec_encode(buf + len, seq, &r);
		crc = crc32c(crc, buf + len, REC_LEN);
		len += REC_LEN;
		count++;
		if (len >= IO_CHUNK) {
			if ((rc = write_all(fd, buf, len)) != 0)
				return rc;
			unsynced += len;
			len = 0;
		}
		if (unsynced >= SNAP_SYNC_EVERY) {
			if (fdatasync(fd) != 0)
				return -errno;
			unsynced = 0;
		}
	}
	if (more < 0)
		return more;
	put32(buf + len, SNAP_END);
	put32(buf + len + 4, crc);
	len += SNAP_END_LEN;
	if ((rc = write_all(fd, buf, len)) != 0)
		return rc;
	put32(hdr, SNAP_MAGIC);
	put16(hdr + 4, FMT_VERSION);
	put16(hdr + 6, SNAP_HDR_LEN);
	put64(hdr + 8, seq);
	put64(hdr + 16, count);
	put32(hdr + 28, crc32c(0, hdr, SNAP_HDR_LEN - 4));
	if (lseek(fd, 0, SEEK_SET) != 0)
		return -errno;
	return write_all(fd, hdr, sizeof(hdr));
}

/* Write leases.snap.tmp, sync it, rename it to leases.snap, sync the
 * directory.  Touches nothing of struct journal but the directory: the
 * compaction thread calls it while the loop appends. */
static int
snap_build(int dirfd, uint64_t seq, journal_iter_cb it, void *arg)
{
	uint8_t *buf;
	int fd = -1, rc;

	if ((buf = malloc(IO_CHUNK + REC_LEN)) == NULL)
		return -ENOMEM;
	fd = openat(dirfd, SNAP_TMP, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if ((rc = snap_write(fd, buf, seq, it, arg)) != 0)
		goto out;
	/* always synced, even without `sync`: the journal is cut next and
	 * an unsynced snapshot would lose everything, not just the tail */
	if (fsync(fd) != 0 ||
	    renameat(dirfd, SNAP_TMP, dirfd, SNAP_NAME) != 0 ||
	    fsync(dirfd) != 0)
		rc = -errno;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		unlinkat(dirfd, SNAP_TMP, 0);
	free(buf);
	return rc;
}

/* Free a big unlinked file's blocks a few megabytes at a time: ext4
 * frees them all at the last close otherwise, in one go that held the
 * loop's fdatasync for 100 ms (a 300 MB journal, measured). */
static void
release_blocks(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);

	while (size > 0) {
		size = size > TRUNC_STEP ? size - TRUNC_STEP : 0;
		if (ftruncate(fd, size) != 0)
			return;
	}
}

/* After the snapshot covers both files: .next becomes leases.journal,
 * the old one goes (its blocks freed here, not in the loop), and a new
 * empty .next is made.  Called by the thread, or inline. */
static int
rotation_end(struct journal *j)
{
	int fd;

	if (!j->th_renamed) {
		if (renameat(j->dirfd, NEXT_NAME, j->dirfd,
		    JOURNAL_NAME) != 0 || fsync(j->dirfd) != 0)
			return -errno;
		j->th_renamed = true;
		release_blocks(j->old);
		close(j->old);
		j->old = -1;
	}
	if ((fd = spare_create(j->dirfd)) < 0)
		return fd;
	j->th_spare = fd;
	return 0;
}

/* The loop's side of rotation_end, after it returned. */
static void
rotation_adopt(struct journal *j)
{
	if (j->th_renamed) {
		j->old_records = 0;
		j->th_renamed = false;
	}
	if (j->th_spare >= 0) {
		j->spare = j->th_spare;
		j->th_spare = -1;
	}
}

int
journal_compact(struct journal *j, journal_iter_cb it, void *arg)
{
	uint64_t seq;
	int rc = 0;

	if ((rc = journal_commit(j)) != 0)
		return rc;
	seq = j->next_seq - 1;
	if ((rc = snap_build(j->dirfd, seq, it, arg)) != 0)
		return rc;
	j->records = 0;
	j->st.compactions++;
	/* a failure from here on leaves records <= seq that replay skips */
	if (j->old >= 0)
		rc = rotation_end(j);
	else if (j->spare < 0 && (rc = spare_create(j->dirfd)) >= 0) {
		j->th_spare = rc;
		rc = 0;
	}
	rotation_adopt(j);
	if (rc != 0)
		return rc;
	j->old_records = 0;
	if (ftruncate(j->fd, 0) != 0)
		return -errno;
	j->committed = 0;
	if (fsync(j->fd) != 0)
		return -errno;
	return 0;
}

bool
journal_can_rotate(const struct journal *j)
{
	return j->old < 0 && j->spare >= 0 && !j->broken;
}

int
journal_rotate(struct journal *j, uint64_t *seq)
{
	int rc;

	if (!journal_can_rotate(j))
		return -EBUSY;
	if ((rc = journal_commit(j)) != 0)
		return rc;
	/* .next's name is durable already: nothing to sync here */
	j->old = j->fd;
	j->fd = j->spare;
	j->spare = -1;
	j->committed = 0;
	j->old_records = j->records;
	j->records = 0;
	*seq = j->next_seq - 1;
	return 0;
}

int
journal_snapshot(struct journal *j, uint64_t seq, journal_iter_cb it,
    void *arg)
{
	int rc;

	if ((rc = snap_build(j->dirfd, seq, it, arg)) != 0)
		return rc;
	return rotation_end(j);
}

void
journal_rotate_done(struct journal *j, int rc)
{
	rotation_adopt(j);
	if (rc == 0)
		j->st.compactions++;
	else if (j->old >= 0)
		j->records += j->old_records;	/* still to compact */
}

uint64_t
journal_size(const struct journal *j)
{
	return j->committed;
}

uint64_t
journal_records(const struct journal *j)
{
	return j->records;
}

const struct journal_stats *
journal_get_stats(const struct journal *j)
{
	return &j->st;
}
