/* SPDX-License-Identifier: MIT */
/*
 * Moving a channel's bytes to and from file descriptors (a process's pipes or
 * pty, a TCP socket, a terminal), within the channel's windows: what the peer
 * sends is written out, or held until the fd can take it (never more than the
 * window we granted); what the fds produce is sent while the peer's window
 * and the transport's output have room.
 */
#ifndef KSSH_CHAN_PUMP_H
#define KSSH_CHAN_PUMP_H

#include <poll.h>

#include "kssh/channel.h"
#include "kssh/transport.h"

#define PUMP_OUTPUT_HIGH (4u * 1024 * 1024) /* stop reading fds while the transport holds this much */

struct chan_pump {
	struct kssh_channel *ch;
	int rd[2];              /* read and sent: [0] as DATA, [1] as EXTENDED_DATA (stderr); -1: none */
	int wr[2];              /* written: [0] DATA, [1] EXTENDED_DATA received; -1: discard */
	struct kssh_buf pend[2];
	int shared;             /* rd[0] and wr[0] are one socket: EOF is a shutdown(SHUT_WR) */
	int keep_wr_open;       /* a pty or terminal: the peer's EOF does not close it */
	int peer_eof;
	int pfd_index[4];       /* where pump_poll_add put each fd (rd0, rd1, wr0, wr1); -1: not polled */
};

void pump_init(struct chan_pump *p, struct kssh_channel *ch);
void pump_close(struct chan_pump *p);
/* Adds this pump's fds to pfds[*n] (up to max); can_send: the transport has room for output. */
void pump_poll_add(struct chan_pump *p, struct pollfd *pfds, size_t *n, size_t max, int can_send);
/* After poll: reads and sends, writes what is pending. */
int pump_service(struct kssh_transport *t, struct chan_pump *p, const struct pollfd *pfds);
/* The peer sent data (ext 0) or extended data. */
int pump_data(struct kssh_transport *t, struct chan_pump *p, uint32_t ext, const uint8_t *data,
              size_t len);
void pump_peer_eof(struct chan_pump *p);
/* Everything readable has been read (EOF on every rd). */
int pump_read_done(const struct chan_pump *p);
/* Every byte the peer sent has been written. */
int pump_write_done(const struct chan_pump *p);
/* Reads what is readable now without waiting (a pty after its process exits). */
int pump_drain(struct kssh_transport *t, struct chan_pump *p);
int set_nonblocking(int fd);

#endif
