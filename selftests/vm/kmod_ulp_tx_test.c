// SPDX-License-Identifier: MIT
/*
 * The ULP's send path: write() and sendfile() become CHANNEL_DATA records
 * that libkssh's packet reader opens, within the peer's window; userspace's
 * own messages in the same sequence; our rekey; poll for writing.
 */
#include "kmod_ulp_test.h"

static int bind_channel(int fd, uint32_t recipient, uint32_t window, uint32_t max_packet)
{
	struct kssh_ulp_channel ch = { .recipient = recipient, .window = window, .max_packet = max_packet };

	return setsockopt(fd, SOL_KSSH, KSSH_ULP_CHANNEL, &ch, sizeof(ch));
}

TEST(channel_binding_is_checked)
{
	struct kssh_ulp_channel ch = { .recipient = 1, .window = 10, .max_packet = 0 };
	uint32_t add = 5;
	int a, b;

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_WINDOW, &add, sizeof(add))), -EDESTADDRREQ);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_CHANNEL, &ch, sizeof(ch))), -EINVAL);
	ch.max_packet = 256 * 1024 + 1;
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_CHANNEL, &ch, sizeof(ch))), -EINVAL);
	ch.max_packet = 32768;
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_CHANNEL, &ch, sizeof(ch) - 4)), -EINVAL);
	EXPECT_EQ(RESULT(bind_channel(a, 1, 10, 32768)), 0);
	EXPECT_EQ(RESULT(bind_channel(a, 1, 10, 32768)), -EBUSY);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_WINDOW, &add, 2)), -EINVAL);
	add = UINT32_MAX - 10; /* the window is 10: now exactly 2^32 - 1 */
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_WINDOW, &add, sizeof(add))), 0);
	add = 1;
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_WINDOW, &add, sizeof(add))), -EOVERFLOW);
	close(a);
	close(b);
}


/* CHANNEL_DATA packets for recipient until want bytes: appended to got; the number of packets, or -1 */
static int open_records(int fd, struct kssh_packet *rx, uint32_t recipient, uint32_t max_packet,
                        uint8_t *got, size_t want, size_t *have)
{
	int packets = 0;

	while (*have < want) {
		struct kssh_buf payload;
		const uint8_t *data;
		uint32_t rcpt;
		uint8_t type;
		size_t dlen;
		int r = next_packet(fd, rx, &type, &payload);

		if (r != 0 || type != 94 || kssh_buf_consume(&payload, 1) != 0 ||
		    kssh_buf_get_u32(&payload, &rcpt) != 0 || rcpt != recipient ||
		    kssh_buf_get_string_view(&payload, &data, &dlen) != 0 || kssh_buf_len(&payload) != 0 ||
		    dlen == 0 || dlen > max_packet || *have + dlen > want) {
			printf("#   record %d: r=%d type=%u\n", packets, r, type);
			return -1;
		}
		memcpy(got + *have, data, dlen);
		*have += dlen;
		packets++;
	}
	return packets;
}

static int keyed_pair(int *a, int *b, struct kssh_packet *rx, uint16_t cipher, uint32_t recipient,
                      uint32_t window, uint32_t max_packet)
{
	struct kssh_ulp_crypto_info i;

	kssh_packet_init(rx);
	if (ulp_keys(cipher, &i, rx, KSSH_DIR_IN) != 0 || tcp_pair(AF_INET, a, b) != 0 || set_ulp(*a) != 0 ||
	    bind_channel(*a, recipient, window, max_packet) != 0 || install(*a, &i, sizeof(i)) != 0)
		return -1;
	return 0;
}

