// SPDX-License-Identifier: MIT
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "conn_io.h"
#include "conn_kernel.h"

#define READ_CHUNK (256 * 1024)

int64_t conn_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_for(struct kssh_conn *c, short events)
{
	struct pollfd pfd = { .fd = c->fd, .events = events };
	int timeout = -1, n;

	if (c->deadline_ms > 0) {
		int64_t left = c->deadline_ms - conn_now_ms();

		if (left <= 0)
			return KSSH_ERR_TIMEOUT;
		timeout = left > 1000 ? 1000 : (int)left;
	} else {
		timeout = 1000; /* wake up for time-based rekey and stop requests */
	}
	n = poll(&pfd, 1, timeout);
	if (c->stop != NULL && *c->stop)
		return KSSH_ERR_CONN_CLOSED;
	if (n < 0)
		return errno == EINTR ? KSSH_ERR_AGAIN : KSSH_ERR_SYSTEM;
	return n == 0 ? KSSH_ERR_AGAIN : 0;
}

int conn_flush(struct kssh_conn *c)
{
	struct kssh_buf *out = kssh_transport_output(c->t);
	int r;

	while (kssh_transport_kernel(c->t)) {
		if ((r = conn_kernel_write(c)) != KSSH_ERR_AGAIN)
			return r;
		if ((r = wait_for(c, POLLOUT)) != 0 && r != KSSH_ERR_AGAIN)
			return r;
	}
	while (kssh_buf_len(out) > 0) {
		ssize_t n = write(c->fd, kssh_buf_ptr(out), kssh_buf_len(out));

		if (n > 0) {
			kssh_buf_consume(out, (size_t)n);
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno == EPIPE || errno == ECONNRESET ? KSSH_ERR_CONN_CLOSED : KSSH_ERR_SYSTEM;
		if ((r = wait_for(c, POLLOUT)) != 0 && r != KSSH_ERR_AGAIN)
			return r;
	}
	return 0;
}

/* One read into the transport's input: 0, KSSH_ERR_AGAIN when nothing was there, or an error. */
static int read_input(struct kssh_conn *c)
{
	struct kssh_buf *in = kssh_transport_input(c->t);
	size_t room = in->max - kssh_buf_len(in);
	uint8_t *dst;
	ssize_t n;
	int r;

	if (kssh_transport_kernel(c->t))
		return conn_kernel_read(c);
	if (room > READ_CHUNK)
		room = READ_CHUNK;
	if (room == 0)
		return KSSH_ERR_NO_BUFFER_SPACE;
	if ((r = kssh_buf_reserve(in, room, &dst)) != 0)
		return r;
	n = read(c->fd, dst, room);
	kssh_buf_consume_end(in, n > 0 ? room - (size_t)n : room);
	if (n == 0)
		return KSSH_ERR_CONN_CLOSED;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? KSSH_ERR_AGAIN
		       : errno == ECONNRESET ? KSSH_ERR_CONN_CLOSED : KSSH_ERR_SYSTEM;
	if (c->quickack)
		setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &(int){ 1 }, sizeof(int));
	if (c->reads++ % 64 == 0) {
		int size = 0;
		socklen_t len = sizeof(size);

		if (getsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, &len) == 0 && size > 0)
			c->rcvbuf = (uint32_t)size;
	}
	return 0;
}

static int read_some(struct kssh_conn *c)
{
	int r;

	if ((r = wait_for(c, POLLIN)) != 0)
		return r;
	return read_input(c);
}

int conn_next_message(struct kssh_conn *c, uint8_t *type, struct kssh_buf *payload)
{
	int r;

	if (c->has_pending) {
		/* still valid: the transport has not been polled since */
		c->has_pending = 0;
		*type = c->pending_type;
		*payload = c->pending;
		return conn_flush(c);
	}
	for (;;) {
		r = kssh_transport_poll(c->t, type, payload);
		if (r != KSSH_ERR_AGAIN) {
			/* flush even on error: the DISCONNECT explaining it is in the output */
			int f = conn_flush(c);

			return r != 0 ? r : f;
		}
		if ((r = conn_flush(c)) != 0)
			return r;
		if ((r = read_some(c)) != 0 && r != KSSH_ERR_AGAIN)
			return r;
	}
}

