// SPDX-License-Identifier: MIT
/*
 * The kssh TCP ULP (kernel/) as userspace sees it, run inside the VM with
 * the module loaded: where it attaches, what it refuses and with which errno,
 * that keys go in and never come back out, that nothing leaves in plaintext
 * once keys are installed, and that ordinary TCP options still work.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <pthread.h>
#include <time.h>
#include <openssl/rand.h>

#include "kssh/buf.h"
#include "kssh/err.h"
#include "kssh/kssh_ulp.h"
#include "kssh/packet.h"
#include "../unit/test.h"

struct test_case test_cases[MAX_TESTS];
int test_count;

/* A connected pair over loopback: *a is the client end, *b the accepted end. */
static int tcp_pair(int family, int *a, int *b)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	int l = socket(family, SOCK_STREAM, 0);

	ss.ss_family = family;
	if (family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	if (l < 0 || bind(l, (struct sockaddr *)&ss, len) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	*a = socket(family, SOCK_STREAM, 0);
	if (*a < 0 || connect(*a, (struct sockaddr *)&ss, len) != 0 || (*b = accept(l, NULL, NULL)) < 0)
		return -1;
	close(l);
	return 0;
}

static int set_ulp(int fd)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_ULP, KSSH_ULP_NAME, sizeof(KSSH_ULP_NAME) - 1);
}

static struct kssh_ulp_crypto_info good_info(void)
{
	struct kssh_ulp_crypto_info i = { .version = KSSH_ULP_VERSION, .cipher = KSSH_ULP_AES128_GCM, .seqnr = 7 };

	memset(i.key, 0x42, sizeof(i.key));
	memset(i.iv, 0x24, sizeof(i.iv));
	return i;
}

static int install(int fd, const struct kssh_ulp_crypto_info *i, socklen_t len)
{
	return setsockopt(fd, SOL_KSSH, KSSH_ULP_TX, i, len);
}

/* setsockopt's result: 0, or -errno */
#define RESULT(call) ((call) == 0 ? 0 : -errno)

TEST(only_established_sockets_take_the_ulp)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), u = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	ASSERT(l >= 0 && u >= 0);
	EXPECT_EQ(RESULT(set_ulp(u)), -ENOTCONN);
	ASSERT(bind(l, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(l, 1) == 0);
	EXPECT_EQ(RESULT(set_ulp(l)), -ENOTCONN);
	close(l);
	close(u);
}

TEST(established_ipv4_and_ipv6_sockets_take_it_once)
{
	int families[] = { AF_INET, AF_INET6 };

	for (int f = 0; f < 2; f++) {
		int a, b;

		ASSERT(tcp_pair(families[f], &a, &b) == 0);
		EXPECT_EQ(RESULT(set_ulp(a)), 0);
		EXPECT_EQ(RESULT(set_ulp(a)), -EEXIST); /* the ULP framework: one per socket */
		close(a);
		close(b);
	}
}

TEST(bad_installs_are_refused_with_einval)
{
	struct kssh_ulp_crypto_info i;
	int a, b;

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	i = good_info();
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i) - 1)), -EINVAL);
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i) + 4)), -EINVAL);
	i.version = 2;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.cipher = 99;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.reserved = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.pad[3] = 1;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	i = good_info();
	i.flags = 0x80;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EINVAL);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, KSSH_ULP_TX, NULL, sizeof(i))), -EFAULT);
	EXPECT_EQ(RESULT(setsockopt(a, SOL_KSSH, 77, &i, sizeof(i))), -ENOPROTOOPT);
	close(a);
	close(b);
}

