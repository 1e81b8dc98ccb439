// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "chan_pump.h"

#define READ_MAX (64 * 1024)

int set_nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

void pump_init(struct chan_pump *p, struct kssh_channel *ch)
{
	memset(p, 0, sizeof(*p));
	p->ch = ch;
	p->rd[0] = p->rd[1] = p->wr[0] = p->wr[1] = -1;
	/* never more than the window we grant can be pending, and it may grow to this */
	kssh_buf_init(&p->pend[0], KSSH_CHAN_WINDOW_LIMIT);
	kssh_buf_init(&p->pend[1], KSSH_CHAN_WINDOW_LIMIT);
}

static void close_fd(struct chan_pump *p, int *fd)
{
	int v = *fd;

	*fd = -1;
	if (v < 0)
		return;
	/* a socket serving both directions is closed once, when neither uses it */
	if (p->shared && (p->rd[0] == v || p->wr[0] == v))
		return;
	close(v);
}

void pump_close(struct chan_pump *p)
{
	close_fd(p, &p->rd[0]);
	close_fd(p, &p->rd[1]);
	close_fd(p, &p->wr[0]);
	close_fd(p, &p->wr[1]);
	kssh_buf_release(&p->pend[0]);
	kssh_buf_release(&p->pend[1]);
}

static void poll_one(struct chan_pump *p, int slot, int fd, short events, struct pollfd *pfds,
                     size_t *n, size_t max)
{
	p->pfd_index[slot] = -1;
	if (fd < 0 || events == 0 || *n >= max)
		return;
	pfds[*n] = (struct pollfd){ .fd = fd, .events = events };
	p->pfd_index[slot] = (int)(*n)++;
}

void pump_poll_add(struct chan_pump *p, struct pollfd *pfds, size_t *n, size_t max, int can_send)
{
	int room = can_send && kssh_chan_send_room(p->ch) > 0;

	poll_one(p, 0, p->rd[0], room ? POLLIN : 0, pfds, n, max);
	poll_one(p, 1, p->rd[1], room ? POLLIN : 0, pfds, n, max);
	poll_one(p, 2, p->wr[0], kssh_buf_len(&p->pend[0]) ? POLLOUT : 0, pfds, n, max);
	poll_one(p, 3, p->wr[1], kssh_buf_len(&p->pend[1]) ? POLLOUT : 0, pfds, n, max);
}

static void reached_eof(struct chan_pump *p, int i)
{
	if (p->shared && i == 0) {
		p->rd[0] = -1;
		if (p->wr[0] < 0)
			p->shared = 0;
		return;
	}
	close_fd(p, &p->rd[i]);
}

/* Reads from rd[i] and sends; returns 0, or an error of the transport. */
static int read_and_send(struct kssh_transport *t, struct chan_pump *p, int i, int *would_block)
{
	uint8_t buf[READ_MAX];
	size_t room = kssh_chan_send_room(p->ch);
	ssize_t got;
	long sent;

	*would_block = 0;
	if (room == 0 || p->rd[i] < 0)
		return 0;
	got = read(p->rd[i], buf, room < sizeof(buf) ? room : sizeof(buf));
	if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
		*would_block = 1;
		return 0;
	}
	if (got <= 0) {
		/* EOF, or EIO from a pty whose other side has gone: nothing more will come */
		reached_eof(p, i);
		return 0;
	}
	sent = kssh_chan_send_data(t, p->ch, i ? SSH_EXTENDED_DATA_STDERR : 0, buf, (size_t)got);
	if (sent < 0)
		return (int)sent;
	return 0; /* room was checked: everything read was sent */
}

static void after_write_eof(struct chan_pump *p)
{
	if (!p->peer_eof || kssh_buf_len(&p->pend[0]) > 0 || p->wr[0] < 0 || p->keep_wr_open)
		return;
	if (p->shared) {
		shutdown(p->wr[0], SHUT_WR);
		p->wr[0] = -1;
		if (p->rd[0] < 0)
			p->shared = 0;
		return;
	}
	close_fd(p, &p->wr[0]);
}

/* Writes what is pending for wr[i]; the window reopens for every byte written. */
static int write_pending(struct kssh_transport *t, struct chan_pump *p, int i)
{
	struct kssh_buf *b = &p->pend[i];
	ssize_t n;

	if (kssh_buf_len(b) == 0 || p->wr[i] < 0)
		return 0;
	n = write(p->wr[i], kssh_buf_ptr(b), kssh_buf_len(b));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0) {
		/* the reader went away: what it never took is dropped, the window reopened */
		size_t lost = kssh_buf_len(b);

		kssh_buf_reset(b);
		close_fd(p, &p->wr[i]);
		return kssh_chan_consumed(t, p->ch, lost);
	}
	kssh_buf_consume(b, (size_t)n);
	if (kssh_buf_len(b) == 0)
		kssh_buf_reset(b);
	if (i == 0)
		after_write_eof(p);
	return kssh_chan_consumed(t, p->ch, (size_t)n);
}

int pump_service(struct kssh_transport *t, struct chan_pump *p, const struct pollfd *pfds)
{
	int r, wb;

	for (int i = 0; i < 2; i++) {
		int k = p->pfd_index[i];

		if (k >= 0 && (pfds[k].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (r = read_and_send(t, p, i, &wb)) != 0)
			return r;
	}
	for (int i = 0; i < 2; i++) {
		int k = p->pfd_index[2 + i];

		if (k >= 0 && (pfds[k].revents & (POLLOUT | POLLHUP | POLLERR)) &&
		    (r = write_pending(t, p, i)) != 0)
			return r;
	}
	return 0;
}

int pump_drain(struct kssh_transport *t, struct chan_pump *p)
{
	int r, wb = 0;

	for (int i = 0; i < 2; i++) {
		while (p->rd[i] >= 0 && kssh_chan_send_room(p->ch) > 0) {
			if ((r = read_and_send(t, p, i, &wb)) != 0)
				return r;
			if (wb) {
				reached_eof(p, i); /* nothing more is coming */
				break;
			}
		}
	}
	return 0;
}

int pump_data(struct kssh_transport *t, struct chan_pump *p, uint32_t ext, const uint8_t *data,
              size_t len)
{
	int i = ext ? 1 : 0;
	int r;

	if (ext != 0 && ext != SSH_EXTENDED_DATA_STDERR)
		return kssh_chan_consumed(t, p->ch, len);
	if (p->wr[i] < 0)
		return kssh_chan_consumed(t, p->ch, len); /* nobody reads: dropped, window reopened */
	if ((r = kssh_buf_put(&p->pend[i], data, len)) != 0)
		return r;
	return write_pending(t, p, i);
}

void pump_peer_eof(struct chan_pump *p)
{
	p->peer_eof = 1;
	after_write_eof(p);
}

int pump_read_done(const struct chan_pump *p)
{
	return p->rd[0] < 0 && p->rd[1] < 0;
}

int pump_write_done(const struct chan_pump *p)
{
	return kssh_buf_len(&p->pend[0]) == 0 && kssh_buf_len(&p->pend[1]) == 0;
}