TEST(writes_arrive_as_channel_data_libkssh_opens)
{
	static uint8_t sent[300000], got[300000];
	const size_t sizes[] = { 1, 1000, 32768, 32769, 100000, 133462 };
	uint16_t ciphers[] = ULP_ALL_CIPHERS;

	for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++) {
		struct kssh_ulp_stats st;
		socklen_t len = sizeof(st);
		struct kssh_packet rx;
		size_t total = 0, have = 0;
		int a, b, packets;

		pid_t pid;
		int status;

		ASSERT(keyed_pair(&a, &b, &rx, ciphers[c], 0x11223344, 1u << 20, 32768) == 0);
		RAND_bytes(sent, sizeof(sent));
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			total += sizes[k];
		/* the writes from a child: more than TCP buffers would block a lone writer */
		signal(SIGCHLD, SIG_DFL);
		ASSERT((pid = fork()) >= 0);
		if (pid == 0) {
			size_t off = 0;

			for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
				if (write(a, sent + off, sizes[k]) != (ssize_t)sizes[k])
					_exit(1);
				off += sizes[k];
			}
			_exit(0);
		}
		packets = open_records(b, &rx, 0x11223344, 32768, got, total, &have);
		EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
		signal(SIGCHLD, SIG_IGN);
		EXPECT(packets >= 1 + 1 + 1 + 2 + 4 + 5);
		EXPECT_EQ(have, total);
		EXPECT(memcmp(sent, got, total) == 0);
		ASSERT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len) == 0);
		EXPECT_EQ(st.tx_packets, (uint64_t)packets);
		EXPECT_EQ(st.tx_seqnr, 7u + (uint32_t)packets);
		EXPECT_EQ(st.window, (1u << 20) - (uint32_t)total);
		kssh_packet_free(&rx);
		close(a);
		close(b);
	}
}

TEST(writes_stop_at_the_peer_window)
{
	static uint8_t sent[5000], got[5000];
	struct kssh_packet rx;
	size_t have = 0;
	uint32_t add = 3000;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES128_GCM, 9, 1000, 600) == 0);
	ASSERT(fcntl(a, F_SETFL, O_NONBLOCK) == 0);
	RAND_bytes(sent, sizeof(sent));
	EXPECT_EQ(write(a, sent, 5000), 1000);
	EXPECT_EQ(RESULT(write(a, sent + 1000, 4000) < 0 ? -1 : 0), -EAGAIN);
	ASSERT(setsockopt(a, SOL_KSSH, KSSH_ULP_WINDOW, &add, sizeof(add)) == 0);
	EXPECT_EQ(write(a, sent + 1000, 4000), 3000);
	EXPECT_EQ(open_records(b, &rx, 9, 600, got, 4000, &have), 7); /* 600-byte packets */
	EXPECT(memcmp(sent, got, 4000) == 0);
	kssh_packet_free(&rx);
	close(a);
	close(b);
}

static void *open_window_later(void *arg)
{
	int fd = *(int *)arg;
	uint32_t add = 500;

	usleep(300 * 1000);
	setsockopt(fd, SOL_KSSH, KSSH_ULP_WINDOW, &add, sizeof(add));
	return NULL;
}

/* At window 0 a blocking write waits (poll-free) until the peer's WINDOW_ADJUST arrives */
TEST(a_blocking_write_waits_for_the_window)
{
	static uint8_t sent[500], got[500];
	struct timespec t0, t1;
	struct kssh_packet rx;
	size_t have = 0;
	pthread_t th;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES128_GCM, 3, 0, 32768) == 0);
	RAND_bytes(sent, sizeof(sent));
	ASSERT(pthread_create(&th, NULL, open_window_later, &a) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(write(a, sent, sizeof(sent)), 500);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	pthread_join(th, NULL);
	EXPECT((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 250);
	EXPECT_EQ(open_records(b, &rx, 3, 32768, got, 500, &have), 1);
	EXPECT(memcmp(sent, got, 500) == 0);
	kssh_packet_free(&rx);
	close(a);
	close(b);
}

/* A tampered record fails libkssh's tag check: the module really authenticates what it sends */
TEST(a_flipped_byte_fails_the_tag)
{
	struct kssh_packet rx;
	struct kssh_buf payload;
	uint8_t buf[256], type;
	ssize_t n;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES256_GCM, 1, 1000, 1000) == 0);
	EXPECT_EQ(write(a, "hello", 5), 5);
	n = read(b, buf, sizeof(buf));
	ASSERT(n > 20);
	buf[n / 2] ^= 1;
	ASSERT(kssh_buf_put(&rx.input, buf, (size_t)n) == 0);
	EXPECT_EQ(kssh_packet_read(&rx, &type, &payload), KSSH_ERR_MAC_INVALID);
	kssh_packet_free(&rx);
	close(a);
	close(b);
}

