// SPDX-License-Identifier: MIT
/* The monitor's socketpair: length-prefixed messages, read with a size limit and a deadline. */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "monitor.h"

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return KSSH_ERR_CONN_CLOSED;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, int64_t deadline_ms)
{
	while (n > 0) {
		ssize_t r;

		if (deadline_ms > 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int64_t left = deadline_ms - conn_now_ms();

			if (left <= 0)
				return KSSH_ERR_TIMEOUT;
			if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR)
				return KSSH_ERR_SYSTEM;
			if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
		}
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return KSSH_ERR_CONN_CLOSED;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

int mon_send(int fd, uint8_t type, const struct kssh_buf *body)
{
	size_t n = body ? kssh_buf_len(body) : 0;
	uint8_t head[5];
	int r;

	if (n + 1 > UINT32_MAX)
		return KSSH_ERR_STRING_TOO_LARGE;
	kssh_poke_u32(head, (uint32_t)(n + 1));
	head[4] = type;
	if ((r = write_all(fd, head, sizeof(head))) != 0)
		return r;
	return n ? write_all(fd, kssh_buf_ptr(body), n) : 0;
}

int mon_recv(int fd, uint8_t *type, struct kssh_buf *body, size_t max, int64_t deadline_ms)
{
	uint8_t head[5], *dst;
	uint32_t len;
	int r;

	kssh_buf_reset(body);
	if ((r = read_all(fd, head, sizeof(head), deadline_ms)) != 0)
		return r;
	len = kssh_peek_u32(head);
	if (len == 0 || len - 1 > max)
		return KSSH_ERR_STRING_TOO_LARGE;
	*type = head[4];
	if (len == 1)
		return 0;
	if ((r = kssh_buf_reserve(body, len - 1, &dst)) != 0)
		return r;
	return read_all(fd, dst, len - 1, deadline_ms);
}
