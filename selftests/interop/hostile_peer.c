// SPDX-License-Identifier: MIT
/*
 * A misbehaving client for ksshd's hostile-input tests. It speaks through
 * libkssh until the moment it breaks the protocol in the way named on the
 * command line, then reports what ksshd did: the disconnect reason code it
 * sent, or that it closed the connection.
 *
 * usage: hostile_peer PORT CASE
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/transport.h"
#include "conn_io.h"
#include "kex/kex_internal.h"

static int connect_port(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("connect");
		exit(2);
	}
	return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n) {
		perror("write");
		exit(2);
	}
}

/* Reads what the server sends until it closes; reports a plaintext disconnect reason. */
static void report_plaintext(int fd)
{
	uint8_t buf[65536];
	size_t have = 0;
	ssize_t n;

	while ((n = read(fd, buf + have, sizeof(buf) - have)) > 0 && have < sizeof(buf))
		have += (size_t)n;
	/* skip the version line, then walk the unencrypted packets for a DISCONNECT */
	uint8_t *p = memchr(buf, '\n', have), *end = buf + have;

	for (p = p ? p + 1 : end; end - p >= 10; p += 4 + kssh_peek_u32(p)) {
		if (kssh_peek_u32(p) > (size_t)(end - p))
			break;
		if (p[5] == SSH_MSG_DISCONNECT) {
			printf("disconnect reason %u\n", kssh_peek_u32(p + 6));
			return;
		}
	}
	if (memmem(buf, have, "SSHv1 is not supported", 22) != NULL) {
		printf("refused: SSHv1 is not supported\n");
		return;
	}
	printf("closed\n");
}

static int raw_case(int fd, const char *name)
{
	/* 12 bytes of plaintext packet: length, padding length, type, padding */
	static const uint8_t oversized[] = { 0x7f, 0xff, 0xff, 0xf0, 4, 20, 0, 0, 0, 0, 0, 0 };
	static const uint8_t bad_padding[] = { 0, 0, 0, 12, 2, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t newkeys_first[] = { 0, 0, 0, 12, 10, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t truncated[] = { 0, 0, 0, 0xfc, 8, 20, 1, 2, 3 };
	const char *version = "SSH-2.0-hostile_1.0\r\n";
	static const char *const raw_cases[] = { "oversized", "bad-padding", "newkeys-before-kexinit",
	                                         "truncated", NULL };
	int known = 0;

	if (strcmp(name, "ssh1") == 0) {
		send_all(fd, "SSH-1.5-old_client\r\n", 20);
		report_plaintext(fd);
		return 0;
	}
	if (strcmp(name, "garbage-version") == 0) {
		send_all(fd, "GET / HTTP/1.0\r\n\r\n", 18);
		report_plaintext(fd);
		return 0;
	}
	for (int i = 0; raw_cases[i] != NULL; i++)
		known |= strcmp(name, raw_cases[i]) == 0;
	if (!known)
		return -1;
	send_all(fd, version, strlen(version));
	if (strcmp(name, "oversized") == 0)
		send_all(fd, oversized, sizeof(oversized));
	else if (strcmp(name, "bad-padding") == 0)
		send_all(fd, bad_padding, sizeof(bad_padding));
	else if (strcmp(name, "newkeys-before-kexinit") == 0)
		send_all(fd, newkeys_first, sizeof(newkeys_first));
	else if (strcmp(name, "truncated") == 0) {
		send_all(fd, truncated, sizeof(truncated));
		shutdown(fd, SHUT_WR);
	} else
		return -1;
	report_plaintext(fd);
	return 0;
}

static int send_msg(struct kssh_conn *c, uint8_t type, const char *s1, const char *s2)
{
	struct kssh_buf *b = kssh_transport_begin(c->t, type);

	if (s1 != NULL)
		kssh_buf_put_cstring(b, s1);
	if (s2 != NULL)
		kssh_buf_put_cstring(b, s2);
	return kssh_transport_send(c->t);
}

/* After key exchange: break the protocol, then report the server's reaction. */
static int keyed_case(struct kssh_conn *c, const char *name)
{
	struct kssh_buf payload;
	uint8_t type;
	int r;

	if (strcmp(name, "bad-mac") == 0) {
		struct kssh_buf *out = kssh_transport_output(c->t);

		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		kssh_buf_mutable_ptr(out)[kssh_buf_len(out) - 1] ^= 0x55;
	} else if (strcmp(name, "userauth-before-service") == 0) {
		send_msg(c, SSH_MSG_USERAUTH_REQUEST, "root", "ssh-connection");
	} else if (strcmp(name, "client-sends-userauth-success") == 0) {
		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		conn_flush(c);
		if (conn_next_message(c, &type, &payload) != 0 || type != SSH_MSG_SERVICE_ACCEPT)
			return -1;
		send_msg(c, SSH_MSG_USERAUTH_SUCCESS, NULL, NULL);
	} else if (strcmp(name, "channel-open-before-auth") == 0) {
		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		conn_flush(c);
		if (conn_next_message(c, &type, &payload) != 0 || type != SSH_MSG_SERVICE_ACCEPT)
			return -1;
		send_msg(c, 90, "session", NULL);
	} else if (strcmp(name, "unknown-service") == 0) {
		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-connection", NULL);
	} else if (strcmp(name, "unimplemented-type") == 0) {
		/* an unknown message gets UNIMPLEMENTED and the session goes on */
		send_msg(c, 150, NULL, NULL);
		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		conn_flush(c);
		r = conn_next_message(c, &type, &payload);
		printf("%s\n", r == 0 && type == SSH_MSG_SERVICE_ACCEPT ? "session continues" : "session broken");
		return 0;
	} else {
		return -1;
	}
	conn_flush(c);
	r = conn_next_message(c, &type, &payload);
	if (r == KSSH_ERR_PEER_DISCONNECTED)
		printf("disconnect reason %u\n", kssh_transport_peer_disconnect_reason(c->t));
	else
		printf("closed (%s)\n", kssh_strerror(r));
	return 0;
}

int main(int argc, char **argv)
{
	struct kssh_transport_config cfg = { .is_server = 0 };
	struct kssh_conn c = { 0 };
	int fd, r;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile_peer PORT CASE\n");
		return 2;
	}
	fd = connect_port(atoi(argv[1]));
	if ((r = raw_case(fd, argv[2])) == 0)
		return 0;
	c.fd = fd;
	c.deadline_ms = conn_now_ms() + 10000;
	if ((c.t = kssh_transport_new(&cfg)) == NULL)
		return 2;
	if (strcmp(argv[2], "ignore-before-strict-kexinit") == 0) {
		/* Terrapin's shape: an IGNORE ahead of a KEXINIT that asks for strict kex */
		static const uint8_t ignore[] = { 0, 0, 0, 12, 10, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };

		conn_flush(&c); /* the version line */
		send_all(fd, ignore, sizeof(ignore));
		r = conn_wait_ready(&c);
		if (r == KSSH_ERR_PEER_DISCONNECTED)
			printf("disconnect reason %u\n", kssh_transport_peer_disconnect_reason(c.t));
		else
			printf("kex result: %s\n", kssh_strerror(r));
		kssh_transport_free(c.t);
		return 0;
	}
	if (conn_wait_ready(&c) != 0) {
		fprintf(stderr, "key exchange failed\n");
		kssh_transport_free(c.t);
		return 2;
	}
	if (keyed_case(&c, argv[2]) != 0) {
		fprintf(stderr, "unknown case %s\n", argv[2]);
		kssh_transport_free(c.t);
		return 2;
	}
	kssh_transport_free(c.t);
	close(fd);
	return 0;
}