TEST(keys_go_in_once_and_never_come_out)
{
	struct kssh_ulp_crypto_info i = good_info(), back;
	struct kssh_ulp_stats st;
	socklen_t len = sizeof(st), blen = sizeof(back);
	int a, b;

	ASSERT(tcp_pair(AF_INET6, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), 0);
	i.cipher = KSSH_ULP_AES256_GCM;
	EXPECT_EQ(RESULT(install(a, &i, sizeof(i))), -EBUSY); /* a second install needs a rekey */
	EXPECT_EQ(RESULT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len)), 0);
	EXPECT_EQ(st.tx_cipher, KSSH_ULP_AES128_GCM);
	EXPECT_EQ(st.tx_seqnr, 7u);
	EXPECT_EQ(st.installs, 1u);
	EXPECT_EQ(st.rx_cipher, 0);
	EXPECT_EQ(RESULT(getsockopt(a, SOL_KSSH, KSSH_ULP_TX, &back, &blen)), -ENOPROTOOPT);
	len = sizeof(st) - 1;
	EXPECT_EQ(RESULT(getsockopt(a, SOL_KSSH, KSSH_ULP_STATS, &st, &len)), -EINVAL);
	close(a);
	close(b);
}

TEST(nothing_leaves_in_plaintext_once_keys_are_in)
{
	struct kssh_ulp_crypto_info i = good_info();
	char buf[16];
	int a, b;

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(write(a, "before", 6), 6); /* no keys yet: a plain TCP socket */
	EXPECT_EQ(read(b, buf, sizeof(buf)), 6);
	ASSERT(install(a, &i, sizeof(i)) == 0);
	/* keys but no channel: nowhere to put the bytes, so they are refused */
	EXPECT_EQ(RESULT(write(a, "secret", 6) < 0 ? -1 : 0), -EDESTADDRREQ);
	EXPECT_EQ(RESULT(send(a, "secret", 6, 0) < 0 ? -1 : 0), -EDESTADDRREQ);
	EXPECT_EQ(recv(b, buf, sizeof(buf), MSG_DONTWAIT), -1);
	close(a);
	close(b);
}


TEST(other_levels_still_reach_tcp)
{
	int a, b, on = 1, got = 0;
	socklen_t len = sizeof(got);

	ASSERT(tcp_pair(AF_INET, &a, &b) == 0);
	ASSERT(set_ulp(a) == 0);
	EXPECT_EQ(RESULT(setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on))), 0);
	EXPECT_EQ(RESULT(getsockopt(a, IPPROTO_TCP, TCP_NODELAY, &got, &len)), 0);
	EXPECT(got != 0);
	close(a);
	close(b);
}

/* Each socket is set up and torn down many times: the kernel's leak and lock checks see every path */
TEST(many_sockets_come_and_go)
{
	for (int n = 0; n < 200; n++) {
		struct kssh_ulp_crypto_info i = good_info();
		int a, b;

		ASSERT(tcp_pair(n % 2 ? AF_INET6 : AF_INET, &a, &b) == 0);
		ASSERT(set_ulp(a) == 0);
		if (n % 3)
			ASSERT(install(a, &i, sizeof(i)) == 0);
		close(n % 5 ? a : b);
		close(n % 5 ? b : a);
	}
}

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

/* The receiving end: the next packet of the raw stream, opened by libkssh's own packet reader */
static int next_packet(int fd, struct kssh_packet *rx, uint8_t *type, struct kssh_buf *payload)
{
	uint8_t buf[65536];
	ssize_t n;
	int r;

	while ((r = kssh_packet_read(rx, type, payload)) == KSSH_ERR_AGAIN) {
		if ((n = read(fd, buf, sizeof(buf))) <= 0 || kssh_buf_put(&rx->input, buf, (size_t)n) != 0)
			return -1;
	}
	return r;
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
	struct kssh_ulp_crypto_info i = good_info();
	const char *name = cipher == KSSH_ULP_AES128_GCM ? "aes128-gcm@openssh.com" : "aes256-gcm@openssh.com";

	i.cipher = cipher;
	RAND_bytes(i.key, sizeof(i.key));
	RAND_bytes(i.iv, sizeof(i.iv));
	kssh_packet_init(rx);
	if (tcp_pair(AF_INET, a, b) != 0 || set_ulp(*a) != 0 ||
	    bind_channel(*a, recipient, window, max_packet) != 0 || install(*a, &i, sizeof(i)) != 0 ||
	    kssh_packet_set_keys(rx, KSSH_DIR_IN, kssh_cipher_by_name(name), NULL, i.key, i.iv, NULL, NULL,
	                         NULL) != 0)
		return -1;
	return 0;
}

