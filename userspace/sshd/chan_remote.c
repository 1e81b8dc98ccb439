// SPDX-License-Identifier: MIT
/*
 * Remote forwarding (RFC 4254 7.1, the client's -R): tcpip-forward and
 * cancel-tcpip-forward global requests, a listening socket per forward in
 * the user's own process (so it binds only what the user could), and a
 * forwarded-tcpip channel to the client for every connection it accepts.
 * Off unless "ssh server port-forwarding remote" is configured; loopback
 * only unless "... remote gateway-ports" (OpenSSH's GatewayPorts
 * clientspecified); a key's no-port-forwarding/restrict refuses it and its
 * permitlisten= options narrow it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "conn_internal.h"
#include "log.h"

/* OpenSSH: "", "*", "0.0.0.0" and "::" mean every address; "localhost" the loopback ones */
static int wildcard(const char *a)
{
	return a[0] == 0 || strcmp(a, "*") == 0 || strcmp(a, "0.0.0.0") == 0 || strcmp(a, "::") == 0;
}

/* permitlisten="[host:]port" entries, comma-joined; "*" as port or host matches any */
static int listen_permitted(const char *list, const char *addr, uint32_t port)
{
	char copy[1024], *save = NULL;

	if (list == NULL)
		return 1;
	snprintf(copy, sizeof(copy), "%s", list);
	for (char *e = strtok_r(copy, ",", &save); e != NULL; e = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(e, ':');
		const char *host = colon ? e : NULL, *p = colon ? colon + 1 : e;

		if (colon != NULL)
			*colon = 0;
		if (strcmp(p, "*") != 0 && (strtoul(p, NULL, 10) != port || port == 0))
			continue;
		if (host != NULL && strcmp(host, "*") != 0 && strcmp(host, addr) != 0 &&
		    !(strcmp(host, "localhost") == 0 && addr[0] == 0))
			continue;
		return 1;
	}
	return 0;
}

/* The sockets for addr:port; fills fds, returns how many (0: errno says why) and the port bound */
static int open_listeners(const char *addr, uint32_t port, int gateway, int fds[2], uint32_t *bound)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	const char *node = addr;
	char service[16];
	int n = 0, err = EADDRNOTAVAIL;

	if (!gateway || strcmp(addr, "localhost") == 0)
		node = "localhost"; /* GatewayPorts no: loopback whatever the client asked */
	else if (wildcard(addr))
		node = NULL;
	*bound = port;
	for (int pass = 0; pass < 2 && n < 2; pass++) {
		hints.ai_family = pass == 0 ? AF_INET : AF_INET6;
		snprintf(service, sizeof(service), "%u", *bound);
		if (getaddrinfo(node, service, &hints, &res) != 0)
			continue;
		for (ai = res; ai != NULL && n < 2; ai = ai->ai_next) {
			int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), one = 1;

			if (fd < 0)
				continue;
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
			if (ai->ai_family == AF_INET6)
				setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
			if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 64) != 0) {
				err = errno;
				close(fd);
				continue;
			}
			if (*bound == 0) { /* port 0: the kernel's choice, the same for the IPv6 socket */
				struct sockaddr_storage ss;
				socklen_t len = sizeof(ss);

				getsockname(fd, (struct sockaddr *)&ss, &len);
				*bound = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				                                       : ((struct sockaddr_in6 *)&ss)->sin6_port);
			}
			fds[n++] = fd;
		}
		freeaddrinfo(res);
	}
	if (n == 0)
		errno = err;
	return n;
}

