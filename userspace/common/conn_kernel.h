/* SPDX-License-Identifier: MIT */
/*
 * Handing a connection to kernel/'s record layer (a TCP ULP, like kTLS) and
 * moving its records afterwards: conn_io calls the write and read halves
 * once the transport is in kernel mode.
 */
#ifndef KSSH_CONN_KERNEL_H
#define KSSH_CONN_KERNEL_H

#include "kssh/channel.h"
#include "kssh/kssh_ulp.h"
#include "conn_io.h"

/*
 * Binds ch (the connection's one channel) and gives the module both
 * directions' keys, sequence numbers and the ciphertext already read. Call
 * with the output written out and no key exchange running. 0: the socket is
 * the module's; KSSH_ERR_UNAVAILABLE with errno (ENOENT: no module loaded,
 * EOPNOTSUPP: a cipher the module lacks) or KSSH_ERR_AGAIN (a whole packet
 * still waits in the input, or a key exchange runs): nothing changed, the
 * connection goes on as before; any other error: the connection is lost.
 */
int conn_kernel_start(struct kssh_conn *c, const struct kssh_channel *ch);

/* Writes records until done or the socket would block: 0 when all went, KSSH_ERR_AGAIN, or an error */
int conn_kernel_write(struct kssh_conn *c);
/* Reads what the module has into the input as records: 0, KSSH_ERR_AGAIN when nothing came, or an error */
int conn_kernel_read(struct kssh_conn *c);
/* The module's counters for the socket: 0, or -1 with errno */
int conn_kernel_stats(int fd, struct kssh_ulp_stats *st);
/* Why conn_kernel_start said unavailable, for the log line */
const char *conn_kernel_reason(int err);

#endif