TEST(writes_arrive_as_channel_data_libkssh_opens)
{
	static uint8_t sent[300000], got[300000];
	const size_t sizes[] = { 1, 1000, 32768, 32769, 100000, 133462 };
	uint16_t ciphers[] = { KSSH_ULP_AES128_GCM, KSSH_ULP_AES256_GCM };

	for (int c = 0; c < 2; c++) {
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
	struct kssh_ulp_crypto_info next = good_info();
	struct kssh_packet rx;
	struct kssh_buf payload;
	uint8_t type;
	int a, b;

	ASSERT(keyed_pair(&a, &b, &rx, KSSH_ULP_AES128_GCM, 4, 1000, 1000) == 0);
	ASSERT(fcntl(a, F_SETFL, O_NONBLOCK) == 0);
	EXPECT_EQ(write(a, "a", 1), 1);
	EXPECT_EQ(send_message(a, kexinit, sizeof(kexinit), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), (ssize_t)sizeof(kexinit));
	EXPECT_EQ(RESULT(write(a, "held", 4) < 0 ? -1 : 0), -EAGAIN);        /* data waits */
	EXPECT_EQ(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), (ssize_t)sizeof(ignore));
	next.cipher = KSSH_ULP_AES256_GCM;
	EXPECT_EQ(RESULT(install(a, &next, sizeof(next))), -EBUSY);           /* not before our NEWKEYS */
	EXPECT_EQ(send_message(a, newkeys, 1, SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0), 1);
	EXPECT_EQ(RESULT(send_message(a, ignore, sizeof(ignore), SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, 0) < 0 ? -1 : 0),
	          -EKEYEXPIRED);                                                  /* old keys are done */
	EXPECT_EQ(RESULT(write(a, "held", 4) < 0 ? -1 : 0), -EAGAIN);
	RAND_bytes(next.key, sizeof(next.key));
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
	ASSERT(kssh_packet_set_keys(&rx, KSSH_DIR_IN, kssh_cipher_by_name("aes256-gcm@openssh.com"), NULL, next.key,
	                            next.iv, NULL, NULL, NULL) == 0);
	ASSERT(next_packet(b, &rx, &type, &payload) == 0);
	EXPECT(type == 94 && memcmp(kssh_buf_ptr(&payload) + 9, "b", 1) == 0);
	kssh_packet_free(&rx);
	close(a);
	close(b);
}

static short poll_now(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 0) == 1 ? p.revents : 0;
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

/* ---- RX: libkssh sends, the module receives ---- */

struct rx_pair {
	int a, b;                 /* a: the module's end; b: the sender's */
	struct kssh_packet tx;    /* libkssh, keyed like a */
	struct kssh_ulp_crypto_info info;
};

static int rx_keys(struct rx_pair *p, uint16_t cipher)
{
	const char *name = cipher == KSSH_ULP_AES128_GCM ? "aes128-gcm@openssh.com" : "aes256-gcm@openssh.com";

	p->info = good_info();
	p->info.cipher = cipher;
	RAND_bytes(p->info.key, sizeof(p->info.key));
	RAND_bytes(p->info.iv, sizeof(p->info.iv));
	return kssh_packet_set_keys(&p->tx, KSSH_DIR_OUT, kssh_cipher_by_name(name), NULL, p->info.key,
	                            p->info.iv, NULL, NULL, NULL);
}

