/* SPDX-License-Identifier: MIT */
#ifndef KSSH_SFTP_CHANNEL_H
#define KSSH_SFTP_CHANNEL_H

#include "kssh/channel.h"
#include "conn_io.h"
#include "kssh/sftp.h"
#include "ssh.h"

struct sftp_channel {
	struct kssh_conn *c;
	struct kssh_chan_table tab;
	struct kssh_channel *ch;
	/* crypto-offload kernel|auto: hand the connection to kernel/ at the next quiet moment */
	int offload;                 /* enum kssh_crypto_offload; 0 once tried */
	int verbose;
	const char *host;
};

/* A session channel with the sftp subsystem started */
int sftp_channel_open(struct sftp_channel *sc, struct kssh_conn *c);
/* The channel's storage freed (sc zeroed, or opened, before) */
void sftp_channel_close(struct sftp_channel *sc);
/* sftp_io_fn: sends out (within the window), waits until in has grown */
int sftp_channel_io(void *arg, struct kssh_buf *out, struct kssh_buf *in);
/* Connected, authenticated, the subsystem started, INIT done and the remote cwd known */
int sftp_session_start(struct client_options *o, struct kssh_conn *c, struct sftp_channel *ch,
                       struct sftp_client **client, char **cwd);

#endif
