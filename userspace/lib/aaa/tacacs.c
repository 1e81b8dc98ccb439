// SPDX-License-Identifier: MIT
/*
 * TACACS+ over TCP (RFC 8907) or TLS 1.3 (RFC 9887): connections, sessions,
 * failover. A session's packets go on one connection with odd sequence
 * numbers from 1, the server's even; a reply is taken only with the session's
 * id, the next number and the request's type, its body whole. In
 * single-connection mode (asked for in the first packet, granted by the
 * server's flag in its first reply) the connection is kept for the process's
 * next session; a kept connection the server has closed meanwhile is opened
 * anew once. Over TLS, the server's certificate must chain to the configured
 * CA and name the server's address.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "kssh/aaa.h"
#include "kssh/tacacs.h"

#define KEPT_MAX 8
#define PROTO "tacacs+"

struct conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	const struct kssh_tacacs_server *server;
	char addr[64];
	unsigned port;
	int tls;
	int first;  /* no packet has been sent on it yet */
	int single; /* the server granted single-connection mode */
	int reused;
};

static struct conn *kept[KEPT_MAX];

static void conn_close_quietly(struct conn *c, int quietly)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		if (!quietly)
			SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	SSL_CTX_free(c->ctx);
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

static void conn_close(struct conn *c)
{
	conn_close_quietly(c, 0);
}

void kssh_tacacs_close_all(int forked)
{
	for (size_t i = 0; i < KEPT_MAX; i++) {
		conn_close_quietly(kept[i], forked);
		kept[i] = NULL;
	}
}

static int tcp_connect(const struct kssh_tacacs_server *s, unsigned timeout_s, char *why, size_t why_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai = NULL;
	struct timeval tv = { .tv_sec = timeout_s };
	struct pollfd pfd;
	char port[8];
	int fd = -1, err = 0;
	socklen_t len = sizeof(err);

	snprintf(port, sizeof(port), "%u", s->port);
	if (getaddrinfo(s->addr, port, &hints, &ai) != 0 ||
	    (fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0) {
		snprintf(why, why_len, "cannot make a socket for it");
		goto fail;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		snprintf(why, why_len, "connect: %s", strerror(errno));
		goto fail;
	}
	pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
	if (poll(&pfd, 1, (int)timeout_s * 1000) != 1) {
		snprintf(why, why_len, "no connection in %u s", timeout_s);
		goto fail;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		snprintf(why, why_len, "connect: %s", strerror(err ? err : errno));
		goto fail;
	}
	/* from here blocking, each read and write bounded by the timeout */
	if (fcntl(fd, F_SETFL, 0) != 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
		snprintf(why, why_len, "cannot set the socket up");
		goto fail;
	}
	freeaddrinfo(ai);
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return -1;
}

/* RFC 9887: TLS 1.3 only; the certificate chains to the CA and names the address */
static int tls_start(struct conn *c, const struct kssh_tacacs_server *s, char *why, size_t why_len)
{
	long verify;

	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_load_verify_locations(c->ctx, s->ca_file, NULL) != 1) {
		snprintf(why, why_len, "TLS: cannot load the CA certificate %s", s->ca_file);
		return -1;
	}
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if ((c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), s->addr) != 1) {
		snprintf(why, why_len, "TLS: cannot set the connection up");
		return -1;
	}
	if (SSL_connect(c->ssl) != 1) {
		verify = SSL_get_verify_result(c->ssl);
		snprintf(why, why_len, "TLS handshake failed: %s",
		         verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "no TLS 1.3 session");
		ERR_clear_error();
		return -1;
	}
	return 0;
}

static struct conn *conn_open(const struct kssh_tacacs_server *s, unsigned timeout_s, char *why, size_t why_len)
{
	struct conn *c;

