/* SPDX-License-Identifier: MIT */
/* Moving a transport's bytes over a socket: poll, read, write, deadlines. */
#ifndef KSSH_CONN_IO_H
#define KSSH_CONN_IO_H

#include <stddef.h>
#include <stdint.h>

#include "kssh/transport.h"

struct kssh_conn {
	int fd;
	struct kssh_transport *t;
	int64_t deadline_ms; /* absolute CLOCK_MONOTONIC ms; 0 for none */
	volatile int *stop;  /* set by a signal handler; may be NULL */
	/* acknowledge each read at once (TCP_QUICKACK): while logging in, a client that holds a small
	 * packet for Nagle (OpenSSH does, without a tty) would otherwise wait out our delayed ACK, 40 ms */
	int quickack;
	/* the socket's receive buffer as the kernel has tuned it (read every 64 reads): channel windows grow to it */
	uint32_t rcvbuf;
	unsigned reads;
	/* a message that arrived with the last key-exchange packet, for conn_next_message */
	int has_pending;
	uint8_t pending_type;
	struct kssh_buf pending;
};

int64_t conn_now_ms(void);
/* Writes everything in the transport's output. */
int conn_flush(struct kssh_conn *c);
/* The next message for the layers above, reading and writing as needed. */
int conn_next_message(struct kssh_conn *c, uint8_t *type, struct kssh_buf *payload);
/* For a poll loop over a non-blocking socket: what to wait for, and then
 * reading what arrived and writing what is queued, without blocking. */
short conn_poll_events(struct kssh_conn *c);
int conn_service(struct kssh_conn *c, short revents);
int conn_write_some(struct kssh_conn *c);
/* A GLOBAL_REQUEST (payload, type byte included) for a service we do not offer
 * (keepalive@openssh.com, hostkeys-00, remote forwarding): parsed, answered with
 * REQUEST_FAILURE when a reply is wanted; its name copied to name[len] when given. */
int conn_refuse_global_request(struct kssh_transport *t, const struct kssh_buf *payload,
                               char *name, size_t len);
/* Runs the transport until the first key exchange completes. */
int conn_wait_ready(struct kssh_conn *c);

/* All n bytes to or from a blocking descriptor (EINTR retried): 0, or KSSH_ERR_SYSTEM at an error or the end */
int conn_fd_all(int fd, void *buf, size_t n, int writing);

/* DSCP on a socket, both families (IP_TOS, and IPV6_TCLASS on an IPv6 socket); before or after connect */
void conn_socket_dscp(int fd, unsigned dscp);
/* A TCP connection to host:port within 10 s (non-blocking once made), or -1 with errno set;
 * dscp >= 0 marks it from its first packet */
int conn_connect_tcp(const char *host, unsigned port, int dscp);

#endif