static int reply(struct kssh_transport *t, int want_reply, int ok, int with_port, uint32_t port)
{
	struct kssh_buf *b;

	if (!want_reply)
		return 0;
	if ((b = kssh_transport_begin(t, ok ? SSH_MSG_REQUEST_SUCCESS : SSH_MSG_REQUEST_FAILURE)) == NULL)
		return KSSH_ERR_ALLOC;
	if (ok && with_port && kssh_buf_put_u32(b, port) != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

static int tcpip_forward(struct sshd_conn *s, struct kssh_buf *msg, int want_reply)
{
	char *addr = NULL;
	uint32_t port, bound = 0;
	struct sshd_rfwd *f = NULL;
	int r, fds[2] = { -1, -1 }, n;

	if ((r = kssh_buf_get_cstring(msg, &addr, NULL)) != 0 || (r = kssh_buf_get_u32(msg, &port)) != 0) {
		free(addr);
		return kssh_transport_fail(s->c->t, KSSH_ERR_INVALID_FORMAT, "malformed tcpip-forward");
	}
	if (!s->o->port_forwarding_remote || s->auth->key_opts.no_port_forwarding) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, remote forwarding of %.128s:%u "
		               "refused: %s", addr, port,
		               s->o->port_forwarding_remote ? "not permitted for this key" : "not enabled");
		goto refuse;
	}
	if (port > 65535 || !listen_permitted(s->auth->key_opts.permitlisten, addr, port)) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, remote forwarding of %.128s:%u "
		               "refused: not in the key's permitlisten", addr, port);
		goto refuse;
	}
	for (size_t i = 0; i < SSHD_MAX_RFWD && f == NULL; i++)
		if (s->rfwd[i].fd[0] < 0)
			f = &s->rfwd[i];
	if (f == NULL) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, remote forwarding of %.128s:%u "
		               "refused: %d forwards already", addr, port, SSHD_MAX_RFWD);
		goto refuse;
	}
	if ((n = open_listeners(addr, port, s->o->gateway_ports, fds, &bound)) == 0) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, remote forwarding of %.128s:%u "
		               "refused: cannot listen: %s", addr, port, strerror(errno));
		goto refuse;
	}
	f->fd[0] = fds[0];
	f->fd[1] = fds[1];
	f->port = bound;
	f->requested_port = port;
	snprintf(f->bind, sizeof(f->bind), "%s", addr);
	sshd_report("type", "port-forwarded-remote");
	kssh_log_event(LOG_INFO, "PORT_FWD_INFO_GENERAL", "Port Forwarding, remote forwarding from %.128s:%u "
	               "(listening on port %u) for user %s", addr, port, bound, s->auth->user.name);
	free(addr);
	return reply(s->c->t, want_reply, 1, port == 0, bound);
refuse:
	free(addr);
	return reply(s->c->t, want_reply, 0, 0, 0);
}

static void rfwd_close(struct sshd_rfwd *f)
{
	for (int i = 0; i < 2; i++)
		if (f->fd[i] >= 0) {
			close(f->fd[i]);
			f->fd[i] = -1;
		}
}

static int cancel_forward(struct sshd_conn *s, struct kssh_buf *msg, int want_reply)
{
	char *addr = NULL;
	uint32_t port;
	int r, found = 0;

	if ((r = kssh_buf_get_cstring(msg, &addr, NULL)) != 0 || (r = kssh_buf_get_u32(msg, &port)) != 0) {
		free(addr);
		return kssh_transport_fail(s->c->t, KSSH_ERR_INVALID_FORMAT, "malformed cancel-tcpip-forward");
	}
	for (size_t i = 0; i < SSHD_MAX_RFWD; i++) {
		struct sshd_rfwd *f = &s->rfwd[i];

		if (f->fd[0] < 0 || strcmp(f->bind, addr) != 0 || (f->port != port && f->requested_port != port))
			continue;
		rfwd_close(f);
		found = 1;
		kssh_log_event(LOG_INFO, "PORT_FWD_INFO_GENERAL", "Port Forwarding, remote forwarding from "
		               "%.128s:%u cancelled", addr, port);
	}
	free(addr);
	return reply(s->c->t, want_reply, found, 0, 0);
}