	for (size_t i = 0; i < KEPT_MAX; i++)
		if (kept[i] != NULL && strcmp(kept[i]->addr, s->addr) == 0 && kept[i]->port == s->port &&
		    kept[i]->tls == s->tls) {
			c = kept[i];
			kept[i] = NULL;
			c->reused = 1;
			c->server = s; /* the caller's copy of the configuration, this time */
			return c;
		}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(why, why_len, "out of memory");
		return NULL;
	}
	c->server = s;
	c->first = 1;
	snprintf(c->addr, sizeof(c->addr), "%s", s->addr);
	c->port = s->port;
	c->tls = s->tls;
	if ((c->fd = tcp_connect(s, timeout_s, why, why_len)) < 0 || (s->tls && tls_start(c, s, why, why_len) != 0)) {
		conn_close(c);
		return NULL;
	}
	return c;
}

/* The session is over: its connection kept for the next one in single-connection mode, else closed */
static void conn_release(struct conn *c, int clean)
{
	if (c == NULL)
		return;
	if (clean && c->single)
		for (size_t i = 0; i < KEPT_MAX; i++)
			if (kept[i] == NULL) {
				kept[i] = c;
				return;
			}
	conn_close(c);
}

static int io_all(struct conn *c, uint8_t *p, size_t n, int write_it)
{
	while (n > 0) {
		ssize_t k;

		if (c->ssl != NULL) {
			size_t done = 0;

			k = (write_it ? SSL_write_ex(c->ssl, p, n, &done) : SSL_read_ex(c->ssl, p, n, &done)) == 1
			    ? (ssize_t)done : -1;
			if (k < 0)
				ERR_clear_error();
		} else {
			k = write_it ? send(c->fd, p, n, MSG_NOSIGNAL) : recv(c->fd, p, n, 0);
		}
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One packet of a session on c, the body obfuscated in place (not over TLS): 0, or -1 (why says) */
static int send_packet(struct conn *c, uint8_t type, uint8_t version, uint32_t id, uint8_t seq, struct kssh_buf *body,
                       char *why, size_t why_len)
{
	const struct kssh_tacacs_server *s = c->server;
	struct kssh_tacacs_header h = { version, type, seq, 0, id, (uint32_t)kssh_buf_len(body) };
	uint8_t hdr[KSSH_TACACS_HDR];

	if (s->tls)
		h.flags |= KSSH_TACACS_UNENCRYPTED; /* RFC 9887 4.5: no obfuscation inside TLS */
	if (c->first && s->single_connection)
		h.flags |= KSSH_TACACS_SINGLE_CONNECT;
	kssh_tacacs_header_put(hdr, &h);
	if (!s->tls && kssh_tacacs_obfuscate(&h, s->secret, kssh_buf_mutable_ptr(body), kssh_buf_len(body)) != 0)
		return -1;
	if (io_all(c, hdr, sizeof(hdr), 1) != 0 || io_all(c, kssh_buf_mutable_ptr(body), kssh_buf_len(body), 1) != 0) {
		snprintf(why, why_len, "cannot send: %s", errno == EAGAIN ? "timed out" : strerror(errno));
		return -1;
	}
	return 0;
}

/* One request and its reply on c: 0 with the reply's body in reply (deobfuscated), or -1 (why says) */
static int exchange(struct conn *c, uint8_t type, uint8_t version, uint32_t id, uint8_t seq, struct kssh_buf *body,
                    struct kssh_buf *reply, char *why, size_t why_len)
{
	const struct kssh_tacacs_server *s = c->server;
	struct kssh_tacacs_header rh;
	uint8_t hdr[KSSH_TACACS_HDR], *in = NULL;

	if (send_packet(c, type, version, id, seq, body, why, why_len) != 0)
		return -1;
	if (io_all(c, hdr, sizeof(hdr), 0) != 0) {
		snprintf(why, why_len, "no reply: %s", errno == EAGAIN ? "timed out" : "the server closed the connection");
		return -1;
	}
	if (kssh_tacacs_header_get(hdr, &rh) != 0 || rh.type != type || rh.seq != (uint8_t)(seq + 1) ||
	    rh.session_id != id) {
		snprintf(why, why_len, "a reply that is not this session's next packet");
		return -1;
	}
	if (!!(rh.flags & KSSH_TACACS_UNENCRYPTED) != !!s->tls) {
		snprintf(why, why_len, s->tls ? "an obfuscated reply over TLS" : "an unobfuscated reply (refused)");
		return -1;
	}
	if (kssh_buf_reserve(reply, rh.length, &in) != 0 || io_all(c, in, rh.length, 0) != 0) {
		snprintf(why, why_len, "a reply cut short");
		return -1;
	}
	if (!s->tls && kssh_tacacs_obfuscate(&rh, s->secret, in, rh.length) != 0)
		return -1;
	if (c->first)
		c->single = s->single_connection && (rh.flags & KSSH_TACACS_SINGLE_CONNECT);
	c->first = 0;
	return 0;
}

/*
 * A session's first exchange with server s: on a kept connection that fails
 * before any reply, once more on a new one.
 */
static struct conn *first_exchange(const struct kssh_tacacs_server *s, unsigned timeout_s, uint8_t type,
                                   uint8_t version, uint32_t id, struct kssh_buf *body, struct kssh_buf *reply,
                                   char *why, size_t why_len)
{
	struct kssh_buf copy;
	struct conn *c;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((c = conn_open(s, timeout_s, why, why_len)) == NULL)
			return NULL;
		kssh_buf_init(&copy, 0);
		if (kssh_buf_put(&copy, kssh_buf_ptr(body), kssh_buf_len(body)) != 0) {
			kssh_buf_release(&copy);
			conn_close(c);
			return NULL;
		}
		kssh_buf_reset(reply);
		if (exchange(c, type, version, id, 1, &copy, reply, why, why_len) == 0) {
			kssh_buf_release(&copy);
			return c;
		}
		kssh_buf_release(&copy);
		if (!c->reused) {
			conn_close(c);
			return NULL;
		}
		conn_close(c);
	}
	return NULL;
}

static uint32_t new_session_id(void)
{
	uint32_t id = 0;

	while (id == 0)
		if (RAND_bytes((uint8_t *)&id, sizeof(id)) != 1)
			abort();
	return id;
}

static void set_server(char *out, size_t len, const struct kssh_tacacs_server *s)
{
	snprintf(out, len, s->addr[0] && strchr(s->addr, ':') ? "[%s]:%u%s" : "%s:%u%s", s->addr, s->port,
	         s->tls ? " (tls)" : "");
}

/* An authentication REPLY into reply: 1 when the conversation goes on, 0 when it is over, -1 a bad reply */
static int take_authen_reply(const struct kssh_buf *body, struct kssh_tacacs_reply *reply)
{
	struct kssh_tacacs_authen_reply ar;

	if (kssh_tacacs_parse_authen_reply(kssh_buf_ptr(body), kssh_buf_len(body), &ar) != 0) {
		snprintf(reply->why, sizeof(reply->why), "a malformed reply (a wrong key?)");
		return -1;
	}
	snprintf(reply->message, sizeof(reply->message), "%s", ar.server_msg);
	reply->echo = !(ar.flags & 0x01);
	switch (ar.status) {
	case 1: reply->result = KSSH_TACACS_PASS; return 0;
	case 2: reply->result = KSSH_TACACS_FAIL; return 0;
	case 3: reply->result = KSSH_TACACS_GETDATA; return 1;
	case 4: reply->result = KSSH_TACACS_GETUSER; return 1;
	case 5: reply->result = KSSH_TACACS_GETPASS; return 1;
	}
	snprintf(reply->why, sizeof(reply->why), "the server answered %s%s%.100s",
	         ar.status == 7 ? "ERROR" : ar.status == 6 ? "RESTART" : "FOLLOW", ar.server_msg[0] ? ": " : "",
	         ar.server_msg);
	return -1;
}

static void unreachable(struct kssh_tacacs_reply *reply)
{
	reply->result = KSSH_TACACS_UNREACHABLE;
}

void kssh_tacacs_authen_start(struct kssh_tacacs_authen *s, const struct kssh_tacacs_server *servers, size_t n,
                              unsigned timeout_s, int type, const char *user, const char *password,
                              const char *rem_addr, struct kssh_tacacs_reply *reply)
{
	struct kssh_buf body, in;

	memset(reply, 0, sizeof(*reply));
	memset(s, 0, sizeof(*s));
	reply->priv_lvl = -1;
	unreachable(reply);
	snprintf(reply->why, sizeof(reply->why), "no TACACS+ server configured");
	s->timeout_s = timeout_s;
	s->minor = type == KSSH_TACACS_PAP ? 1 : 0;
	kssh_buf_init(&body, 1024);
	kssh_buf_init(&in, KSSH_TACACS_BODY_MAX);
	if (kssh_tacacs_authen_start_body(&body, type, user, "ssh", rem_addr, type == KSSH_TACACS_PAP ? password : NULL)) {
		reply->result = KSSH_TACACS_FAIL;
		snprintf(reply->why, sizeof(reply->why), "a user name or password longer than TACACS+ carries");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = kssh_aaa_now_ms();
		struct conn *c;
		int more;

		set_server(reply->server, sizeof(reply->server), &servers[i]);
		s->session_id = new_session_id();
		c = first_exchange(&servers[i], timeout_s, KSSH_TACACS_AUTHEN, 0xc0 | s->minor, s->session_id, &body, &in,
		                   reply->why, sizeof(reply->why));
		if (c == NULL) {
			kssh_aaa_report(PROTO, servers[i].addr, servers[i].port, KSSH_AAA_TIMEOUT, t0);
			continue;
		}
		more = take_authen_reply(&in, reply);
		kssh_aaa_report(PROTO, servers[i].addr, servers[i].port,
		                more < 0 ? KSSH_AAA_ERROR : more ? KSSH_AAA_CHALLENGE
		                : reply->result == KSSH_TACACS_PASS ? KSSH_AAA_ACCEPT : KSSH_AAA_REJECT, t0);
		if (more < 0) {
			unreachable(reply);
			conn_close(c);
			continue;
		}
		if (more && type == KSSH_TACACS_PAP) {
			reply->result = KSSH_TACACS_FAIL;
			snprintf(reply->why, sizeof(reply->why), "the server asked for more than PAP gives");
			more = 0;
		}
		s->server = &servers[i];
		s->seq = 2;
		if (more)
			s->conn = c;
		else
			conn_release(c, 1);
		goto out;
	}
out:
	kssh_buf_release(&body);
	kssh_buf_release(&in);
}

void kssh_tacacs_authen_continue(struct kssh_tacacs_authen *s, const char *answer, struct kssh_tacacs_reply *reply)
{
	const struct kssh_tacacs_server *srv = s->server;
	struct kssh_buf body, in;
	uint64_t t0 = kssh_aaa_now_ms();
	int more = -1;

	reply->message[0] = 0;
	unreachable(reply);
	kssh_buf_init(&body, KSSH_TACACS_BODY_MAX);
	kssh_buf_init(&in, KSSH_TACACS_BODY_MAX);
	if (s->conn == NULL || s->seq >= 250) {
		snprintf(reply->why, sizeof(reply->why), "no conversation to continue");
		goto out;
	}
	if (kssh_tacacs_authen_continue_body(&body, answer, 0) != 0 ||
	    exchange(s->conn, KSSH_TACACS_AUTHEN, 0xc0 | s->minor, s->session_id, (uint8_t)(s->seq + 1), &body, &in,
	             reply->why, sizeof(reply->why)) != 0) {
		kssh_aaa_report(PROTO, srv->addr, srv->port, KSSH_AAA_TIMEOUT, t0);
		goto out;
	}
	s->seq = (uint8_t)(s->seq + 2);
	more = take_authen_reply(&in, reply);
	kssh_aaa_report(PROTO, srv->addr, srv->port,
	                more < 0 ? KSSH_AAA_ERROR : more ? KSSH_AAA_CHALLENGE
	                : reply->result == KSSH_TACACS_PASS ? KSSH_AAA_ACCEPT : KSSH_AAA_REJECT, t0);
	if (more < 0)
		unreachable(reply);
out:
	if (more <= 0) {
		conn_release(s->conn, more == 0);
		s->conn = NULL;
	}
	OPENSSL_cleanse(kssh_buf_mutable_ptr(&body), kssh_buf_len(&body));
	kssh_buf_release(&body);
	kssh_buf_release(&in);
}

void kssh_tacacs_authen_end(struct kssh_tacacs_authen *s)
{
	struct kssh_buf body;
	char why[80];

	if (s->conn == NULL)
		return;
	/* RFC 8907 5.3: the abort flag ends the session; no reply is awaited, and the connection goes */
	kssh_buf_init(&body, 64);
	if (kssh_tacacs_authen_continue_body(&body, "", 1) == 0)
		send_packet(s->conn, KSSH_TACACS_AUTHEN, 0xc0 | s->minor, s->session_id, (uint8_t)(s->seq + 1), &body, why,
		            sizeof(why));
	kssh_buf_release(&body);
	conn_close(s->conn);
	s->conn = NULL;
}

/* Authorization or accounting: one request and its reply, each server in turn */
static int ask_each(const struct kssh_tacacs_server *servers, size_t n, unsigned timeout_s, uint8_t type,
                    struct kssh_buf *body, struct kssh_buf *in, char *server, size_t server_len, char *why,
                    size_t why_len, uint64_t *t0)
{
	for (size_t i = 0; i < n; i++) {
		struct conn *c;

		*t0 = kssh_aaa_now_ms();

		set_server(server, server_len, &servers[i]);
		c = first_exchange(&servers[i], timeout_s, type, 0xc0, new_session_id(), body, in, why, why_len);
		if (c == NULL) {
			kssh_aaa_report(PROTO, servers[i].addr, servers[i].port, KSSH_AAA_TIMEOUT, *t0);
			continue;
		}
		conn_release(c, 1);
		return (int)i;
	}
	return -1;
}

void kssh_tacacs_authorize(const struct kssh_tacacs_server *servers, size_t n, unsigned timeout_s, const char *user,
                           const char *rem_addr, const char *cmd, struct kssh_tacacs_reply *reply)
{
	char cmd_arg[272];
	const char *args[2] = { "service=shell", cmd_arg };
	struct kssh_tacacs_author_reply ar;
	struct kssh_buf body, in;
	uint64_t t0;
	size_t i = 0;
	int k;

	memset(reply, 0, sizeof(*reply));
	reply->priv_lvl = -1;
	unreachable(reply);
	snprintf(reply->why, sizeof(reply->why), "no TACACS+ server configured");
	snprintf(cmd_arg, sizeof(cmd_arg), "cmd=%s", cmd ? cmd : "");
	kssh_buf_init(&body, 2048);
	kssh_buf_init(&in, KSSH_TACACS_BODY_MAX);
	if (kssh_tacacs_author_body(&body, -1, user, "ssh", rem_addr, args, 2) != 0) {
		reply->result = KSSH_TACACS_FAIL;
		snprintf(reply->why, sizeof(reply->why), "a request longer than TACACS+ carries");
		goto out;
	}
	while (i < n && (k = ask_each(servers + i, n - i, timeout_s, KSSH_TACACS_AUTHOR, &body, &in, reply->server,
	                              sizeof(reply->server), reply->why, sizeof(reply->why), &t0)) >= 0) {
		const struct kssh_tacacs_server *s = &servers[i + (size_t)k];

		i += (size_t)k + 1;
		if (kssh_tacacs_parse_author_reply(kssh_buf_ptr(&in), kssh_buf_len(&in), &ar) != 0 || ar.status > 0x10) {
			snprintf(reply->why, sizeof(reply->why), "%s",
			         ar.status == 0x11 ? "the server answered ERROR" : "a malformed reply (a wrong key?)");
			kssh_aaa_report(PROTO, s->addr, s->port, KSSH_AAA_ERROR, t0);
			continue;
		}
		reply->result = ar.status == 0x10 ? KSSH_TACACS_FAIL : KSSH_TACACS_PASS;
		reply->priv_lvl = ar.priv_lvl;
		snprintf(reply->message, sizeof(reply->message), "%s", ar.server_msg);
		kssh_aaa_report(PROTO, s->addr, s->port, ar.status == 0x10 ? KSSH_AAA_REJECT : KSSH_AAA_ACCEPT, t0);
		break;
	}
out:
	kssh_buf_release(&body);
	kssh_buf_release(&in);
}

int kssh_tacacs_account(const struct kssh_tacacs_server *servers, size_t n, unsigned timeout_s,
                        const struct kssh_tacacs_acct *a, char *why, size_t why_len)
{
	char task[80], when[40], elapsed[40], in_b[40], out_b[40], reason[80], server[80];
	const char *args[7] = { task, when, "service=shell", elapsed, in_b, out_b, reason };
	struct kssh_buf body, in;
	uint64_t t0;
	size_t i = 0;
	int k, r = -1;

	snprintf(why, why_len, "no TACACS+ server configured");
	snprintf(task, sizeof(task), "task_id=%s", a->task_id);
	snprintf(when, sizeof(when), "%s=%lld", a->stop ? "stop_time" : "start_time", (long long)time(NULL));
	snprintf(elapsed, sizeof(elapsed), "elapsed_time=%u", a->seconds);
	snprintf(in_b, sizeof(in_b), "bytes_in=%llu", (unsigned long long)a->bytes_in);
	snprintf(out_b, sizeof(out_b), "bytes_out=%llu", (unsigned long long)a->bytes_out);
	snprintf(reason, sizeof(reason), "reason=%s", a->reason ? a->reason : "");
	kssh_buf_init(&body, 2048);
	kssh_buf_init(&in, KSSH_TACACS_BODY_MAX);
	if (kssh_tacacs_author_body(&body, a->stop ? 0x04 : 0x02, a->user, "ssh", a->rem_addr, args, a->stop ? 7 : 3)) {
		snprintf(why, why_len, "a record longer than TACACS+ carries");
		goto out;
	}
	while (i < n && (k = ask_each(servers + i, n - i, timeout_s, KSSH_TACACS_ACCT, &body, &in, server,
	                              sizeof(server), why, why_len, &t0)) >= 0) {
		const struct kssh_tacacs_server *s = &servers[i + (size_t)k];
		uint8_t status = 0;
		char msg[160];

		i += (size_t)k + 1;
		if (kssh_tacacs_parse_acct_reply(kssh_buf_ptr(&in), kssh_buf_len(&in), &status, msg, sizeof(msg)) != 0 ||
		    status != 0x01) {
			snprintf(why, why_len, "%s: %s", server, status == 0x02 ? "the server answered ERROR"
			                                                        : "a malformed reply (a wrong key?)");
			kssh_aaa_report(PROTO, s->addr, s->port, KSSH_AAA_ERROR, t0);
			continue;
		}
		kssh_aaa_report(PROTO, s->addr, s->port, KSSH_AAA_ANSWER, t0);
		r = 0;
		break;
	}
out:
	kssh_buf_release(&body);
	kssh_buf_release(&in);
	return r;
}
