// SPDX-License-Identifier: MIT
/*
 * RADIUS authentication (RFC 2865). A request: code 1, an identifier, a random
 * 16-byte Request Authenticator, then attributes: User-Name, User-Password
 * (hidden: each 16-byte block XORed with MD5(secret + the previous block, the
 * authenticator first), Service-Type Login, NAS-Port-Type Virtual,
 * Calling-Station-Id, NAS-IP(v6)-Address (the address the request leaves
 * from), State when answering a challenge, and Message-Authenticator
 * (HMAC-MD5 over the packet, RFC 2869 5.14). An answer is taken only when its
 * identifier matches, its length field is its length, its Response
 * Authenticator is MD5(code id length request-authenticator attributes
 * secret), and it carries exactly one valid Message-Authenticator.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/aaa.h"
#include "kssh/radius.h"

#define RAD_MAX 4096
#define RAD_HDR 20
enum { ACCESS_REQUEST = 1, ACCESS_ACCEPT = 2, ACCESS_REJECT = 3, ACCOUNTING_REQUEST = 4, ACCOUNTING_RESPONSE = 5,
       ACCESS_CHALLENGE = 11 };
enum { A_USER_NAME = 1, A_USER_PASSWORD = 2, A_NAS_IP = 4, A_SERVICE_TYPE = 6, A_REPLY_MESSAGE = 18,
       A_STATE = 24, A_CALLING_STATION = 31, A_ACCT_STATUS = 40, A_ACCT_IN_OCTETS = 42, A_ACCT_OUT_OCTETS = 43,
       A_ACCT_SESSION_ID = 44, A_ACCT_SESSION_TIME = 46, A_ACCT_TERMINATE = 49, A_ACCT_IN_GIGA = 52,
       A_ACCT_OUT_GIGA = 53, A_NAS_PORT_TYPE = 61, A_MESSAGE_AUTH = 80, A_NAS_IPV6 = 95 };

/* What goes to a server: an authentication request or an accounting one */
struct exchange {
	const struct kssh_radius_request *req;
	const struct kssh_radius_acct *acct;
	struct kssh_radius_reply *reply;
};

struct packet {
	uint8_t b[RAD_MAX];
	size_t len;
};

static int put_attr(struct packet *p, uint8_t type, const void *v, size_t n)
{
	if (n > 253 || p->len + 2 + n > RAD_MAX)
		return -1;
	p->b[p->len] = type;
	p->b[p->len + 1] = (uint8_t)(n + 2);
	memcpy(p->b + p->len + 2, v, n);
	p->len += 2 + n;
	return 0;
}

static int put_u32(struct packet *p, uint8_t type, uint32_t v)
{
	uint8_t be[4] = { v >> 24, v >> 16, v >> 8, v };

	return put_attr(p, type, be, 4);
}

static int md5(const uint8_t *a, size_t an, const uint8_t *b, size_t bn, uint8_t out[16])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c != NULL && EVP_DigestInit_ex(c, EVP_md5(), NULL) && EVP_DigestUpdate(c, a, an) &&
	         EVP_DigestUpdate(c, b, bn) && EVP_DigestFinal_ex(c, out, NULL);

	EVP_MD_CTX_free(c);
	return ok ? 0 : -1;
}

/* RFC 2865 5.2 */
static int put_password(struct packet *p, const char *secret, const uint8_t auth[16], const char *password)
{
	uint8_t hidden[128] = { 0 }, x[16];
	const uint8_t *prev = auth;
	size_t n = strlen(password), padded = n == 0 ? 16 : (n + 15) / 16 * 16;

	memcpy(hidden, password, n);
	for (size_t i = 0; i < padded; i += 16) {
		if (md5((const uint8_t *)secret, strlen(secret), prev, 16, x) != 0)
			return -1;
		for (int k = 0; k < 16; k++)
			hidden[i + k] ^= x[k];
		prev = hidden + i;
	}
	return put_attr(p, A_USER_PASSWORD, hidden, padded);
}

static void set_length(struct packet *p)
{
	p->b[2] = (uint8_t)(p->len >> 8);
	p->b[3] = (uint8_t)p->len;
}

