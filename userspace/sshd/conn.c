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
#include "conn_internal.h"
#include "log.h"

#define POLL_MAX (2 + 4 * KSSH_CHAN_MAX)

static void chan_release(struct sshd_chan *sc)
{
	struct kssh_channel *ch = sc->pump.ch;

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
		return kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_RESOURCE_SHORTAGE,
		                        "too many channels");
	}
	return 0;
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
	case KSSH_CHAN_EV_DATA:
		if (sc->sftp != NULL)
			return sftp_subsystem_data(s, sc, ev.data, ev.len);
		return pump_data(s->c->t, &sc->pump, ev.ext, ev.data, ev.len);
	case KSSH_CHAN_EV_EOF:
		pump_peer_eof(&sc->pump);
		return 0;
	case KSSH_CHAN_EV_CLOSE:
		chan_release(sc);
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
		int r = conn_refuse_global_request(s->c->t, payload, name, sizeof(name));

		/* none is offered; no-more-sessions@openssh.com is remembered */
		if (strcmp(name, "no-more-sessions@openssh.com") == 0)
			s->no_more_sessions = 1;
		return r;
	}
	if (type == SSH_MSG_REQUEST_SUCCESS || type == SSH_MSG_REQUEST_FAILURE)
		return 0; /* we send no global requests */
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

	for (size_t i = 0; i < KSSH_CHAN_MAX; i++) {
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
	int can_send = kssh_buf_len(kssh_transport_output(s->c->t)) < PUMP_OUTPUT_HIGH;
	int r;

	pfds[0] = (struct pollfd){ .fd = s->c->fd, .events = conn_poll_events(s->c) };
	pfds[1] = (struct pollfd){ .fd = sigfd, .events = POLLIN };
	for (size_t i = 0; i < KSSH_CHAN_MAX; i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);

		if (ch != NULL && ch->state == KSSH_CHAN_OPEN)
			pump_poll_add(&((struct sshd_chan *)ch->owner)->pump, pfds, &n, POLL_MAX, can_send);
	}
	if (poll(pfds, (nfds_t)n, 1000) < 0 && errno != EINTR)
		return KSSH_ERR_SYSTEM;
	if (s->c->stop != NULL && *s->c->stop)
		return KSSH_ERR_CONN_CLOSED;
	if (pfds[1].revents & POLLIN)
		reap(s, sigfd);
	if ((r = conn_service(s->c, pfds[0].revents)) != 0 || (r = process_input(s)) != 0)
		return r;
	for (size_t i = 0; i < KSSH_CHAN_MAX; i++) {
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
	sigset_t mask;
	int sigfd, r;

	kssh_chan_table_init(&s.chans);
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
	for (size_t i = 0; i < KSSH_CHAN_MAX; i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s.chans, (uint32_t)i);

		if (ch != NULL)
			chan_release(ch->owner);
	}
	close(sigfd);
	return r;
}
