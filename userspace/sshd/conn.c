// SPDX-License-Identifier: MIT
/*
 * The connection protocol (RFC 4254) after authentication, in the user's own
 * process: one poll loop over the socket, each channel's fds and a signalfd
 * for SIGCHLD (no signal handler needed to learn a process ended).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/sftp.h"
#include "conn_internal.h"
#include "conn_kernel.h"
#include "log.h"

#define POLL_MAX (3 + 2 * SSHD_MAX_RFWD + 4 * KSSH_CHAN_MAX)

#define OFFLOAD_REPORT_MS 1000

void conn_offload_want(struct sshd_conn *s, struct sshd_chan *sc)
{
	int mode = s->o->crypto_offload;

	if ((mode == KSSH_OFFLOAD_KERNEL || mode == KSSH_OFFLOAD_AUTO) && !kssh_transport_kernel(s->c->t))
		s->offload = sc;
}

/* The module's counters, for show ssh offload */
static void offload_report(struct sshd_conn *s, int now_anyway)
{
	struct kssh_ulp_stats st;
	int64_t now = conn_now_ms();

	if (!kssh_transport_kernel(s->c->t) || (!now_anyway && now - s->offload_report_ms < OFFLOAD_REPORT_MS))
		return;
	s->offload_report_ms = now;
	if (conn_kernel_stats(s->c->fd, &st) == 0)
		sshd_report("offload", "%llu %llu %llu %llu %u %u %u", (unsigned long long)st.tx_packets,
		            (unsigned long long)st.tx_bytes, (unsigned long long)st.rx_packets,
		            (unsigned long long)st.rx_bytes, st.tx_seqnr, st.rx_seqnr, st.installs);
}

/*
 * The hand-over to kernel/, once the bound channel is the only one and the
 * output is out; later channels go through the module as whole messages.
 */
static int offload_try(struct sshd_conn *s)
{
	struct sshd_chan *sc = s->offload;
	struct kssh_channel *ch = sc->pump.ch;
	int r;

	if (ch->state != KSSH_CHAN_OPEN || ch->close_sent || ch->eof_sent) {
		s->offload = NULL;
		return 0;
	}
	if (kssh_chan_count(&s->chans) != 1)
		return 0;
	r = conn_kernel_start(s->c, ch);
	if (r == KSSH_ERR_AGAIN)
		return 0;
	s->offload = NULL;
	if (r == KSSH_ERR_UNAVAILABLE) {
		kssh_log(s->o->crypto_offload == KSSH_OFFLOAD_AUTO ? LOG_INFO : LOG_WARNING,
		         "user '%s': crypto-offload kernel: the session stays in userspace: %s",
		         s->auth->user.name, conn_kernel_reason(errno));
		return 0;
	}
	if (r != 0) {
		kssh_log(LOG_ERR, "user '%s': crypto-offload kernel: hand-over failed: %s", s->auth->user.name,
		         strerror(errno));
		return r;
	}
	kssh_log(LOG_INFO, "user '%s': crypto-offload kernel: channel %u's data and the connection's keys are in the kernel",
	         s->auth->user.name, ch->local_id);
	/* SFTP READ data from here on: sendfile from the page cache, never through this process */
	if (sc->sftp != NULL)
		sftp_server_set_zero_copy(sc->sftp, 1);
	sshd_report("backend_in", "kernel");
	sshd_report("backend_out", "kernel");
	offload_report(s, 1);
	return 0;
}

static void chan_release(struct sshd_conn *s, struct sshd_chan *sc)
{
	struct kssh_channel *ch = sc->pump.ch;

	if (s->offload == sc)
		s->offload = NULL;
	session_free(sc);
	kssh_chan_free(ch);
}

static int channel_open(struct sshd_conn *s, struct kssh_chan_event *ev)
{
	struct sshd_chan *sc;

	if (strcmp(ev->name, "direct-tcpip") == 0)
		return tcpip_open(s, ev);
	if (strcmp(ev->name, "session") != 0)
		return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_UNKNOWN_CHANNEL_TYPE,
		                        "unknown channel type");
	if (s->no_more_sessions)
		return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
		                        "no more sessions");
	if ((sc = session_open(s)) == NULL)
		return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_RESOURCE_SHORTAGE,
		                        "cannot open a session");
	if ((sc->pump.ch = kssh_chan_accept(&s->chans, s->c->t, ev, sc)) == NULL) {
		session_free(sc);
		return conn_refuse_channel_limit(s, ev);
	}
	return 0;
}

