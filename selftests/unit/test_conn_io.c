// SPDX-License-Identifier: MIT
/* Moving a transport's bytes over a socket (userspace/common/conn_io.c). */
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "conn_io.h"
#include "test.h"

/* A client that writes its NEWKEYS and its first request in one write, as a fast peer may. */
static void eager_client(int fd)
{
	struct kssh_transport_config cfg = { 0 };
	struct kssh_transport *t = kssh_transport_new(&cfg);
	int sent = 0;

	for (int i = 0; t != NULL && i < 200 && !sent; i++) {
		struct kssh_buf payload, *in = kssh_transport_input(t), *out = kssh_transport_output(t);
		uint8_t type, buf[65536];
		ssize_t n;

		while (kssh_transport_poll(t, &type, &payload) == 0)
			;
		if (kssh_transport_ready(t)) {
			struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_SERVICE_REQUEST);

			kssh_buf_put_cstring(b, "ssh-userauth");
			kssh_transport_send(t);
			sent = 1;
		}
		if (kssh_buf_len(out) && write(fd, kssh_buf_ptr(out), kssh_buf_len(out)) < 0)
			break;
		kssh_buf_reset(out);
		if (!sent && (n = read(fd, buf, sizeof(buf))) > 0)
			kssh_buf_put(in, buf, (size_t)n);
	}
	sleep(2);
	_exit(0);
}

TEST(first_message_in_the_same_read_as_newkeys_is_kept)
{
	struct kssh_key *host_key = NULL;
	struct kssh_transport_config cfg = { .is_server = 1 };
	struct kssh_conn c = { 0 };
	struct kssh_buf payload;
	uint8_t type = 0;
	int sv[2], status;
	pid_t pid;

	ASSERT(kssh_key_generate(KSSH_KEY_ED25519, 0, &host_key) == 0);
	ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		eager_client(sv[1]);
	}
	close(sv[1]);
	cfg.host_keys = &host_key;
	cfg.n_host_keys = 1;
	c.fd = sv[0];
	c.t = kssh_transport_new(&cfg);
	c.deadline_ms = conn_now_ms() + 10000;
	ASSERT(c.t != NULL);
	EXPECT_EQ(conn_wait_ready(&c), 0);
	EXPECT_EQ(conn_next_message(&c, &type, &payload), 0);
	EXPECT_EQ(type, SSH_MSG_SERVICE_REQUEST);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	kssh_transport_free(c.t);
	kssh_key_free(host_key);
	close(sv[0]);
}

TEST_MAIN()