/* sendfile: file pages go through the cipher into CHANNEL_DATA records, from any offset */
TEST(sendfile_sends_channel_data_from_the_page_cache)
{
	static uint8_t file[300000], got[300000];
	char path[] = "/tmp/kmod-sendfile-XXXXXX";
	struct kssh_ulp_stats st;
	socklen_t len = sizeof(st);
	struct kssh_packet rx;
	size_t have = 0;
	off_t off = 1000;
	int a, b, fd, status;
	pid_t pid;

	ASSERT((fd = mkstemp(path)) >= 0);
	unlink(path);
	RAND_bytes(file, sizeof(file));
	ASSERT(write(fd, file, sizeof(file)) == (ssize_t)sizeof(file));
	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES256_GCM, 0x55, 1u << 20, 32768) == 0);
	signal(SIGCHLD, SIG_DFL);
	ASSERT((pid = fork()) >= 0);
	if (pid == 0) {
		size_t left = sizeof(file) - 1000;

		while (left > 0) {
			ssize_t n = sendfile(a, fd, &off, left);

			if (n <= 0)
				_exit(1);
			left -= (size_t)n;
		}
		_exit(0);
	}
	EXPECT(open_records(b, &rx, 0x55, 32768, got, sizeof(file) - 1000, &have) > 0);
	EXPECT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	signal(SIGCHLD, SIG_IGN);
	EXPECT_EQ(have, sizeof(file) - 1000);
	EXPECT(memcmp(got, file + 1000, have) == 0);
	ASSERT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len) == 0);
	EXPECT_EQ(st.window, (1u << 20) - (uint32_t)(sizeof(file) - 1000));
	kssh_packet_free(&rx);
	close(fd);
	close(a);
	close(b);
}

/* sendmsg of one whole payload through the module (SOL_KSSH, KSSH_ULP_CMSG_MESSAGE) */
static ssize_t send_message(int fd, const void *payload, size_t len, int level, int type, size_t cmsg_data)
{
	union {
		char buf[CMSG_SPACE(8)];
		struct cmsghdr align;
	} control = { 0 };
	struct iovec iov = { (void *)payload, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
	                      .msg_controllen = CMSG_SPACE(cmsg_data) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = level;
	cm->cmsg_type = type;
	cm->cmsg_len = CMSG_LEN(cmsg_data);
	return sendmsg(fd, &msg, 0);
}

/* userspace's own messages go through the module in order with the channel data: one sequence */
TEST(own_messages_share_the_record_stream)
{
	const uint8_t ignore[] = { 2, 0, 0, 0, 3, 'x', 'y', 'z' };
	struct kssh_ulp_stats st;
	socklen_t len = sizeof(st);
	struct kssh_packet rx;
	struct kssh_buf payload;
	uint8_t type;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES256_GCM, 5, 1000, 32768) == 0);
	EXPECT_EQ(write(a, "abc", 3), 3);
	EXPECT_EQ(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), (ssize_t)sizeof(ignore));
	EXPECT_EQ(write(a, "def", 3), 3);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT(type == 94 && kssh_buf_len(&payload) == 1 + 4 + 4 + 3 && memcmp(kssh_buf_ptr(&payload) + 9, "abc", 3) == 0);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT(type == 2 && kssh_buf_len(&payload) == sizeof(ignore) &&
	       memcmp(kssh_buf_ptr(&payload), ignore, sizeof(ignore)) == 0);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT(type == 94 && memcmp(kssh_buf_ptr(&payload) + 9, "def", 3) == 0);
	ASSERT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len) == 0);
	EXPECT_EQ(st.tx_packets, 3u);
	EXPECT_EQ(st.window, 1000u - 6); /* messages are outside the channel window */
	kssh_packet_free(&rx);
	close(a);
	close(b);
}