/* The Message-Authenticator over the packet as it stands (its own value zero), written into place at off */
static int message_auth(uint8_t *b, size_t len, size_t off, const char *secret, uint8_t out[16])
{
	unsigned n = 16;

	memset(b + off, 0, 16);
	return HMAC(EVP_md5(), secret, (int)strlen(secret), b, len, out, &n) != NULL ? 0 : -1;
}

/* NAS-IP-Address or NAS-IPv6-Address: the address the request leaves from */
static int put_nas_address(struct packet *p, int fd)
{
	struct sockaddr_storage local;
	socklen_t ll = sizeof(local);

	if (getsockname(fd, (struct sockaddr *)&local, &ll) == 0) {
		if (local.ss_family == AF_INET &&
		    put_attr(p, A_NAS_IP, &((struct sockaddr_in *)&local)->sin_addr, 4))
			return -1;
		if (local.ss_family == AF_INET6 &&
		    put_attr(p, A_NAS_IPV6, &((struct sockaddr_in6 *)&local)->sin6_addr, 16))
			return -1;
	}
	return 0;
}

static int build(struct packet *p, const struct kssh_radius_request *req, const char *secret, int fd)
{
	uint8_t mac[16];
	size_t ma;

	p->len = RAD_HDR;
	p->b[0] = ACCESS_REQUEST;
	if (RAND_bytes(p->b + 1, 1) != 1 || RAND_bytes(p->b + 4, 16) != 1)
		return -1;
	if (put_attr(p, A_USER_NAME, req->user, strlen(req->user)) || put_password(p, secret, p->b + 4, req->password) ||
	    put_u32(p, A_SERVICE_TYPE, 1) || put_u32(p, A_NAS_PORT_TYPE, 5) ||
	    (req->calling_station && put_attr(p, A_CALLING_STATION, req->calling_station, strlen(req->calling_station))) ||
	    (req->state && put_attr(p, A_STATE, req->state, req->state_len)) || put_nas_address(p, fd))
		return -1;
	ma = p->len + 2;
	if (put_attr(p, A_MESSAGE_AUTH, (uint8_t[16]){ 0 }, 16))
		return -1;
	set_length(p);
	if (message_auth(p->b, p->len, ma, secret, mac) != 0)
		return -1;
	memcpy(p->b + ma, mac, 16);
	return 0;
}

/* RFC 2866: the Request Authenticator is MD5 over the packet with 16 zero octets in its place, and the secret */
static int build_acct(struct packet *p, const struct kssh_radius_acct *a, const char *secret, int fd)
{
	uint8_t auth[16];

	p->len = RAD_HDR;
	p->b[0] = ACCOUNTING_REQUEST;
	memset(p->b + 4, 0, 16);
	if (RAND_bytes(p->b + 1, 1) != 1 || put_u32(p, A_ACCT_STATUS, a->stop ? 2 : 1) ||
	    put_attr(p, A_ACCT_SESSION_ID, a->session_id, strlen(a->session_id)) ||
	    put_attr(p, A_USER_NAME, a->user, strlen(a->user)) || put_u32(p, A_SERVICE_TYPE, 1) ||
	    put_u32(p, A_NAS_PORT_TYPE, 5) ||
	    (a->calling_station && put_attr(p, A_CALLING_STATION, a->calling_station, strlen(a->calling_station))) ||
	    put_nas_address(p, fd))
		return -1;
	if (a->stop && (put_u32(p, A_ACCT_SESSION_TIME, a->seconds) || put_u32(p, A_ACCT_IN_OCTETS, (uint32_t)a->bytes_in) ||
	                put_u32(p, A_ACCT_OUT_OCTETS, (uint32_t)a->bytes_out) ||
	                put_u32(p, A_ACCT_IN_GIGA, (uint32_t)(a->bytes_in >> 32)) ||
	                put_u32(p, A_ACCT_OUT_GIGA, (uint32_t)(a->bytes_out >> 32)) ||
	                put_u32(p, A_ACCT_TERMINATE, a->terminate_cause)))
		return -1;
	set_length(p);
	if (md5(p->b, p->len, (const uint8_t *)secret, strlen(secret), auth) != 0)
		return -1;
	memcpy(p->b + 4, auth, 16);
	return 0;
}

