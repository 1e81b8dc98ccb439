/* SPDX-License-Identifier: MIT */
/* The client's channel loop (session.c) and its forwardings (forward.c, socks.c). */
#ifndef KSSH_CLIENT_SESSION_INTERNAL_H
#define KSSH_CLIENT_SESSION_INTERNAL_H

#include <termios.h>

#include "chan_pump.h"
#include "ssh.h"

struct client_chan {
	struct chan_pump pump;
	int is_session;
	int open;               /* confirmed */
	int socks;              /* -D: the SOCKS version (4 or 5) whose reply waits for the open */
};

struct client_session {
	struct client_options *o;
	struct kssh_conn *c;
	struct kssh_chan_table chans;
	struct client_chan *session;
	int want_pty;
	int exit_status;        /* -1 until exit-status or exit-signal */
	int session_closed;
	struct termios saved_tty;
	int tty_raw;
	int stdin_flags;        /* to restore: O_NONBLOCK is shared with whoever else has stdin */
	int signal_sent;
	/* -R: the tcpip-forward requests still unanswered, in the order sent (replies come in order) */
	int rfwd_pending[MAX_FORWARDS];
	int n_rfwd_pending, rfwd_head;
	int forward_failed;     /* ExitOnForwardFailure and a forward failed: end with 255 */
};

struct client_chan *client_chan_new(void);

/* forward.c: -R requests and replies; the channels the server opens (forwarded-tcpip, auth-agent) */
int forward_request_remote(struct client_session *s);
int forward_global_reply(struct client_session *s, uint8_t type, struct kssh_buf *payload);
int forward_channel_open(struct client_session *s, struct kssh_chan_event *ev);
/* -A: the session's auth-agent-req@openssh.com */
int forward_agent_request(struct client_session *s, struct kssh_channel *ch);

/* socks.c: -D, a SOCKS 4/4a/5 proxy whose CONNECTs become direct-tcpip channels */
int socks_accept(struct client_session *s, struct local_forward *f);
/* The channel's open was answered: tell the SOCKS client (granted or not) */
void socks_reply(struct client_chan *cc, int granted);

#endif
