// SPDX-License-Identifier: MIT
/*
 * The SFTP server's READs and WRITEs in flight: the same requests go to a
 * server that batches them through io_uring and to one that serves them one
 * by one with pread/pwrite. Their reply streams must be identical byte for
 * byte (replies in request order, the same data, short reads, EOFs and
 * errors), the files they leave identical and as written, and the first must
 * really have used the ring.
 */
#include <fcntl.h>
#include <linux/magic.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "kssh/buf.h"
#include "kssh/sftp.h"
#include "test.h"

struct test_case test_cases[MAX_TESTS];
int test_count;

#define CHUNK 8192
#define CHUNKS 40
#define FILE_LEN (CHUNKS * CHUNK)

struct side {
	char dir[64];
	struct sftp_server *s;
	struct kssh_buf out; /* every reply, in the order they came */
};

static struct kssh_buf req;
static uint32_t next_id;

static uint8_t pattern(size_t i)
{
	return (uint8_t)(i * 131 + (i >> 9) * 7);
}

/* A request of type with the fields the caller puts after begin */
static void begin(uint8_t type)
{
	kssh_buf_reset(&req);
	kssh_buf_put_u32(&req, 0);
	kssh_buf_put_u8(&req, type);
	kssh_buf_put_u32(&req, ++next_id);
}

static void send_to(struct side *a, struct side *b)
{
	kssh_poke_u32(kssh_buf_mutable_ptr(&req), (uint32_t)(kssh_buf_len(&req) - 4));
	kssh_buf_put(sftp_server_input(a->s), kssh_buf_ptr(&req), kssh_buf_len(&req));
	kssh_buf_put(sftp_server_input(b->s), kssh_buf_ptr(&req), kssh_buf_len(&req));
}

/* Serves everything queued; the replies join side->out */
static int serve(struct side *d)
{
	struct kssh_buf *out = sftp_server_output(d->s);

	while (kssh_buf_len(sftp_server_input(d->s)) > 0) {
		size_t before = kssh_buf_len(sftp_server_input(d->s));

		if (sftp_server_process(d->s, 8u << 20) != 0)
			return -1;
		kssh_buf_put(&d->out, kssh_buf_ptr(out), kssh_buf_len(out));
		kssh_buf_reset(out);
		if (kssh_buf_len(sftp_server_input(d->s)) == before)
			return -1;
	}
	return 0;
}

static void put_handle(const uint8_t handle[8])
{
	kssh_buf_put_string(&req, handle, 8);
}

static void open_file(const char *name, uint32_t flags)
{
	begin(SSH_FXP_OPEN);
	kssh_buf_put_cstring(&req, name);
	kssh_buf_put_u32(&req, flags);
	kssh_buf_put_u32(&req, 0); /* no attributes */
}

/* The handle in the last reply of side's output (a HANDLE reply) */
static int last_handle(struct side *d, size_t reply_at, uint8_t handle[8])
{
	const uint8_t *p = kssh_buf_ptr(&d->out) + reply_at;

	if (kssh_buf_len(&d->out) != reply_at + 4 + 1 + 4 + 4 + 8 || p[4] != SSH_FXP_HANDLE)
		return -1;
	memcpy(handle, p + 13, 8);
	return 0;
}

static void write_at(const uint8_t h[8], uint64_t offset, const uint8_t *data, size_t len)
{
	begin(SSH_FXP_WRITE);
	put_handle(h);
	kssh_buf_put_u64(&req, offset);
	kssh_buf_put_string(&req, data, len);
}

static void read_at(const uint8_t h[8], uint64_t offset, uint32_t len)
{
	begin(SSH_FXP_READ);
	put_handle(h);
	kssh_buf_put_u64(&req, offset);
	kssh_buf_put_u32(&req, len);
}

static void close_handle(const uint8_t h[8])
{
	begin(SSH_FXP_CLOSE);
	put_handle(h);
}