/* An Accounting-Response: its identifier, length and Response Authenticator */
static const char *check_acct_answer(const uint8_t *b, size_t len, const struct packet *req, const char *secret)
{
	uint8_t copy[RAD_MAX], want[16];

	if (len < RAD_HDR || ((size_t)b[2] << 8 | b[3]) != len)
		return "a malformed answer";
	if (b[1] != req->b[1])
		return "an answer to another request";
	if (b[0] != ACCOUNTING_RESPONSE)
		return "an answer of an unexpected code";
	memcpy(copy, b, len);
	memcpy(copy + 4, req->b + 4, 16);
	if (md5(copy, len, (const uint8_t *)secret, strlen(secret), want) != 0 || CRYPTO_memcmp(want, b + 4, 16) != 0)
		return "a bad Response Authenticator (wrong secret?)";
	return NULL;
}

/* An answer to req (request authenticator auth): checked whole, then read */
static const char *check_answer(uint8_t *b, size_t len, const struct packet *req, const char *secret,
                                struct kssh_radius_reply *reply)
{
	uint8_t want[16], got[16], mac[16], copy[RAD_MAX];
	size_t ma = 0, msg = 0;
	int mas = 0;

	if (len < RAD_HDR || ((size_t)b[2] << 8 | b[3]) != len)
		return "a malformed answer";
	if (b[1] != req->b[1])
		return "an answer to another request";
	if (b[0] != ACCESS_ACCEPT && b[0] != ACCESS_REJECT && b[0] != ACCESS_CHALLENGE)
		return "an answer of an unexpected code";
	/* the Response Authenticator: over the answer with the request's authenticator in its place */
	memcpy(copy, b, len);
	memcpy(copy + 4, req->b + 4, 16);
	memcpy(got, b + 4, 16);
	if (md5(copy, len, (const uint8_t *)secret, strlen(secret), want) != 0 || CRYPTO_memcmp(want, got, 16) != 0)
		return "a bad Response Authenticator (wrong secret?)";
	for (size_t off = RAD_HDR; off < len;) {
		size_t alen;

		if (len - off < 2 || (alen = b[off + 1]) < 2 || alen > len - off)
			return "a malformed attribute";
		if (b[off] == A_MESSAGE_AUTH) {
			if (alen != 18)
				return "a malformed Message-Authenticator";
			ma = off + 2;
			mas++;
		} else if (b[off] == A_REPLY_MESSAGE && msg + alen - 2 + 1 < sizeof(reply->message)) {
			if (msg > 0)
				reply->message[msg++] = '\n';
			memcpy(reply->message + msg, b + off + 2, alen - 2);
			msg += alen - 2;
			reply->message[msg] = 0;
		} else if (b[off] == A_STATE) {
			memcpy(reply->state, b + off + 2, alen - 2);
			reply->state_len = alen - 2;
		}
		off += alen;
	}
	if (mas != 1)
		return mas ? "more than one Message-Authenticator" : "no Message-Authenticator (BlastRADIUS: refused)";
	memcpy(got, b + ma, 16);
	memcpy(copy, b, len);
	memcpy(copy + 4, req->b + 4, 16);
	if (message_auth(copy, len, ma, secret, mac) != 0 || CRYPTO_memcmp(mac, got, 16) != 0)
		return "a bad Message-Authenticator";
	reply->result = b[0] == ACCESS_ACCEPT ? KSSH_RADIUS_ACCEPT
	                : b[0] == ACCESS_REJECT ? KSSH_RADIUS_REJECT : KSSH_RADIUS_CHALLENGE;
	return NULL;
}

/*
 * One server: 0 with a valid answer (in reply, for authentication), or -1 (why
 * says; failure: KSSH_AAA_TIMEOUT when nothing came back, KSSH_AAA_ERROR when
 * what came back failed its checks or nothing could be sent)
 */
