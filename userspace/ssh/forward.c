// SPDX-License-Identifier: MIT
/*
 * The forwardings the server starts: -R (tcpip-forward requests, then a
 * forwarded-tcpip channel for each connection to the server's port, carried
 * to host:hostport from here) and -A (auth-agent@openssh.com channels to the
 * agent at $SSH_AUTH_SOCK). A channel of a kind we did not ask for is refused.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "session_internal.h"

int forward_request_remote(struct client_session *s)
{
	struct kssh_buf *b;
	int r;

	for (int i = 0; i < s->o->n_rforwards; i++) {
		const struct remote_forward *rf = &s->o->rforwards[i];

		if ((b = kssh_transport_begin(s->c->t, SSH_MSG_GLOBAL_REQUEST)) == NULL)
			return KSSH_ERR_ALLOC;
		/* OpenSSH: no bind address means the server's loopback */
		if ((r = kssh_buf_put_cstring(b, "tcpip-forward")) != 0 || (r = kssh_buf_put_u8(b, 1)) != 0 ||
		    (r = kssh_buf_put_cstring(b, rf->bind[0] ? rf->bind : "localhost")) != 0 ||
		    (r = kssh_buf_put_u32(b, rf->port)) != 0 || (r = kssh_transport_send(s->c->t)) != 0)
			return r;
		s->rfwd_pending[(s->rfwd_head + s->n_rfwd_pending++) % MAX_FORWARDS] = i;
	}
	return 0;
}

int forward_global_reply(struct client_session *s, uint8_t type, struct kssh_buf *payload)
{
	struct kssh_buf msg = *payload;
	struct remote_forward *rf;
	uint32_t port;

	if (s->n_rfwd_pending == 0)
		return 0; /* an answer to a keepalive */
	rf = &s->o->rforwards[s->rfwd_pending[s->rfwd_head]];
	s->rfwd_head = (s->rfwd_head + 1) % MAX_FORWARDS;
	s->n_rfwd_pending--;
	if (type == SSH_MSG_REQUEST_FAILURE) {
		rf->state = -1;
		fprintf(stderr, "%s: remote port forwarding failed for listen port %u\n",
		        s->o->exit_on_forward_failure ? "Error" : "Warning", rf->port);
		if (s->o->exit_on_forward_failure)
			s->forward_failed = 1;
		return 0;
	}
	rf->state = 1;
	rf->bound = rf->port;
	if (rf->port == 0) {
		kssh_buf_consume(&msg, 1);
		if (kssh_buf_get_u32(&msg, &port) != 0 || port == 0 || port > 65535)
			return kssh_transport_fail(s->c->t, KSSH_ERR_INVALID_FORMAT,
			                           "tcpip-forward answered without a port");
		rf->bound = port;
		fprintf(stderr, "Allocated port %u for remote forward to %s:%u\n", port, rf->host, rf->host_port);
	}
	return 0;
}

static int connect_agent(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = getenv("SSH_AUTH_SOCK");
	int fd;

	if (path == NULL || strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENOENT;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || set_nonblocking(fd) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The forward whose server port a forwarded-tcpip channel names */
static const struct remote_forward *find_rforward(const struct client_session *s, uint32_t port)
{
	for (int i = 0; i < s->o->n_rforwards; i++) {
		const struct remote_forward *rf = &s->o->rforwards[i];

		if (rf->state == 1 && (rf->bound == port || rf->port == port))
			return rf;
	}
	return NULL;
}

static int accept_with_fd(struct client_session *s, struct kssh_chan_event *ev, int fd)
{
	struct client_chan *cc = client_chan_new();

	if (cc == NULL || (cc->pump.ch = kssh_chan_accept(&s->chans, s->c->t, ev, cc)) == NULL) {
		free(cc);
		close(fd);
		return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_RESOURCE_SHORTAGE, "too many channels");
	}
	cc->open = 1;
	cc->pump.rd[0] = cc->pump.wr[0] = fd;
	cc->pump.shared = 1;
	return 0;
}

int forward_channel_open(struct client_session *s, struct kssh_chan_event *ev)
{
	const struct remote_forward *rf;
	char *addr = NULL, *origin = NULL;
	uint32_t port, origin_port;
	int fd, r;

	if (strcmp(ev->name, "auth-agent@openssh.com") == 0) {
		if (!s->o->forward_agent)
			return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
			                        "agent forwarding not requested");
		if ((fd = connect_agent()) < 0)
			return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_CONNECT_FAILED, "no agent");
		return accept_with_fd(s, ev, fd);
	}
	if (strcmp(ev->name, "forwarded-tcpip") != 0)
		return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
		                        "open not allowed");
	if ((r = kssh_buf_get_cstring(&ev->rest, &addr, NULL)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &port)) != 0 ||
	    (r = kssh_buf_get_cstring(&ev->rest, &origin, NULL)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &origin_port)) != 0) {
		r = kssh_transport_fail(s->c->t, r, "malformed forwarded-tcpip open");
		goto out;
	}
	/* only the ports we asked for: a server may not make us connect anywhere else */
	if ((rf = find_rforward(s, port)) == NULL) {
		r = kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
		                     "no such remote forward");
		goto out;
	}
	if ((fd = conn_connect_tcp(rf->host, rf->host_port, -1)) < 0) {
		if (s->o->verbose)
			fprintf(stderr, "kssh: remote forward to %s:%u: connect failed: %s\n", rf->host,
			        rf->host_port, strerror(errno));
		r = kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_CONNECT_FAILED, "connect failed");
		goto out;
	}
	r = accept_with_fd(s, ev, fd);
out:
	free(addr);
	free(origin);
	return r;
}

int forward_agent_request(struct client_session *s, struct kssh_channel *ch)
{
	struct kssh_buf *b;
	int r;

	if (getenv("SSH_AUTH_SOCK") == NULL)
		return 0; /* nothing to forward, as OpenSSH */
	if ((r = kssh_chan_request_begin(s->c->t, ch, "auth-agent-req@openssh.com", 0, &b)) != 0)
		return r;
	return kssh_transport_send(s->c->t);
}