/* a keyed to receive channel local 7, b with libkssh keyed to send to it */
static int rx_pair(struct rx_pair *p, uint16_t cipher, int install_now)
{
	kssh_packet_init(&p->tx);
	if (tcp_pair(AF_INET, &p->a, &p->b) != 0 || set_ulp(p->a) != 0 || rx_keys(p, cipher) != 0)
		return -1;
	{
		struct kssh_ulp_channel ch = { .recipient = 1, .window = 1 << 20, .max_packet = 32768, .local = 7 };

		if (setsockopt(p->a, SOL_KSSH, KSSH_ULP_CHANNEL, &ch, sizeof(ch)) != 0)
			return -1;
	}
	return install_now ? setsockopt(p->a, SOL_KSSH, KSSH_ULP_RX, &p->info, sizeof(p->info)) : 0;
}

static void rx_free(struct rx_pair *p)
{
	kssh_packet_free(&p->tx);
	close(p->a);
	close(p->b);
}

/* libkssh composes one packet: type then body; it goes into its output buffer */
static int compose(struct rx_pair *p, uint8_t type, const void *body, size_t len)
{
	struct kssh_buf *b = kssh_packet_begin(&p->tx, type);
	uint8_t *dst;

	if (b == NULL || kssh_buf_reserve(b, len, &dst) != 0)
		return -1;
	if (len > 0)
		memcpy(dst, body, len);
	return kssh_packet_finish(&p->tx);
}

static int compose_data(struct rx_pair *p, uint32_t channel, const void *data, uint32_t len)
{
	uint8_t body[4 + 4 + 65536];

	kssh_poke_u32(body, channel);
	kssh_poke_u32(body + 4, len);
	memcpy(body + 8, data, len);
	return compose(p, 94, body, 8 + len);
}

/* the sender's output onto the wire, from a child: more than TCP buffers would block a lone writer */
static int flush(struct rx_pair *p)
{
	struct kssh_buf *out = &p->tx.output;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(write(p->b, kssh_buf_ptr(out), kssh_buf_len(out)) == (ssize_t)kssh_buf_len(out) ? 0 : 1);
	kssh_buf_reset(out);
	return 0;
}

static ssize_t read_all(int fd, uint8_t *buf, size_t want)
{
	size_t have = 0;

	while (have < want) {
		ssize_t n = read(fd, buf + have, want - have);

		if (n <= 0)
			return n < 0 ? -1 : (ssize_t)have;
		have += (size_t)n;
	}
	return (ssize_t)have;
}

