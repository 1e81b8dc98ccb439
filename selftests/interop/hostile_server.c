// SPDX-License-Identifier: MIT
/*
 * A misbehaving server for kssh's client-side CVE tests. It serves one
 * connection through libkssh's server transport until the moment it breaks
 * the protocol in the way named on the command line, then prints how far
 * the client went ("reached: service-request" when the client trusted the
 * key exchange enough to ask for ssh-userauth, "reached: channel-open" when
 * it went on after a rogue message following the login).
 *
 * usage: hostile_server PORT CASE
 *   bad-signature        the exchange hash's signature has a byte flipped
 *   other-key-signature  the signature is made with another key than the one sent
 *   alg-mismatch         the signature names an algorithm the key does not have
 *   ext-info-plaintext   an EXT_INFO in the clear, after our KEXINIT and before NEWKEYS (CVE-2023-46445)
 *   ext-info-after-auth  an EXT_INFO after USERAUTH_SUCCESS
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/transport.h"
#include "conn_io.h"
#include "transport_internal.h"

static const char *hostile_case;
static struct kssh_key *host_key, *other_key;

static int listen_port(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), c;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 1) != 0) {
		perror("listen");
		exit(2);
	}
	printf("listening\n");
	fflush(stdout);
	if ((c = accept(fd, NULL, NULL)) < 0) {
		perror("accept");
		exit(2);
	}
	close(fd);
	return c;
}

/* The exchange hash signed the hostile way */
static int sign(void *arg, size_t index, const char *alg, const uint8_t *hash, size_t len, struct kssh_buf *sig)
{
	int r;

	(void)arg, (void)index;
	if (strcmp(hostile_case, "other-key-signature") == 0)
		return kssh_key_sign(other_key, alg, hash, len, sig);
	if (strcmp(hostile_case, "alg-mismatch") == 0) {
		struct kssh_buf real;
		const uint8_t *p;
		size_t n;

		/* the Ed25519 signature bytes under the name of another algorithm */
		kssh_buf_init(&real, 0);
		if ((r = kssh_key_sign(host_key, alg, hash, len, &real)) == 0 &&
		    (r = kssh_buf_get_string_view(&real, &p, &n)) == 0 && (r = kssh_buf_get_string_view(&real, &p, &n)) == 0 &&
		    (r = kssh_buf_put_cstring(sig, "ecdsa-sha2-nistp256")) == 0)
			r = kssh_buf_put_string(sig, p, n);
		kssh_buf_release(&real);
		return r;
	}
	if ((r = kssh_key_sign(host_key, alg, hash, len, sig)) != 0)
		return r;
	if (strcmp(hostile_case, "bad-signature") == 0)
		kssh_buf_mutable_ptr(sig)[kssh_buf_len(sig) - 7] ^= 0x01;
	return 0;
}

static int send_ext_info(struct kssh_transport *t)
{
	struct kssh_buf *b = kssh_transport_begin(t, SSH_MSG_EXT_INFO);

	if (b == NULL || kssh_buf_put_u32(b, 1) != 0 || kssh_buf_put_cstring(b, "server-sig-algs") != 0 ||
	    kssh_buf_put_cstring(b, "ssh-rsa") != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

/* Answers the client's requests the trusting way: any user, any method, accepted */
static int serve_auth(struct kssh_conn *c)
{
	struct kssh_buf payload, *b;
	uint8_t type;
	int r;

	for (;;) {
		if ((r = conn_next_message(c, &type, &payload)) != 0)
			return r;
		if (type == SSH_MSG_SERVICE_REQUEST) {
			printf("reached: service-request\n");
			if ((b = kssh_transport_begin(c->t, SSH_MSG_SERVICE_ACCEPT)) == NULL ||
			    kssh_buf_put_cstring(b, "ssh-userauth") != 0 || (r = kssh_transport_send(c->t)) != 0)
				return KSSH_ERR_ALLOC;
		} else if (type == SSH_MSG_USERAUTH_REQUEST) {
			if (kssh_transport_begin(c->t, SSH_MSG_USERAUTH_SUCCESS) == NULL || (r = kssh_transport_send(c->t)) != 0)
				return KSSH_ERR_ALLOC;
			if (strcmp(hostile_case, "ext-info-after-auth") == 0 && (r = send_ext_info(c->t)) != 0)
				return r;
			if ((r = conn_flush(c)) != 0)
				return r;
		} else if (type == SSH_MSG_CHANNEL_OPEN) {
			printf("reached: channel-open\n");
			return 0;
		}
	}
}

int main(int argc, char **argv)
{
	struct kssh_transport_config cfg = { .is_server = 1, .host_keys = &host_key, .n_host_keys = 1, .sign = sign };
	struct kssh_conn c = { 0 };
	struct kssh_buf payload;
	uint8_t type;
	int r;

	if (argc != 3) {
		fprintf(stderr, "usage: hostile_server PORT CASE\n");
		return 2;
	}
	hostile_case = argv[2];
	signal(SIGPIPE, SIG_IGN);
	if (kssh_key_generate(KSSH_KEY_ED25519, 0, &host_key) != 0 || kssh_key_generate(KSSH_KEY_ED25519, 0, &other_key) != 0)
		return 2;
	cfg.hostkey_algs = "ssh-ed25519";
	c.fd = listen_port(atoi(argv[1]));
	c.deadline_ms = conn_now_ms() + 15000;
	if ((c.t = kssh_transport_new(&cfg)) == NULL)
		return 2;
	if (strcmp(hostile_case, "ext-info-plaintext") == 0) {
		/* the version lines cross, our KEXINIT goes out; then the rogue message, still in the clear */
		while ((r = kssh_transport_poll(c.t, &type, &payload)) == KSSH_ERR_AGAIN && !kssh_transport_in_kex(c.t)) {
			if ((r = conn_flush(&c)) != 0 || (r = conn_service(&c, POLLIN)) != 0)
				break;
		}
		/* raw: the transport itself would hold it back until NEWKEYS */
		static const uint8_t ext[] = { 0, 0, 0, 1, 0, 0, 0, 15, 's', 'e', 'r', 'v', 'e', 'r', '-', 's', 'i', 'g',
		                               '-', 'a', 'l', 'g', 's', 0, 0, 0, 7, 's', 's', 'h', '-', 'r', 's', 'a' };

		if (transport_send_raw(c.t, SSH_MSG_EXT_INFO, ext, sizeof(ext)) != 0)
			return 2;
	}
	r = conn_wait_ready(&c);
	if (r == 0)
		r = serve_auth(&c);
	printf("end: %s\n", *kssh_transport_error(c.t) ? kssh_transport_error(c.t) : kssh_strerror(r));
	kssh_transport_free(c.t);
	close(c.fd);
	return 0;
}