int rfwd_global_request(struct sshd_conn *s, const struct kssh_buf *payload, int *handled)
{
	struct kssh_buf msg = *payload;
	const uint8_t *name;
	size_t n;
	int want_reply;

	*handled = 0;
	kssh_buf_consume(&msg, 1);
	if (kssh_buf_get_string_view(&msg, &name, &n) != 0 || kssh_buf_get_bool(&msg, &want_reply) != 0)
		return kssh_transport_fail(s->c->t, KSSH_ERR_INVALID_FORMAT, "malformed GLOBAL_REQUEST");
	if (n == 13 && memcmp(name, "tcpip-forward", 13) == 0) {
		*handled = 1;
		return tcpip_forward(s, &msg, want_reply);
	}
	if (n == 20 && memcmp(name, "cancel-tcpip-forward", 20) == 0) {
		*handled = 1;
		return cancel_forward(s, &msg, want_reply);
	}
	return 0;
}

void rfwd_init(struct sshd_conn *s)
{
	for (size_t i = 0; i < SSHD_MAX_RFWD; i++)
		s->rfwd[i].fd[0] = s->rfwd[i].fd[1] = -1;
}

void rfwd_close_all(struct sshd_conn *s)
{
	for (size_t i = 0; i < SSHD_MAX_RFWD; i++)
		rfwd_close(&s->rfwd[i]);
}

void rfwd_poll_add(struct sshd_conn *s, struct pollfd *pfds, size_t *n, size_t max)
{
	for (size_t i = 0; i < SSHD_MAX_RFWD; i++)
		for (int j = 0; j < 2; j++)
			if (s->rfwd[i].fd[j] >= 0 && *n < max) {
				s->rfwd[i].slot[j] = (int)*n;
				pfds[(*n)++] = (struct pollfd){ .fd = s->rfwd[i].fd[j], .events = POLLIN };
			} else {
				s->rfwd[i].slot[j] = -1;
			}
}

/* A connection to a forwarded port: a forwarded-tcpip channel to the client carries it */
static int forward_one(struct sshd_conn *s, struct sshd_rfwd *f, int lfd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char origin[INET6_ADDRSTRLEN] = "";
	uint16_t origin_port = 0;
	struct sshd_chan *sc;
	struct kssh_buf *b;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd < 0)
		return 0;
	if (ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, origin, sizeof(origin));
		origin_port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, origin, sizeof(origin));
		origin_port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	if ((sc = session_open(s)) == NULL) {
		close(fd);
		return 0;
	}
	sc->kind = CHAN_FORWARDED_TCPIP;
	if ((sc->pump.ch = kssh_chan_open(&s->chans, s->c->t, "forwarded-tcpip", sc, &b)) == NULL) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, connection from %s:%u to "
		               "forwarded port %u dropped: channel limit reached", origin, origin_port, f->port);
		session_free(sc);
		close(fd);
		return 0;
	}
	sc->pump.rd[0] = sc->pump.wr[0] = fd;
	sc->pump.shared = 1;
	if (kssh_buf_put_cstring(b, f->bind) != 0 || kssh_buf_put_u32(b, f->port) != 0 ||
	    kssh_buf_put_cstring(b, origin) != 0 || kssh_buf_put_u32(b, origin_port) != 0)
		return KSSH_ERR_ALLOC;
	kssh_log_event(LOG_INFO, "PORT_FWD_INFO_GENERAL", "Port Forwarding, Originator:=%s,Port:=%u, "
	               "forwarded port %u, Connection forwarded to the client", origin, origin_port, f->port);
	return kssh_transport_send(s->c->t);
}

int rfwd_service(struct sshd_conn *s, const struct pollfd *pfds)
{
	int r;

	for (size_t i = 0; i < SSHD_MAX_RFWD; i++)
		for (int j = 0; j < 2; j++) {
			struct sshd_rfwd *f = &s->rfwd[i];

			if (f->fd[j] < 0 || f->slot[j] < 0 || !(pfds[f->slot[j]].revents & POLLIN))
				continue;
			if ((r = forward_one(s, f, f->fd[j])) != 0)
				return r;
		}
	return 0;
}