/* recvmsg with room for the module's control message: the message type, or -errno */
static int recv_message(int fd, uint8_t *buf, size_t len, size_t *got)
{
	union {
		char buf[CMSG_SPACE(8)];
		struct cmsghdr align;
	} control;
	struct iovec iov = { buf, len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
	                      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return -errno;
	*got = (size_t)n;
	cm = CMSG_FIRSTHDR(&msg);
	if (cm == NULL || cm->cmsg_level != SOL_KSSH || cm->cmsg_type != KSSH_ULP_CMSG_MESSAGE ||
	    cm->cmsg_len != CMSG_LEN(1))
		return -EPROTO;
	return *(uint8_t *)CMSG_DATA(cm);
}

TEST(channel_data_comes_out_of_read)
{
	static uint8_t sent[200000], got[200000];
	uint16_t ciphers[] = { KSSH_ULP_AES128_GCM, KSSH_ULP_AES256_GCM };

	for (int c = 0; c < 2; c++) {
		struct kssh_ulp_stats st;
		socklen_t len = sizeof(st);
		struct rx_pair p;
		size_t off = 0;
		int packets = 0;

		ASSERT(rx_pair(&p, ciphers[c], 1) == 0);
		RAND_bytes(sent, sizeof(sent));
		while (off < sizeof(sent)) {
			uint32_t n = 1 + (uint32_t)(off * 7919 % 32768);

			if (n > sizeof(sent) - off)
				n = (uint32_t)(sizeof(sent) - off);
			ASSERT(compose_data(&p, 7, sent + off, n) == 0);
			off += n;
			packets++;
		}
		ASSERT(flush(&p) == 0);
		EXPECT_EQ(read_all(p.a, got, sizeof(got)), (ssize_t)sizeof(got));
		EXPECT(memcmp(sent, got, sizeof(sent)) == 0);
		ASSERT(getsockopt(p.a, SOL_KSSH, KSSH_ULP_STATS, &st, &len) == 0);
		EXPECT_EQ(st.rx_packets, (uint64_t)packets);
		EXPECT_EQ(st.rx_seqnr, 7u + (uint32_t)packets);
		rx_free(&p);
	}
}

TEST(other_messages_come_up_whole_with_their_type)
{
	const uint8_t adjust[] = { 0, 0, 0, 7, 0, 1, 0, 0 }; /* WINDOW_ADJUST body */
	uint8_t buf[64];
	size_t got;
	struct rx_pair p;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "before", 6) == 0 && compose(&p, 93, adjust, sizeof(adjust)) == 0 &&
	       compose_data(&p, 7, "after", 5) == 0 && compose_data(&p, 8, "other", 5) == 0);
	ASSERT(flush(&p) == 0);
	/* the data first, never in the same read as the message */
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 6);
	EXPECT(memcmp(buf, "before", 6) == 0);
	/* a plain read meets the message: EIO, and the message stays */
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EIO);
	EXPECT_EQ(recv_message(p.a, buf, 4, &got), -EMSGSIZE); /* too small a buffer: it stays too */
	EXPECT_EQ(recv_message(p.a, buf, sizeof(buf), &got), 93);
	EXPECT(got == 1 + sizeof(adjust) && buf[0] == 93 && memcmp(buf + 1, adjust, sizeof(adjust)) == 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 5);
	EXPECT(memcmp(buf, "after", 5) == 0);
	/* data for another channel is a message like any other */
	EXPECT_EQ(recv_message(p.a, buf, sizeof(buf), &got), 94);
	EXPECT(got == 1 + 4 + 4 + 5 && memcmp(buf + 9, "other", 5) == 0);
	rx_free(&p);
}

TEST(a_bad_tag_poisons_the_socket)
{
	uint8_t buf[64];
	struct rx_pair p;
	uint8_t *wire;

	ASSERT(rx_pair(&p, KSSH_ULP_AES256_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "good", 4) == 0 && compose_data(&p, 7, "evil", 4) == 0 &&
	       compose_data(&p, 7, "more", 4) == 0);
	wire = kssh_buf_mutable_ptr(&p.tx.output);
	wire[kssh_buf_len(&p.tx.output) / 2] ^= 0x20; /* inside the second packet */
	ASSERT(flush(&p) == 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 4);
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG);
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG); /* and stays so */
	rx_free(&p);
}

TEST(malformed_lengths_poison_the_socket)
{
	const uint32_t lengths[] = { 0, 4, 17, 256 * 1024 + 16, 0xfffffff0 };

	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		uint8_t wire[64] = { 0 }, buf[16];
		struct rx_pair p;

		ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
		kssh_poke_u32(wire, lengths[i]);
		ASSERT(write(p.b, wire, sizeof(wire)) == sizeof(wire));
		EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG);
		rx_free(&p);
	}
}

TEST(a_packet_cut_by_the_peer_is_an_error)
{
	uint8_t buf[16];
	struct rx_pair p;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "truncated", 9) == 0);
	ASSERT(write(p.b, kssh_buf_ptr(&p.tx.output), 20) == 20);
	shutdown(p.b, SHUT_WR);
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EBADMSG);
	rx_free(&p);
}