int conn_wait_ready(struct kssh_conn *c)
{
	uint8_t type;
	struct kssh_buf payload;
	int r;

	while (!kssh_transport_ready(c->t)) {
		r = kssh_transport_poll(c->t, &type, &payload);
		if (r == 0) {
			/* the peer's first message came in the same read as its NEWKEYS: keep it */
			if (!kssh_transport_ready(c->t))
				return KSSH_ERR_PROTOCOL;
			c->has_pending = 1;
			c->pending_type = type;
			c->pending = payload;
			break;
		}
		if (r != KSSH_ERR_AGAIN) {
			conn_flush(c);
			return r;
		}
		if ((r = conn_flush(c)) != 0)
			return r;
		if (kssh_transport_ready(c->t))
			break;
		if ((r = read_some(c)) != 0 && r != KSSH_ERR_AGAIN)
			return r;
	}
	return conn_flush(c);
}

short conn_poll_events(struct kssh_conn *c)
{
	struct kssh_buf *in = kssh_transport_input(c->t);
	short ev = 0;

	if (kssh_buf_len(in) < in->max && kssh_buf_len(in) < 2 * READ_CHUNK)
		ev |= POLLIN;
	if (kssh_buf_len(kssh_transport_output(c->t)) > 0)
		ev |= POLLOUT;
	return ev;
}

int conn_write_some(struct kssh_conn *c)
{
	struct kssh_buf *out = kssh_transport_output(c->t);

	if (kssh_transport_kernel(c->t)) {
		int r = conn_kernel_write(c);

		return r == KSSH_ERR_AGAIN ? 0 : r;
	}
	while (kssh_buf_len(out) > 0) {
		ssize_t n = write(c->fd, kssh_buf_ptr(out), kssh_buf_len(out));

		if (n > 0) {
			kssh_buf_consume(out, (size_t)n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		return errno == EPIPE || errno == ECONNRESET ? KSSH_ERR_CONN_CLOSED : KSSH_ERR_SYSTEM;
	}
	if (kssh_buf_len(out) == 0)
		kssh_buf_reset(out);
	return 0;
}

int conn_service(struct kssh_conn *c, short revents)
{
	int r;

	if (revents & POLLOUT && (r = conn_write_some(c)) != 0)
		return r;
	if (!(revents & (POLLIN | POLLHUP | POLLERR)))
		return 0;
	r = read_input(c);
	/* a full input buffer waits until the transport has consumed some */
	return r == KSSH_ERR_AGAIN || r == KSSH_ERR_NO_BUFFER_SPACE ? 0 : r;
}

int conn_refuse_global_request(struct kssh_transport *t, const struct kssh_buf *payload,
                               char *name, size_t len)
{
	struct kssh_buf msg = *payload, *b;
	const uint8_t *p;
	size_t n;
	int want_reply;

	kssh_buf_consume(&msg, 1);
	if (kssh_buf_get_string_view(&msg, &p, &n) != 0 || kssh_buf_get_bool(&msg, &want_reply) != 0)
		return kssh_transport_fail(t, KSSH_ERR_INVALID_FORMAT, "malformed GLOBAL_REQUEST");
	if (name != NULL && len > 0) {
		n = n < len - 1 ? n : len - 1;
		memcpy(name, p, n);
		name[n] = 0;
	}
	if (!want_reply)
		return 0;
	if ((b = kssh_transport_begin(t, SSH_MSG_REQUEST_FAILURE)) == NULL)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
}

void conn_socket_dscp(int fd, unsigned dscp)
{
	int tos = (int)(dscp << 2), domain = AF_INET;
	socklen_t len = sizeof(domain);

	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len);
	if (domain == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	/* an IPv6 socket may carry IPv4 too (mapped addresses): set both */
	setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
}

int conn_fd_all(int fd, void *buf, size_t n, int writing)
{
	uint8_t *b = buf;

	while (n > 0) {
		ssize_t k = writing ? write(fd, b, n) : read(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return KSSH_ERR_SYSTEM;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int conn_connect_tcp(const char *host, unsigned port, int dscp)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_ADDRCONFIG }, *res, *ai;
	char service[16];
	int fd = -1, err = ECONNREFUSED;

	snprintf(service, sizeof(service), "%u", port);
	if (getaddrinfo(host, service, &hints, &res) != 0) {
		errno = EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		struct pollfd pfd;
		socklen_t len = sizeof(err);

		if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
			continue;
		if (dscp >= 0)
			conn_socket_dscp(fd, (unsigned)dscp);
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (errno == EINPROGRESS && poll(&pfd, 1, 10000) == 1 &&
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0)
			break;
		err = errno == EINPROGRESS ? (err ? err : ETIMEDOUT) : errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = err;
	return fd;
}