int conn_refuse_channel_limit(struct sshd_conn *s, const struct kssh_chan_event *ev)
{
	char text[64];

	snprintf(text, sizeof(text), "channel limit (%u) reached", s->chans.limit);
	kssh_log(LOG_WARNING, "user '%s': %s channel refused: %s", s->auth->user.name, ev->name, text);
	return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_RESOURCE_SHORTAGE, text);
}

static int channel_message(struct sshd_conn *s, uint8_t type, struct kssh_buf *payload)
{
	struct kssh_chan_event ev;
	struct sshd_chan *sc;
	int r;

	if ((r = kssh_chan_handle(&s->chans, s->c->t, type, payload, &ev)) != 0)
		return r;
	if (ev.kind == KSSH_CHAN_EV_OPEN)
		return channel_open(s, &ev);
	sc = ev.ch->owner;
	switch (ev.kind) {
	case KSSH_CHAN_EV_OPEN_CONFIRM:
		return 0; /* a forwarded-tcpip or agent channel of ours: its pump starts now */
	case KSSH_CHAN_EV_OPEN_FAILURE:
		kssh_log(LOG_INFO, "user '%s': the client refused a %s channel: %s", s->auth->user.name,
		         ev.ch->type, ev.name);
		chan_release(s, sc);
		return 0;
	case KSSH_CHAN_EV_DATA:
		if (sc->sftp != NULL)
			return sftp_subsystem_data(s, sc, ev.data, ev.len);
		return pump_data(s->c->t, &sc->pump, ev.ext, ev.data, ev.len);
	case KSSH_CHAN_EV_EOF:
		pump_peer_eof(&sc->pump);
		return 0;
	case KSSH_CHAN_EV_CLOSE:
		chan_release(s, sc);
		return 0;
	case KSSH_CHAN_EV_REQUEST:
		if (sc->kind == CHAN_SESSION)
			return session_request(s, sc, &ev);
		return ev.want_reply ? kssh_chan_reply(s->c->t, ev.ch, 0) : 0;
	case KSSH_CHAN_EV_WINDOW:
	case KSSH_CHAN_EV_REPLY:
		return 0;
	default:
		/* we open no channels of our own: a confirmation is for nothing we asked */
		return kssh_transport_fail(s->c->t, KSSH_ERR_PROTOCOL, "unexpected channel message %u",
		                           type);
	}
}

static int dispatch(struct sshd_conn *s, uint8_t type, struct kssh_buf *payload)
{
	if (type == SSH_MSG_GLOBAL_REQUEST) {
		char name[64] = "";
		int handled, r = rfwd_global_request(s, payload, &handled);

		if (r != 0 || handled)
			return r;
		r = conn_refuse_global_request(s->c->t, payload, name, sizeof(name));

		/* none is offered; no-more-sessions@openssh.com is remembered */
		if (strcmp(name, "no-more-sessions@openssh.com") == 0)
			s->no_more_sessions = 1;
		return r;
	}
	if (type == SSH_MSG_REQUEST_SUCCESS || type == SSH_MSG_REQUEST_FAILURE)
		return 0; /* keepalive answers */
	if (type == SSH_MSG_USERAUTH_REQUEST)
		return 0; /* RFC 4252 5.1: ignored once authenticated */
	if (type >= SSH_MSG_CHANNEL_OPEN && type <= SSH_MSG_CHANNEL_FAILURE)
		return channel_message(s, type, payload);
	return kssh_transport_fail(s->c->t, KSSH_ERR_PROTOCOL, "unexpected message %u", type);
}

static void reap(struct sshd_conn *s, int sigfd)
{
	struct signalfd_siginfo si;
	int status;
	pid_t pid;

	while (read(sigfd, &si, sizeof(si)) > 0)
		;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		session_child_exited(s, pid, status);
}