/* NEWKEYS goes up, reads wait for the new keys (EKEYEXPIRED), then go on under them */
TEST(newkeys_pauses_until_the_new_keys)
{
	uint8_t buf[64];
	size_t got;
	struct rx_pair p;
	int again;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "old", 3) == 0 && compose(&p, 21, NULL, 0) == 0 && flush(&p) == 0);
	ASSERT(rx_keys(&p, KSSH_ULP_AES256_GCM) == 0); /* the sender switches after its NEWKEYS */
	ASSERT(compose_data(&p, 7, "new", 3) == 0 && flush(&p) == 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 3);
	EXPECT_EQ(recv_message(p.a, buf, sizeof(buf), &got), 21);
	EXPECT_EQ(RESULT(read(p.a, buf, sizeof(buf)) < 0 ? -1 : 0), -EKEYEXPIRED);
	again = RESULT(setsockopt(p.a, SOL_KSSH, KSSH_ULP_RX, &p.info, sizeof(p.info)));
	EXPECT_EQ(again, 0);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 3);
	EXPECT(memcmp(buf, "new", 3) == 0);
	/* and a third install without a NEWKEYS first is refused */
	EXPECT_EQ(RESULT(setsockopt(p.a, SOL_KSSH, KSSH_ULP_RX, &p.info, sizeof(p.info))), -EBUSY);
	rx_free(&p);
}

/* Data the module holds is readable even when TCP's queue is empty */
TEST(poll_is_readable_while_the_module_holds_data)
{
	uint8_t buf[16];
	struct rx_pair p;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 1) == 0);
	ASSERT(compose_data(&p, 7, "0123456789", 10) == 0 && flush(&p) == 0);
	EXPECT_EQ(read(p.a, buf, 1), 1); /* the whole packet is read from TCP, 9 bytes stay */
	EXPECT(poll_now(p.a, POLLIN) & POLLIN);
	EXPECT_EQ(read(p.a, buf, sizeof(buf)), 9);
	EXPECT(!(poll_now(p.a, POLLIN) & POLLIN));
	rx_free(&p);
}

/* Ciphertext userspace already read goes back in with the keys, and the stream goes on seamlessly */
TEST(pending_ciphertext_is_taken_at_install)
{
	static uint8_t opt[sizeof(struct kssh_ulp_crypto_info) + 4096];
	uint8_t buf[64], head[100];
	struct rx_pair p;
	ssize_t n;

	ASSERT(rx_pair(&p, KSSH_ULP_AES128_GCM, 0) == 0);
	ASSERT(compose_data(&p, 7, "first packet", 12) == 0 && compose_data(&p, 7, "second", 6) == 0 &&
	       flush(&p) == 0);
	/* userspace read 1.5 packets before handing over: 52 + 10 bytes */
	n = read_all(p.a, head, 52 + 10);
	ASSERT(n == 62);
	memcpy(opt, &p.info, sizeof(p.info));
	memcpy(opt + sizeof(p.info), head, (size_t)n);
	ASSERT(setsockopt(p.a, SOL_KSSH, KSSH_ULP_RX, opt, sizeof(p.info) + (size_t)n) == 0);
	/* a stream: both packets' data, in order */
	EXPECT_EQ(read_all(p.a, buf, 18), 18);
	EXPECT(memcmp(buf, "first packetsecond", 18) == 0);
	rx_free(&p);
}

/* "kmod_ulp_test hold": a socket with the ULP stays open until stdin closes (rmmod must wait) */
static int hold(void)
{
	char c;
	int a, b;

	if (tcp_pair(AF_INET, &a, &b) != 0 || set_ulp(a) != 0) {
		perror("hold");
		return 1;
	}
	printf("held\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	close(a);
	close(b);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "hold") == 0)
		return hold();
	signal(SIGCHLD, SIG_IGN); /* flush()'s writers reap themselves */
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(120); /* a test that hangs must fail, not stall the VM */
	return test_run_all();
}
