// SPDX-License-Identifier: MIT
/*
 * libFuzzer: ssh-userauth as the pre-authentication process runs it
 * (userspace/sshd/auth.c and the method files), with its monitor answering
 * in a thread of its own (monitor.c; PAM from pam_refuse.c, which asks one
 * prompt and refuses). The input is a sequence of messages a client sends
 * after the key exchange (type byte, 16-bit length, payload), encrypted by a
 * real client transport; a KEXINIT among them starts a rekey the monitor
 * signs. Both transports come from one key exchange made at start-up
 * (kssh_transport_export/import), so each run starts in the same state.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "log.h"
#include "monitor.h"
#include "sshd.h"

static struct sshd_options o; /* large: not on the stack */
static struct kssh_key *pub;
static struct kssh_buf server_state, client_state;
static const struct sshd_peer peer = { .addr = "192.0.2.9", .port = 2222 };

static void move(struct kssh_transport *from, struct kssh_transport *to)
{
	struct kssh_buf *out = kssh_transport_output(from);

	kssh_buf_put(kssh_transport_input(to), kssh_buf_ptr(out), kssh_buf_len(out));
	kssh_buf_reset(out);
}

/* One key exchange between a client and a server transport, kept as their states */
static int setup(void)
{
	struct kssh_transport_config sc = { .is_server = 1, .host_keys = o.host_keys, .n_host_keys = 1 },
	                             cc = { .is_server = 0 };
	struct kssh_transport *s, *c;
	struct kssh_buf payload;
	uint8_t type;
	int r = -1;

	sshd_config_defaults(&o);
	o.pam_service = "kssh-fuzz";
	o.authorized_keys = "/nonexistent/%u";
	o.login_timeout = 30;
	kssh_log_open("fuzz", 0, 0, 0);
	if (kssh_key_generate(KSSH_KEY_ED25519, 0, &o.host_keys[0]) != 0)
		return -1;
	o.n_host_keys = 1;
	if (kssh_key_public_copy(o.host_keys[0], &pub) != 0)
		return -1;
	if ((s = kssh_transport_new(&sc)) == NULL || (c = kssh_transport_new(&cc)) == NULL)
		return -1;
	for (int i = 0; i < 50 && !(kssh_transport_ready(c) && kssh_transport_ready(s)); i++) {
		kssh_transport_poll(c, &type, &payload);
		kssh_transport_poll(s, &type, &payload);
		move(c, s);
		move(s, c);
	}
	kssh_buf_init(&server_state, MON_STATE_MAX);
	kssh_buf_init(&client_state, MON_STATE_MAX);
	if (kssh_transport_export(s, &server_state) == 0 && kssh_transport_export(c, &client_state) == 0)
		r = 0;
	kssh_transport_free(s);
	kssh_transport_free(c);
	return r;
}

struct monitor_run {
	int fd;
	struct sshd_auth_result res;
};

static void *monitor_thread(void *arg)
{
	struct monitor_run *m = arg;
	struct kssh_buf state;

	kssh_buf_init(&state, MON_STATE_MAX);
	sshd_monitor_run(&o, &peer, m->fd, 0, &m->res, &state);
	kssh_buf_release(&state);
	/* as the monitor's exit would: the process waiting on an answer sees the end */
	shutdown(m->fd, SHUT_RDWR);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct kssh_transport_config sc = { .is_server = 1, .n_host_keys = 1, .sign = mm_sign },
	                             cc = { .is_server = 0 };
	struct monitor_run m = { 0 };
	struct sshd_auth_result res = { 0 };
	struct kssh_conn conn = { 0 };
	struct kssh_transport *client;
	pthread_t thread;
	int conn_fds[2], mon_fds[2], err;

	if (!ready && setup() != 0)
		abort();
	ready = 1;
	sc.host_keys = &pub; /* the pre-authentication process has the public key only */
	client = kssh_transport_import(&cc, kssh_buf_ptr(&client_state), kssh_buf_len(&client_state), &err);
	conn.t = kssh_transport_import(&sc, kssh_buf_ptr(&server_state), kssh_buf_len(&server_state), &err);
	if (client == NULL || conn.t == NULL)
		abort();
	/* the client's messages: type, 16-bit length, payload */
	for (size_t at = 0; at + 3 <= size;) {
		size_t len = (size_t)data[at + 1] << 8 | data[at + 2];
		struct kssh_buf *b;

		if (len > size - at - 3)
			len = size - at - 3;
		if ((b = kssh_transport_begin(client, data[at])) == NULL || kssh_buf_put(b, data + at + 3, len) != 0 ||
		    kssh_transport_send(client) != 0)
			break;
		at += 3 + len;
	}
	move(client, conn.t);
	/* the server reads its input, then the end of the connection; its replies wait unread */
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, conn_fds) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, mon_fds) != 0)
		abort();
	shutdown(conn_fds[1], SHUT_WR);
	conn.fd = conn_fds[0];
	conn.deadline_ms = conn_now_ms() + 10000;
	m.fd = mon_fds[0];
	sshd_monitor_fd = mon_fds[1];
	if (pthread_create(&thread, NULL, monitor_thread, &m) != 0)
		abort();
	sshd_authenticate(&conn, &o, &peer, &res);
	close(mon_fds[1]); /* the monitor sees the process gone */
	sshd_monitor_fd = -1;
	pthread_join(thread, NULL);
	close(mon_fds[0]);
	close(conn_fds[0]);
	close(conn_fds[1]);
	kssh_authkey_opts_free(&m.res.key_opts);
	kssh_transport_free(conn.t);
	kssh_transport_free(client);
	return 0;
}