TEST(message_control_is_checked)
{
	static uint8_t big[300000];
	struct kssh_ulp_crypto_info i = good_info();
	const uint8_t ignore[] = { 2, 0, 0, 0, 0 };
	char buf[64];
	int a, b;

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	/* before keys: refused, never sent in plaintext */
	EXPECT_EQ(RESULT(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0) < 0 ? -1 : 0),
	          -ENOKEY);
	EXPECT_EQ(recv(b, buf, sizeof(buf), MSG_DONTWAIT), -1);
	ASSERT(install(a, &i, sizeof(i)) == 0);
	EXPECT_EQ(RESULT(send_message(a, ignore, sizeof(ignore), SOL_KSSH, 99, 0) < 0 ? -1 : 0), -EINVAL);
	EXPECT_EQ(RESULT(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 4) < 0 ? -1 : 0),
	          -EINVAL);
	EXPECT_EQ(RESULT(send_message(a, ignore, sizeof(ignore), IPPROTO_TCP, KSSH_ULP_CMSG_MESSAGE, 0) < 0 ? -1 : 0),
	          -EINVAL);
	EXPECT_EQ(RESULT(send_message(a, ignore, 0, SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0) < 0 ? -1 : 0), -EINVAL);
	EXPECT_EQ(RESULT(send_message(a, big, sizeof(big), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0) < 0 ? -1 : 0),
	          -EMSGSIZE);
	/* a message needs keys, not a bound channel */
	EXPECT_EQ(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), (ssize_t)sizeof(ignore));
	EXPECT(recv(b, buf, sizeof(buf), 0) > 0);
	close(a);
	close(b);
}

/* RFC 4253 7: KEXINIT holds channel data, NEWKEYS ends the old keys, a new install resumes */
TEST(tx_rekey_holds_data_until_the_new_keys)
{
	uint8_t kexinit[17] = { 20 }, ignore[] = { 2, 0, 0, 0, 0 }, newkeys[] = { 21 };
	struct kssh_ulp_crypto_info next;
	struct kssh_packet rx, spare;
	struct kssh_buf payload;
	uint8_t type;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES128_GCM, 4, 1000, 1000) == 0);
	ASSERT(fcntl(a, F_SETFL, O_NONBLOCK) == 0);
	EXPECT_EQ(write(a, "a", 1), 1);
	EXPECT_EQ(send_message(a, kexinit, sizeof(kexinit), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), (ssize_t)sizeof(kexinit));
	EXPECT_EQ(RESULT(write(a, "held", 4) < 0 ? -1 : 0), -EAGAIN);        /* data waits */
	EXPECT_EQ(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), (ssize_t)sizeof(ignore));
	/* the new keys: another cipher family, AES-CTR with hmac-sha2-512-etm */
	kssh_packet_init(&spare);
	ASSERT(ulp_keys(KSSH_ULP_AES256_CTR, &next, &spare, KSSH_DIR_IN) == 0);
	kssh_packet_free(&spare);
	EXPECT_EQ(RESULT(install(a, &next, sizeof(next))), -EBUSY);           /* not before our NEWKEYS */
	EXPECT_EQ(send_message(a, newkeys, 1, SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), 1);
	EXPECT_EQ(RESULT(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0) < 0 ? -1 : 0),
	          -EKEYEXPIRED);                                                  /* old keys are done */
	EXPECT_EQ(RESULT(write(a, "held", 4) < 0 ? -1 : 0), -EAGAIN);
	next.seqnr = 0; /* strict kex */
	EXPECT_EQ(RESULT(install(a, &next, sizeof(next))), 0);
	EXPECT_EQ(write(a, "b", 1), 1);
	/* the reader sees exactly that sequence, the last packet under the new key */
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT_EQ(type, 94);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT_EQ(type, 20);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT_EQ(type, 2);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT_EQ(type, 21);
	ASSERT(kssh_packet_set_keys(&rx, KSSH_DIR_IN, kssh_cipher_by_name("aes256-ctr"),
	                            kssh_mac_by_name("hmac-sha2-512-etm@openssh.com"), next.key, next.ctr, next.mac_key,
	                            NULL, NULL) == 0);
	kssh_packet_reset_seqnr(&rx, KSSH_DIR_IN);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT(type == 94 && memcmp(kssh_buf_ptr(&payload) + 9, "b", 1) == 0);
	kssh_packet_free(&rx);
	close(a);
	close(b);
}


/* poll says writable only when channel data could go */
TEST(poll_is_not_writable_at_window_0)
{
	struct kssh_packet rx;
	uint32_t add = 100;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES128_GCM, 4, 10, 1000) == 0);
	EXPECT(poll_now(a, POLLOUT) & POLLOUT);
	EXPECT_EQ(write(a, "0123456789", 10), 10);
	EXPECT(!(poll_now(a, POLLOUT) & POLLOUT));
	ASSERT(setsockopt(a, SOL_KSSH, KSSH_ULP_WINDOW, &add, sizeof(add)) == 0);
	EXPECT(poll_now(a, POLLOUT) & POLLOUT);
	kssh_packet_free(&rx);
	close(a);
	close(b);
}
