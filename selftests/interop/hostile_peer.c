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
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/transport.h"
#include "conn_io.h"
#include "hostile_peer.h"
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
	if (strcmp(name, "endless-version") == 0) {
		/* 1 MiB without a line end where the version belongs: the server reads a bounded line */
		static char junk[65536];

		memset(junk, 'A', sizeof(junk));
		for (int i = 0; i < 16; i++)
			if (write(fd, junk, sizeof(junk)) != (ssize_t)sizeof(junk))
				break;
		report_plaintext(fd);
		return 0;
	}
	if (strncmp(name, "length-", 7) == 0) {
		/* a packet length at the edges: 0..4, huge, or not a block multiple */
		uint8_t pkt[16] = { 0 };
		uint32_t len = (uint32_t)strtoul(name + 7, NULL, 0);

		kssh_poke_u32(pkt, len);
		pkt[4] = 4;
		pkt[5] = 20;
		send_all(fd, version, strlen(version));
		send_all(fd, pkt, sizeof(pkt));
		report_plaintext(fd);
		return 0;
	}
	if (strcmp(name, "huge-name-list") == 0) {
		/* a KEXINIT whose kex list has 100000 names in 200 KB */
		static uint8_t pkt[300000];
		size_t n = 4 + 1 + 1 + 16, list = 200000, pad;

		pkt[5] = 20;
		kssh_poke_u32(pkt + n, (uint32_t)list);
		n += 4;
		for (size_t i = 0; i < list; i += 2) {
			pkt[n + i] = 'k';
			pkt[n + i + 1] = ',';
		}
		pkt[n + list - 1] = 'x';
		n += list;
		for (int i = 0; i < 9; i++) { /* the other nine lists: empty */
			kssh_poke_u32(pkt + n, 0);
			n += 4;
		}
		n += 1 + 4; /* first_kex_packet_follows, reserved */
		pad = 8 - n % 8;
		if (pad < 4)
			pad += 8;
		n += pad;
		kssh_poke_u32(pkt, (uint32_t)(n - 4));
		pkt[4] = (uint8_t)pad;
		send_all(fd, version, strlen(version));
		send_all(fd, pkt, n);
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
	} else if (strcmp(name, "exec-before-auth") == 0) {
		/* CVE-2025-32433's shape: a session and an exec of $HOSTILE_CMD, no authentication */
		struct kssh_buf *b;

		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		conn_flush(c);
		if (conn_next_message(c, &type, &payload) != 0 || type != SSH_MSG_SERVICE_ACCEPT)
			return -1;
		b = kssh_transport_begin(c->t, 90); /* CHANNEL_OPEN */
		kssh_buf_put_cstring(b, "session");
		kssh_buf_put_u32(b, 0);
		kssh_buf_put_u32(b, 1 << 20);
		kssh_buf_put_u32(b, 32768);
		kssh_transport_send(c->t);
		b = kssh_transport_begin(c->t, 98); /* CHANNEL_REQUEST, without waiting for the confirmation */
		kssh_buf_put_u32(b, 0);
		kssh_buf_put_cstring(b, "exec");
		kssh_buf_put_u8(b, 1);
		kssh_buf_put_cstring(b, getenv("HOSTILE_CMD") ? getenv("HOSTILE_CMD") : "true");
		kssh_transport_send(c->t);
	} else if (strcmp(name, "malformed-pubkey") == 0) {
		/* CVE-2018-15473's probe: a publickey request whose key blob is cut short, for $HOSTILE_USER */
		struct kssh_buf *b;

		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		conn_flush(c);
		if (conn_next_message(c, &type, &payload) != 0 || type != SSH_MSG_SERVICE_ACCEPT)
			return -1;
		b = kssh_transport_begin(c->t, SSH_MSG_USERAUTH_REQUEST);
		kssh_buf_put_cstring(b, getenv("HOSTILE_USER") ? getenv("HOSTILE_USER") : "root");
		kssh_buf_put_cstring(b, "ssh-connection");
		kssh_buf_put_cstring(b, "publickey");
		kssh_buf_put_u8(b, 0);
		kssh_buf_put_cstring(b, "ssh-ed25519");
		kssh_buf_put_string(b, "\0\0\0\x0bssh", 7);
		kssh_transport_send(c->t);
		conn_flush(c);
		r = conn_next_message(c, &type, &payload);
		if (r == 0)
			printf("reply %u\n", type);
		else if (r == KSSH_ERR_PEER_DISCONNECTED)
			printf("disconnect reason %u\n", kssh_transport_peer_disconnect_reason(c->t));
		else
			printf("closed (%s)\n", kssh_strerror(r));
		return 0;
	} else if (strcmp(name, "ping-flood") == 0) {
		/* CVE-2025-26466's shape: thousands of pings before authentication, then the service request */
		struct kssh_transport_info before, after;

		kssh_transport_get_info(c->t, &before);
		for (int i = 0; i < 5000; i++) {
			struct kssh_buf *b = kssh_transport_begin(c->t, 192); /* ping@openssh.com */

			kssh_buf_put_cstring(b, "ping-data-ping-data-ping-data");
			kssh_transport_send(c->t);
			if (i % 100 == 99 && conn_flush(c) != 0)
				break;
		}
		send_msg(c, SSH_MSG_SERVICE_REQUEST, "ssh-userauth", NULL);
		conn_flush(c);
		while ((r = conn_next_message(c, &type, &payload)) == 0 && type != SSH_MSG_SERVICE_ACCEPT)
			;
		/* our transport takes PONGs silently: count what arrived instead */
		kssh_transport_get_info(c->t, &after);
		printf("%s, %llu packets for 5000 pings\n", r == 0 ? "service accepted" : kssh_strerror(r),
		       (unsigned long long)(after.packets_in - before.packets_in));
		return 0;
	} else if (strcmp(name, "key-swap") == 0) {
		return hostile_key_swap(c);
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
	signal(SIGPIPE, SIG_IGN); /* a server that hangs up mid-write is an answer, not a crash */
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