static int side_new(struct side *d, int no_io_uring)
{
	struct sftp_server_config cfg = { .no_io_uring = no_io_uring };
	struct statfs fs;

	/* beside the build, on a disk: files in tmpfs are never batched */
	snprintf(d->dir, sizeof(d->dir), "build/sftp-io.XXXXXX");
	if (mkdtemp(d->dir) == NULL || statfs(d->dir, &fs) != 0) {
		printf("#   cannot make %s\n", d->dir);
		return -1;
	}
	if (fs.f_type == TMPFS_MAGIC) {
		printf("#   %s is in tmpfs: this test needs files on a disk\n", d->dir);
		return -1;
	}
	cfg.root = d->dir;
	cfg.home = "/";
	kssh_buf_init(&d->out, 64u << 20);
	return (d->s = sftp_server_new(&cfg)) == NULL ? -1 : 0;
}

static void side_free(struct side *d)
{
	char path[128];

	sftp_server_free(d->s);
	kssh_buf_release(&d->out);
	snprintf(path, sizeof(path), "%s/f", d->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/g", d->dir);
	unlink(path);
	rmdir(d->dir);
}

/* The file name's bytes in side's directory */
static ssize_t file_bytes(struct side *d, const char *name, uint8_t *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", d->dir, name);
	if ((fd = open(path, O_RDONLY)) < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/* The reply ids of a stream of replies, in order; -1 when it does not parse */
static int reply_ids(const struct kssh_buf *all, uint32_t *ids, size_t max, size_t *n)
{
	const uint8_t *p = kssh_buf_ptr(all);
	size_t at = 0, len = kssh_buf_len(all);

	*n = 0;
	while (at < len) {
		uint32_t plen;

		if (len - at < 9 || (plen = kssh_peek_u32(p + at)) > len - at - 4 || *n == max)
			return -1;
		if (p[at + 4] != SSH_FXP_VERSION)
			ids[(*n)++] = kssh_peek_u32(p + at + 5);
		at += 4 + plen;
	}
	return 0;
}

TEST(ring_and_pread_answer_alike)
{
	static uint8_t data[FILE_LEN], disk_a[FILE_LEN + 1], disk_b[FILE_LEN + 1];
	static uint32_t ids[512];
	struct side a, b;
	uint8_t h[8], ro[8], wo[8], app[8], bad[8];
	struct sftp_io_stats st_a, st_b;
	size_t n, mark;

	ASSERT(side_new(&a, 0) == 0 && side_new(&b, 1) == 0);
	kssh_buf_init(&req, 4u << 20);
	for (size_t i = 0; i < FILE_LEN; i++)
		data[i] = pattern(i);

	begin(SSH_FXP_INIT);
	kssh_buf_consume_end(&req, 4); /* INIT carries the version where others carry an id */
	kssh_buf_put_u32(&req, 3);
	send_to(&a, &b);
	ASSERT(serve(&a) == 0 && serve(&b) == 0);

	mark = kssh_buf_len(&a.out);
	open_file("f", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_TRUNC);
	send_to(&a, &b);
	ASSERT(serve(&a) == 0 && serve(&b) == 0 && last_handle(&a, mark, h) == 0);

	/* the chunks in a shuffled order: in flight together */
	for (size_t i = 0; i < CHUNKS; i++) {
		size_t c = (i * 17) % CHUNKS;

		write_at(h, c * CHUNK, data + c * CHUNK, CHUNK);
		send_to(&a, &b);
	}
	ASSERT(serve(&a) == 0 && serve(&b) == 0);
	sftp_server_io_stats(a.s, &st_a);
	EXPECT_EQ(st_a.batched_requests, (uint64_t)CHUNKS);
	/* writes to the same bytes are never in flight together: the later must win */
	for (int i = 0; i < 10; i++) {
		memset(data + i * 10, 'A' + i, 100);
		write_at(h, (uint64_t)i * 10, data + i * 10, 100);
		send_to(&a, &b);
	}
	ASSERT(serve(&a) == 0 && serve(&b) == 0);
	sftp_server_io_stats(a.s, &st_b);
	EXPECT_EQ(st_b.batches, st_a.batches);
	close_handle(h);
	send_to(&a, &b);

	/* appends are served in order, whatever batches do */
	ASSERT(serve(&a) == 0 && serve(&b) == 0);
	open_file("g", SSH_FXF_WRITE | SSH_FXF_CREAT | SSH_FXF_APPEND);
	send_to(&a, &b);
	mark = kssh_buf_len(&a.out);
	ASSERT(serve(&a) == 0 && serve(&b) == 0 && last_handle(&a, mark, app) == 0);
	write_at(app, 0, (const uint8_t *)"a", 1);
	send_to(&a, &b);
	write_at(app, 0, (const uint8_t *)"b", 1);
	send_to(&a, &b);
	write_at(app, 0, (const uint8_t *)"c", 1);
	send_to(&a, &b);

	ASSERT(serve(&a) == 0 && serve(&b) == 0);
	open_file("f", SSH_FXF_READ);
	send_to(&a, &b);
	ASSERT(serve(&a) == 0 && serve(&b) == 0 && last_handle(&a, kssh_buf_len(&a.out) - 21, ro) == 0);
	open_file("f", SSH_FXF_WRITE);
	send_to(&a, &b);
	ASSERT(serve(&a) == 0 && serve(&b) == 0 && last_handle(&a, kssh_buf_len(&a.out) - 21, wo) == 0);

	/*
	 * reads: whole chunks out of order, with a short one (the file's end), two
	 * past the end and a zero-length one among them: the replies after those
	 * must move up behind them
	 */
	for (size_t i = 0; i < CHUNKS; i++) {
		read_at(ro, ((i * 13) % CHUNKS) * CHUNK, CHUNK);
		send_to(&a, &b);
		if (i == 5)
			read_at(ro, FILE_LEN - 1000, CHUNK);
		else if (i == 9)
			read_at(ro, FILE_LEN, CHUNK);
		else if (i == 12)
			read_at(ro, 1ull << 40, CHUNK);
		else if (i == 20)
			read_at(ro, 0, 0);
		else
			continue;
		send_to(&a, &b);
	}
	memcpy(bad, ro, 8);
	bad[7] ^= 1;
	read_at(bad, 0, CHUNK);
	send_to(&a, &b);
	read_at(ro, 0, 3u << 20); /* more than a READ may ask: the whole file, clamped */
	send_to(&a, &b);
	/* a write-only handle's reads fail, each with its own status */
	for (int i = 0; i < 3; i++) {
		read_at(wo, (uint64_t)i * CHUNK, CHUNK);
		send_to(&a, &b);
	}
	close_handle(ro);
	send_to(&a, &b);
	close_handle(wo);
	send_to(&a, &b);
	close_handle(app);
	send_to(&a, &b);
	ASSERT(serve(&a) == 0 && serve(&b) == 0);

	/* the same replies, byte for byte, in request order */
	EXPECT_EQ(kssh_buf_len(&a.out), kssh_buf_len(&b.out));
	EXPECT(kssh_buf_len(&a.out) == kssh_buf_len(&b.out) &&
	       memcmp(kssh_buf_ptr(&a.out), kssh_buf_ptr(&b.out), kssh_buf_len(&a.out)) == 0);
	ASSERT(reply_ids(&a.out, ids, sizeof(ids) / sizeof(ids[0]), &n) == 0);
	EXPECT_EQ(n, (size_t)next_id - 1);
	for (size_t i = 0; i < n; i++)
		EXPECT_EQ(ids[i], (uint32_t)i + 2);
	/* the DATA of the clamped read holds the file's bytes (the reads between are checked by b) */
	EXPECT(kssh_buf_len(&a.out) > (size_t)FILE_LEN * 2);

	/* the files: as written, on both sides */
	EXPECT_EQ(file_bytes(&a, "f", disk_a, sizeof(disk_a)), (ssize_t)FILE_LEN);
	EXPECT_EQ(file_bytes(&b, "f", disk_b, sizeof(disk_b)), (ssize_t)FILE_LEN);
	EXPECT(memcmp(disk_a, data, FILE_LEN) == 0);
	EXPECT(memcmp(disk_b, data, FILE_LEN) == 0);
	EXPECT_EQ(file_bytes(&a, "g", disk_a, sizeof(disk_a)), 3);
	EXPECT(memcmp(disk_a, "abc", 3) == 0);

	/* a really used the ring for most of it, b never */
	sftp_server_io_stats(a.s, &st_a);
	sftp_server_io_stats(b.s, &st_b);
	printf("#   io_uring: %llu batches, %llu requests\n", (unsigned long long)st_a.batches,
	       (unsigned long long)st_a.batched_requests);
	EXPECT_EQ(st_a.io_uring, 1);
	EXPECT(st_a.batches >= 3);
	EXPECT(st_a.batched_requests >= 2 * CHUNKS + 4);
	EXPECT_EQ(st_b.io_uring, 0);
	EXPECT_EQ(st_b.batches, 0u);
	kssh_buf_release(&req);
	side_free(&a);
	side_free(&b);
}

static int sysctl_io_uring_disabled(const char *value, char *old, size_t old_len)
{
	const char *path = "/proc/sys/kernel/io_uring_disabled";
	ssize_t n;
	int fd;

	if (old != NULL) {
		if ((fd = open(path, O_RDONLY)) < 0 || (n = read(fd, old, old_len - 1)) <= 0)
			return -1;
		old[n] = 0;
		close(fd);
	}
	if ((fd = open(path, O_WRONLY)) < 0)
		return -1;
	n = write(fd, value, strlen(value));
	close(fd);
	return n == (ssize_t)strlen(value) ? 0 : -1;
}

/* Where the kernel refuses io_uring, the same batches are served by pread/pwrite */
TEST(refused_ring_falls_back)
{
	static uint8_t data[4 * CHUNK];
	struct side a, b;
	struct sftp_io_stats st;
	char old[16];
	uint8_t h[8];
	size_t mark;

	/* kernel.io_uring_disabled=2 (Linux 6.6 and later) refuses every ring; needs root */
	ASSERT(side_new(&a, 0) == 0 && side_new(&b, 1) == 0);
	if (sysctl_io_uring_disabled("2", old, sizeof(old)) != 0) {
		printf("#   cannot set kernel.io_uring_disabled (root and Linux 6.6 are needed)\n");
		*failed = 1;
		return;
	}
	kssh_buf_init(&req, 1u << 20);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = pattern(i);
	begin(SSH_FXP_INIT);
	kssh_buf_consume_end(&req, 4);
	kssh_buf_put_u32(&req, 3);
	send_to(&a, &b);
	open_file("f", SSH_FXF_READ | SSH_FXF_WRITE | SSH_FXF_CREAT);
	send_to(&a, &b);
	EXPECT(serve(&a) == 0 && serve(&b) == 0);
	mark = kssh_buf_len(&a.out) - 21;
	EXPECT(last_handle(&a, mark, h) == 0);
	for (int i = 0; i < 4; i++) {
		write_at(h, (uint64_t)i * CHUNK, data + i * CHUNK, CHUNK);
		send_to(&a, &b);
	}
	for (int i = 3; i >= 0; i--) {
		read_at(h, (uint64_t)i * CHUNK, CHUNK);
		send_to(&a, &b);
	}
	EXPECT(serve(&a) == 0 && serve(&b) == 0);
	sysctl_io_uring_disabled(old, NULL, 0);
	sftp_server_io_stats(a.s, &st);
	EXPECT_EQ(st.io_uring, 0);
	EXPECT_EQ(st.batches, 0u);
	EXPECT(kssh_buf_len(&a.out) == kssh_buf_len(&b.out) &&
	       memcmp(kssh_buf_ptr(&a.out), kssh_buf_ptr(&b.out), kssh_buf_len(&a.out)) == 0);
	EXPECT(kssh_buf_len(&a.out) > sizeof(data));
	kssh_buf_release(&req);
	side_free(&a);
	side_free(&b);
}

TEST_MAIN()