static int progress_all(struct sshd_conn *s)
{
	int r;

	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);
		struct sshd_chan *sc;

		if (ch == NULL || ch->state != KSSH_CHAN_OPEN)
			continue;
		sc = ch->owner;
		r = sc->kind == CHAN_SESSION ? session_progress(s, sc) : tcpip_progress(s, sc);
		if (r != 0)
			return r;
	}
	return 0;
}

static int process_input(struct sshd_conn *s)
{
	struct kssh_buf payload;
	uint8_t type;
	int r;

	for (;;) {
		r = kssh_transport_poll(s->c->t, &type, &payload);
		if (r == KSSH_ERR_AGAIN)
			return 0;
		if (r != 0)
			return r;
		if ((r = dispatch(s, type, &payload)) != 0)
			return r;
	}
}

static int round_trip(struct sshd_conn *s, int sigfd)
{
	struct pollfd pfds[POLL_MAX];
	size_t n = 2;
	int can_send, r;

	if (s->offload != NULL && (r = offload_try(s)) != 0)
		return r;
	offload_report(s, 0);
	kssh_chan_set_window_goal(&s->chans, s->c->rcvbuf);
	can_send = kssh_buf_len(kssh_transport_output(s->c->t)) < PUMP_OUTPUT_HIGH;
	pfds[0] = (struct pollfd){ .fd = s->c->fd, .events = conn_poll_events(s->c) };
	pfds[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);

		if (ch != NULL && ch->state == KSSH_CHAN_OPEN)
			pump_poll_add(&((struct sshd_chan *)ch->owner)->pump, pfds, &n, POLL_MAX, can_send);
	}
	rfwd_poll_add(s, pfds, &n, POLL_MAX);
	agent_poll_add(s, pfds, &n, POLL_MAX);
	if (poll(pfds, (nfds_t)n, 1000) < 0 && errno != EINTR)
		return KSSH_ERR_SYSTEM;
	if (s->c->stop != NULL && *s->c->stop)
		return KSSH_ERR_CONN_CLOSED;
	if (pfds[1].revents & POLLIN)
		reap(s, sigfd);
	if ((r = conn_service(s->c, pfds[0].revents)) != 0 || (r = process_input(s)) != 0 ||
	    (r = rfwd_service(s, pfds)) != 0 || (r = agent_service(s, pfds)) != 0)
		return r;
	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);

		if (ch != NULL && ch->state == KSSH_CHAN_OPEN &&
		    (r = pump_service(s->c->t, &((struct sshd_chan *)ch->owner)->pump, pfds)) != 0)
			return r;
	}
	if ((r = progress_all(s)) != 0 || (r = kssh_transport_tick(s->c->t)) != 0)
		return r;
	return conn_write_some(s->c);
}

int sshd_serve_connection(struct kssh_conn *c, const struct sshd_options *o,
                          const struct sshd_peer *peer, struct sshd_auth_result *res)
{
	struct sshd_conn s = { .c = c, .o = o, .peer = peer, .auth = res };
	struct kssh_transport_info info;
	sigset_t mask;
	int sigfd, r;

	kssh_chan_table_init(&s.chans);
	kssh_chan_table_set_limit(&s.chans, o->max_channels ? o->max_channels : 256);
	kssh_transport_get_info(c->t, &info);
	kssh_chan_table_set_peer(&s.chans, info.peer_version);
	kssh_chan_table_set_window_max(&s.chans, (o->window_max_kib ? o->window_max_kib : KSSH_CHAN_WINDOW_MAX / 1024) * 1024);
	rfwd_init(&s);
	agent_init(&s);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0 ||
	    set_nonblocking(c->fd) != 0)
		return KSSH_ERR_SYSTEM;
	c->deadline_ms = 0;
	while ((r = round_trip(&s, sigfd)) == 0)
		;
	conn_flush(c);
	offload_report(&s, 1); /* the last counters, for the history */
	for (size_t i = 0; i < kssh_chan_end(&s.chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s.chans, (uint32_t)i);

		if (ch != NULL)
			chan_release(&s, ch->owner);
	}
	rfwd_close_all(&s);
	agent_cleanup(&s);
	kssh_chan_table_release(&s.chans);
	close(sigfd);
	return r;
}