static int ask(const struct kssh_radius_server *s, unsigned timeout_s, unsigned retransmit, const struct exchange *x,
               char *why, size_t why_len, enum kssh_aaa_event *failure)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV }, *ai = NULL;
	struct packet p = { 0 };
	char port[8];
	int fd = -1, r = -1;

	snprintf(port, sizeof(port), "%u", x->acct ? s->acct_port : s->auth_port);
	if (getaddrinfo(s->addr, port, &hints, &ai) != 0 || (fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    (x->acct ? build_acct(&p, x->acct, s->secret, fd) : build(&p, x->req, s->secret, fd)) != 0) {
		snprintf(why, why_len, "cannot send to it");
		*failure = KSSH_AAA_ERROR;
		goto out;
	}
	*failure = KSSH_AAA_TIMEOUT;
	snprintf(why, why_len, "no answer in %u tries of %u s", retransmit + 1, timeout_s);
	for (unsigned try = 0; try <= retransmit && r != 0; try++) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint8_t in[RAD_MAX];
		ssize_t n;
		int dropped = 0;

		if (send(fd, p.b, p.len, 0) != (ssize_t)p.len)
			continue;
		/* wrong answers (another id, a forgery) are dropped, a few of them a try */
		while (r != 0 && dropped++ < 8 && poll(&pfd, 1, (int)timeout_s * 1000) == 1 &&
		       (n = recv(fd, in, sizeof(in), 0)) >= 0) {
			const char *bad = x->acct ? check_acct_answer(in, (size_t)n, &p, s->secret)
			                          : check_answer(in, (size_t)n, &p, s->secret, x->reply);

			if (bad == NULL) {
				r = 0;
			} else {
				snprintf(why, why_len, "%s", bad);
				*failure = KSSH_AAA_ERROR;
			}
		}
	}
out:
	OPENSSL_cleanse(&p, sizeof(p));
	if (fd >= 0)
		close(fd);
	if (ai)
		freeaddrinfo(ai);
	return r;
}

void kssh_radius_authenticate(const struct kssh_radius_server *servers, size_t n, unsigned timeout_s,
                              unsigned retransmit, const struct kssh_radius_request *req,
                              struct kssh_radius_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->result = KSSH_RADIUS_UNREACHABLE;
	snprintf(reply->why, sizeof(reply->why), "no RADIUS server configured");
	if (strlen(req->password) > 128) {
		reply->result = KSSH_RADIUS_REJECT;
		snprintf(reply->why, sizeof(reply->why), "a password longer than RADIUS carries");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct exchange x = { .req = req, .reply = reply };

		uint64_t t0 = kssh_aaa_now_ms();
		enum kssh_aaa_event failure;

		snprintf(reply->server, sizeof(reply->server), "%s:%u", servers[i].addr, servers[i].auth_port);
		if (ask(&servers[i], timeout_s, retransmit, &x, reply->why, sizeof(reply->why), &failure) == 0) {
			kssh_aaa_report("radius", servers[i].addr, servers[i].auth_port,
			                reply->result == KSSH_RADIUS_ACCEPT ? KSSH_AAA_ACCEPT
			                : reply->result == KSSH_RADIUS_REJECT ? KSSH_AAA_REJECT : KSSH_AAA_CHALLENGE, t0);
			return;
		}
		kssh_aaa_report("radius", servers[i].addr, servers[i].auth_port, failure, t0);
	}
	reply->result = KSSH_RADIUS_UNREACHABLE;
}

int kssh_radius_account(const struct kssh_radius_server *servers, size_t n, unsigned timeout_s, unsigned retransmit,
                        const struct kssh_radius_acct *acct, char *why, size_t why_len)
{
	struct exchange x = { .acct = acct };

	snprintf(why, why_len, "no RADIUS server configured");
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = kssh_aaa_now_ms();
		enum kssh_aaa_event failure;
		int r = ask(&servers[i], timeout_s, retransmit, &x, why, why_len, &failure);

		kssh_aaa_report("radius", servers[i].addr, servers[i].auth_port, r == 0 ? KSSH_AAA_ANSWER : failure, t0);
		if (r == 0)
			return 0;
	}
	return -1;
}
