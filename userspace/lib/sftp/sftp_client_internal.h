/* SPDX-License-Identifier: MIT */
/* The SFTP client's state, shared by sftp_client.c and sftp_transfer.c. */
#ifndef KSSH_SFTP_CLIENT_INTERNAL_H
#define KSSH_SFTP_CLIENT_INTERNAL_H

#include "kssh/sftp.h"

#define IN_FLIGHT 32
#define REPLY_MAX (SFTP_MAX_PACKET + 1024)

struct sftp_client {
	sftp_io_fn io;
	void *io_arg;
	struct kssh_buf in, out;
	uint32_t next_id;
	uint32_t read_len, write_len;
	int status;
	char message[256];
	char extensions[2048];
};

struct kssh_buf *sftp_client_begin(struct sftp_client *c, uint8_t type, uint32_t *id, size_t *start);
void sftp_client_finish(struct sftp_client *c, size_t start);
/* The next reply, any id; *consume bytes of input to drop once the body is used */
int sftp_client_next_reply(struct sftp_client *c, uint8_t *type, uint32_t *id,
                           struct kssh_buf *body, size_t *consume);
int sftp_client_read_status(struct sftp_client *c, struct kssh_buf *body);

#endif
