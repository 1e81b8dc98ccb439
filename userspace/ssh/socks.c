// SPDX-License-Identifier: MIT
/*
 * -D: a SOCKS proxy on this side (SOCKS 4, 4a and 5; CONNECT only, no
 * authentication: a SOCKS 5 client that insists on username/password is
 * refused). Each CONNECT becomes a direct-tcpip channel; the SOCKS reply is
 * sent once the server has answered the open. The handshake is a few bytes
 * a local program sends at once, read here with a short deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "session_internal.h"

#define SOCKS_DEADLINE_MS 3000

/* Exactly n bytes from fd, waiting at most until the deadline; 0 or -1 */
static int read_exact(int fd, uint8_t *buf, size_t n, int *budget_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (*budget_ms <= 0 || poll(&pfd, 1, 100) < 0)
			return -1;
		*budget_ms -= 100;
		if (!(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		if ((k = read(fd, buf + got, n - got)) <= 0) {
			if (k < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			return -1;
		}
		got += (size_t)k;
	}
	return 0;
}

/* A NUL-terminated string of at most max bytes */
static int read_cstring(int fd, char *out, size_t max, int *budget_ms)
{
	for (size_t i = 0; i < max; i++) {
		if (read_exact(fd, (uint8_t *)&out[i], 1, budget_ms) != 0)
			return -1;
		if (out[i] == 0)
			return 0;
	}
	return -1;
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t k = write(fd, p, n);

		if (k > 0) {
			p += k;
			n -= (size_t)k;
		} else if (k < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, 1000) <= 0)
				return;
		} else if (!(k < 0 && errno == EINTR)) {
			return;
		}
	}
}

/* SOCKS 4 and 4a: VN CD DSTPORT DSTIP USERID [HOST] */
static int socks4_request(int fd, char *host, size_t hostlen, unsigned *port, int *budget)
{
	uint8_t h[7];
	char user[256];

	if (read_exact(fd, h, sizeof(h), budget) != 0 || h[0] != 1 || /* CD 1: CONNECT */
	    read_cstring(fd, user, sizeof(user), budget) != 0)
		return -1;
	*port = (unsigned)(h[1] << 8 | h[2]);
	if (h[3] == 0 && h[4] == 0 && h[5] == 0 && h[6] != 0) /* 4a: 0.0.0.x, the name follows */
		return read_cstring(fd, host, hostlen, budget);
	snprintf(host, hostlen, "%u.%u.%u.%u", h[3], h[4], h[5], h[6]);
	return 0;
}

/* SOCKS 5 (RFC 1928): method selection, then VER CMD RSV ATYP DST.ADDR DST.PORT */
static int socks5_request(int fd, char *host, size_t hostlen, unsigned *port, int *budget)
{
	uint8_t n, methods[255], h[4], a[256], p[2];
	int no_auth = 0;

	if (read_exact(fd, &n, 1, budget) != 0 || n == 0 || read_exact(fd, methods, n, budget) != 0)
		return -1;
	for (int i = 0; i < n; i++)
		no_auth |= methods[i] == 0x00;
	if (!no_auth) {
		static const uint8_t refuse[] = { 5, 0xff }; /* no acceptable method */

		write_all(fd, refuse, sizeof(refuse));
		return -1;
	}
	write_all(fd, (const uint8_t[]){ 5, 0 }, 2);
	if (read_exact(fd, h, sizeof(h), budget) != 0 || h[0] != 5)
		return -1;
	if (h[1] != 1) { /* only CONNECT */
		static const uint8_t unsupported[] = { 5, 7, 0, 1, 0, 0, 0, 0, 0, 0 };

		write_all(fd, unsupported, sizeof(unsupported));
		return -1;
	}
	if (h[3] == 1) {
		if (read_exact(fd, a, 4, budget) != 0)
			return -1;
		inet_ntop(AF_INET, a, host, (socklen_t)hostlen);
	} else if (h[3] == 4) {
		if (read_exact(fd, a, 16, budget) != 0)
			return -1;
		inet_ntop(AF_INET6, a, host, (socklen_t)hostlen);
	} else if (h[3] == 3) {
		if (read_exact(fd, &n, 1, budget) != 0 || n == 0 || read_exact(fd, a, n, budget) != 0 ||
		    memchr(a, 0, n) != NULL)
			return -1;
		snprintf(host, hostlen, "%.*s", (int)n, (const char *)a);
	} else {
		return -1;
	}
	if (read_exact(fd, p, 2, budget) != 0)
		return -1;
	*port = (unsigned)(p[0] << 8 | p[1]);
	return 0;
}

int socks_accept(struct client_session *s, struct local_forward *f)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[256] = "", origin[NI_MAXHOST] = "127.0.0.1", oport[NI_MAXSERV] = "0";
	unsigned port = 0;
	uint8_t version;
	int budget = SOCKS_DEADLINE_MS, ok, r;
	struct client_chan *cc;
	struct kssh_buf *msg;
	int fd = accept4(f->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return 0;
	getnameinfo((struct sockaddr *)&ss, len, origin, sizeof(origin), oport, sizeof(oport),
	            NI_NUMERICHOST | NI_NUMERICSERV);
	ok = read_exact(fd, &version, 1, &budget) == 0 &&
	     ((version == 4 && socks4_request(fd, host, sizeof(host), &port, &budget) == 0) ||
	      (version == 5 && socks5_request(fd, host, sizeof(host), &port, &budget) == 0));
	if (!ok || host[0] == 0 || port == 0) {
		if (s->o->verbose)
			fprintf(stderr, "kssh: dynamic forward: a SOCKS request from %s refused\n", origin);
		if (ok && version == 4)
			write_all(fd, (const uint8_t[]){ 0, 0x5b, 0, 0, 0, 0, 0, 0 }, 8);
		close(fd);
		return 0;
	}
	if ((cc = client_chan_new()) == NULL ||
	    (cc->pump.ch = kssh_chan_open(&s->chans, s->c->t, "direct-tcpip", cc, &msg)) == NULL) {
		free(cc);
		close(fd);
		return 0;
	}
	cc->socks = version;
	cc->pump.rd[0] = cc->pump.wr[0] = fd;
	cc->pump.shared = 1;
	if ((r = kssh_buf_put_cstring(msg, host)) != 0 || (r = kssh_buf_put_u32(msg, port)) != 0 ||
	    (r = kssh_buf_put_cstring(msg, origin)) != 0 ||
	    (r = kssh_buf_put_u32(msg, (uint32_t)atoi(oport))) != 0)
		return r;
	return kssh_transport_send(s->c->t);
}

void socks_reply(struct client_chan *cc, int granted)
{
	int fd = cc->pump.rd[0];

	if (fd < 0)
		return;
	if (cc->socks == 4) {
		uint8_t reply[8] = { 0, (uint8_t)(granted ? 0x5a : 0x5b), 0, 0, 0, 0, 0, 0 };

		write_all(fd, reply, sizeof(reply));
	} else {
		uint8_t reply[10] = { 5, (uint8_t)(granted ? 0 : 5), 0, 1, 0, 0, 0, 0, 0, 0 };

		write_all(fd, reply, sizeof(reply));
	}
	cc->socks = 0;
}
