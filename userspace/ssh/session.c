// SPDX-License-Identifier: MIT
/*
 * The client's connection protocol: a session channel for the command or the
 * shell (with a pty and a raw terminal when interactive), and -L listeners
 * whose connections become direct-tcpip channels. One poll loop moves it all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "chan_pump.h"
#include "session_internal.h"
#include "ssh.h"
#include "tty_modes.h"

#define POLL_MAX (1 + MAX_FORWARDS + 4 * KSSH_CHAN_MAX)

static volatile sig_atomic_t window_changed, stop_requested, signals_caught, last_signal;

static void on_winch(int sig)
{
	(void)sig;
	window_changed = 1;
}

/* The first INT/TERM/HUP goes to the remote command (a "signal" request); a second one stops kssh. */
static void on_stop(int sig)
{
	last_signal = sig;
	if (signals_caught++ > 0)
		stop_requested = 1;
}

static void restore_tty(struct client_session *s)
{
	if (s->tty_raw)
		tcsetattr(0, TCSADRAIN, &s->saved_tty);
	s->tty_raw = 0;
}

static void enter_raw_mode(struct client_session *s)
{
	struct termios raw;

	if (tcgetattr(0, &s->saved_tty) != 0)
		return;
	raw = s->saved_tty;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST | ONLCR; /* keep our own stderr messages readable */
	if (tcsetattr(0, TCSADRAIN, &raw) == 0)
		s->tty_raw = 1;
}

struct client_chan *client_chan_new(void)
{
	struct client_chan *cc = calloc(1, sizeof(*cc));

	if (cc != NULL)
		pump_init(&cc->pump, NULL);
	return cc;
}

/* The session is over: what stdout or stderr could not take yet is written now, waiting. */
static void flush_output(struct client_chan *cc)
{
	for (int i = 0; i < 2; i++) {
		struct kssh_buf *b = &cc->pump.pend[i];

		while (kssh_buf_len(b) > 0 && cc->pump.wr[i] >= 0) {
			struct pollfd pfd = { .fd = cc->pump.wr[i], .events = POLLOUT };
			ssize_t n = write(cc->pump.wr[i], kssh_buf_ptr(b), kssh_buf_len(b));

			if (n > 0)
				kssh_buf_consume(b, (size_t)n);
			else if (n < 0 && errno == EAGAIN)
				poll(&pfd, 1, 1000);
			else if (!(n < 0 && errno == EINTR))
				break;
		}
	}
}

static void chan_release(struct client_session *s, struct client_chan *cc)
{
	struct kssh_channel *ch = cc->pump.ch;

	if (cc == s->session) {
		s->session = NULL;
		s->session_closed = 1;
		flush_output(cc);
		/* stdin/stdout/stderr stay open for the messages that follow */
		cc->pump.rd[0] = cc->pump.wr[0] = cc->pump.wr[1] = -1;
	}
	pump_close(&cc->pump);
	free(cc);
	if (ch != NULL)
		kssh_chan_free(ch);
}

/* At the end, whatever way it came: every channel still held is let go */
static void release_all(struct client_session *s)
{
	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);

		if (ch != NULL && ch->owner != NULL)
			chan_release(s, ch->owner);
	}
	kssh_chan_table_release(&s->chans);
}

static int send_session_requests(struct client_session *s, struct kssh_channel *ch)
{
	struct kssh_buf *b;
	const char *lang = getenv("LANG");
	int r;

	if (s->want_pty) {
		struct winsize ws = { .ws_row = 24, .ws_col = 80 };
		struct termios tio;
		struct kssh_buf modes;
		const char *term = getenv("TERM");

		ioctl(0, TIOCGWINSZ, &ws);
		kssh_buf_init(&modes, 4096);
		/* the modes the user had, not the raw ones kssh itself runs in */
		if (s->tty_raw)
			tio = s->saved_tty;
		if ((s->tty_raw || tcgetattr(0, &tio) == 0) && (r = tty_modes_encode(&tio, &modes)) != 0)
			return r;
		if (kssh_buf_len(&modes) == 0)
			kssh_buf_put_u8(&modes, 0);
		if ((r = kssh_chan_request_begin(s->c->t, ch, "pty-req", 1, &b)) != 0 ||
		    (r = kssh_buf_put_cstring(b, term ? term : "vt100")) != 0 ||
		    (r = kssh_buf_put_u32(b, ws.ws_col)) != 0 || (r = kssh_buf_put_u32(b, ws.ws_row)) != 0 ||
		    (r = kssh_buf_put_u32(b, ws.ws_xpixel)) != 0 ||
		    (r = kssh_buf_put_u32(b, ws.ws_ypixel)) != 0 ||
		    (r = kssh_buf_put_buf_string(b, &modes)) != 0 || (r = kssh_transport_send(s->c->t)) != 0) {
			kssh_buf_release(&modes);
			return r;
		}
		kssh_buf_release(&modes);
	}
	if (s->o->forward_agent && (r = forward_agent_request(s, ch)) != 0)
		return r;
	if (lang != NULL && ((r = kssh_chan_request_begin(s->c->t, ch, "env", 0, &b)) != 0 ||
	                     (r = kssh_buf_put_cstring(b, "LANG")) != 0 ||
	                     (r = kssh_buf_put_cstring(b, lang)) != 0 ||
	                     (r = kssh_transport_send(s->c->t)) != 0))
		return r;
	if (s->o->command != NULL) {
		client_report("type", "Command-Line-Interface");
		if ((r = kssh_chan_request_begin(s->c->t, ch, "exec", 1, &b)) != 0 ||
		    (r = kssh_buf_put_cstring(b, s->o->command)) != 0)
			return r;
	} else if (client_report("type", "Command-Line-Interface"),
	           (r = kssh_chan_request_begin(s->c->t, ch, "shell", 1, &b)) != 0) {
		return r;
	}
	return kssh_transport_send(s->c->t);
}

static int open_session(struct client_session *s)
{
	struct client_chan *cc = client_chan_new();
	struct kssh_buf *msg;

	if (cc == NULL)
		return KSSH_ERR_ALLOC;
	cc->is_session = 1;
	if ((cc->pump.ch = kssh_chan_open(&s->chans, s->c->t, "session", cc, &msg)) == NULL) {
		free(cc);
		return KSSH_ERR_ALLOC;
	}
	s->session = cc;
	return kssh_transport_send(s->c->t);
}

/* The session's own requests from the server: exit-status, exit-signal. */
static int session_request(struct client_session *s, struct kssh_chan_event *ev)
{
	uint32_t status;
	char *sig = NULL;
	int core;

	if (strcmp(ev->name, "exit-status") == 0 && kssh_buf_get_u32(&ev->rest, &status) == 0) {
		s->exit_status = (int)(status & 0xff);
	} else if (strcmp(ev->name, "exit-signal") == 0 &&
	           kssh_buf_get_cstring(&ev->rest, &sig, NULL) == 0 &&
	           kssh_buf_get_bool(&ev->rest, &core) == 0) {
		/* as OpenSSH: killed by a signal is exit status 255 */
		restore_tty(s);
		fprintf(stderr, "kssh: remote command killed by signal %.16s%s\n", sig,
		        core ? " (core dumped)" : "");
		s->exit_status = EXIT_FAILURE_SSH;
	}
	free(sig);
	return ev->want_reply ? kssh_chan_reply(s->c->t, ev->ch, 0) : 0;
}

static int on_confirm(struct client_session *s, struct client_chan *cc)
{
	cc->open = 1;
	if (cc->socks)
		socks_reply(cc, 1);
	if (!cc->is_session)
		return 0;
	/* stdin is read only now; with -N there is no session at all */
	cc->pump.rd[0] = 0;
	cc->pump.wr[0] = 1;
	cc->pump.wr[1] = 2;
	if (s->want_pty) {
		cc->pump.keep_wr_open = 1;
		enter_raw_mode(s);
	}
	s->stdin_flags = fcntl(0, F_GETFL);
	set_nonblocking(0);
	return send_session_requests(s, cc->pump.ch);
}

static int channel_message(struct client_session *s, uint8_t type, struct kssh_buf *payload)
{
	struct kssh_chan_event ev;
	struct client_chan *cc;
	int r;

	if ((r = kssh_chan_handle(&s->chans, s->c->t, type, payload, &ev)) != 0)
		return r;
	if (ev.kind == KSSH_CHAN_EV_OPEN) /* -R connections and agent requests */
		return forward_channel_open(s, &ev);
	cc = ev.ch->owner;
	switch (ev.kind) {
	case KSSH_CHAN_EV_OPEN_CONFIRM:
		return on_confirm(s, cc);
	case KSSH_CHAN_EV_OPEN_FAILURE:
		fprintf(stderr, "kssh: channel %u: open failed: %s (reason %u)\n", ev.ch->local_id,
		        ev.name, ev.reason);
		cc->pump.ch = NULL;
		kssh_chan_free(ev.ch);
		if (cc->socks)
			socks_reply(cc, 0);
		if (cc == s->session) {
			s->exit_status = EXIT_FAILURE_SSH;
			s->session_closed = 1;
			s->session = NULL;
		}
		pump_close(&cc->pump);
		free(cc);
		return 0;
	case KSSH_CHAN_EV_DATA:
		return pump_data(s->c->t, &cc->pump, ev.ext, ev.data, ev.len);
	case KSSH_CHAN_EV_EOF:
		pump_peer_eof(&cc->pump);
		return 0;
	case KSSH_CHAN_EV_CLOSE:
		chan_release(s, cc);
		return 0;
	case KSSH_CHAN_EV_REQUEST:
		if (cc->is_session)
			return session_request(s, &ev);
		return ev.want_reply ? kssh_chan_reply(s->c->t, ev.ch, 0) : 0;
	case KSSH_CHAN_EV_REPLY:
		if (!ev.ok && cc->is_session) {
			restore_tty(s);
			fprintf(stderr, "kssh: the server refused a session request\n");
		}
		return 0;
	default:
		return 0;
	}
}

static int dispatch(struct client_session *s, uint8_t type, struct kssh_buf *payload)
{
	if (type == SSH_MSG_GLOBAL_REQUEST) /* hostkeys-00@openssh.com and others */
		return conn_refuse_global_request(s->c->t, payload, NULL, 0);
	if (type == SSH_MSG_REQUEST_SUCCESS || type == SSH_MSG_REQUEST_FAILURE)
		return forward_global_reply(s, type, payload);
	if (type >= SSH_MSG_CHANNEL_OPEN && type <= SSH_MSG_CHANNEL_FAILURE)
		return channel_message(s, type, payload);
	return kssh_transport_fail(s->c->t, KSSH_ERR_PROTOCOL, "unexpected message %u", type);
}

static int listen_forward(struct local_forward *f)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	char service[16];
	int fd = -1, on = 1;

	snprintf(service, sizeof(service), "%u", f->port);
	if (getaddrinfo(f->bind[0] ? f->bind : "127.0.0.1", service, &hints, &res) != 0)
		return -1;
	if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static int accept_forward(struct client_session *s, struct local_forward *f)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char origin[NI_MAXHOST] = "127.0.0.1", port[NI_MAXSERV] = "0";
	struct client_chan *cc;
	struct kssh_buf *msg;
	int fd = accept4(f->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC | SOCK_NONBLOCK), r;

	if (fd < 0)
		return 0;
	getnameinfo((struct sockaddr *)&ss, len, origin, sizeof(origin), port, sizeof(port),
	            NI_NUMERICHOST | NI_NUMERICSERV);
	if ((cc = client_chan_new()) == NULL ||
	    (cc->pump.ch = kssh_chan_open(&s->chans, s->c->t, "direct-tcpip", cc, &msg)) == NULL) {
		free(cc);
		close(fd);
		return 0;
	}
	cc->pump.rd[0] = cc->pump.wr[0] = fd;
	cc->pump.shared = 1;
	if ((r = kssh_buf_put_cstring(msg, f->host)) != 0 || (r = kssh_buf_put_u32(msg, f->host_port)) != 0 ||
	    (r = kssh_buf_put_cstring(msg, origin)) != 0 ||
	    (r = kssh_buf_put_u32(msg, (uint32_t)atoi(port))) != 0)
		return r;
	return kssh_transport_send(s->c->t);
}

/* A forwarded connection is done when both directions are; the session when the server says. */
static int progress(struct client_session *s)
{
	int r;

	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);
		struct client_chan *cc = ch ? ch->owner : NULL;

		if (cc == NULL || !cc->open || ch->state != KSSH_CHAN_OPEN)
			continue;
		if (pump_read_done(&cc->pump) && (r = kssh_chan_send_eof(s->c->t, ch)) != 0)
			return r;
		if (!cc->is_session && pump_read_done(&cc->pump) &&
		    ((cc->pump.peer_eof && pump_write_done(&cc->pump)) || cc->pump.wr[0] < 0) &&
		    (r = kssh_chan_send_close(s->c->t, ch)) != 0)
			return r;
	}
	if (window_changed && s->session != NULL && s->session->open && s->want_pty) {
		struct winsize ws;
		struct kssh_buf *b;

		window_changed = 0;
		if (ioctl(0, TIOCGWINSZ, &ws) == 0 &&
		    ((r = kssh_chan_request_begin(s->c->t, s->session->pump.ch, "window-change", 0, &b)) != 0 ||
		     (r = kssh_buf_put_u32(b, ws.ws_col)) != 0 || (r = kssh_buf_put_u32(b, ws.ws_row)) != 0 ||
		     (r = kssh_buf_put_u32(b, ws.ws_xpixel)) != 0 || (r = kssh_buf_put_u32(b, ws.ws_ypixel)) != 0 ||
		     (r = kssh_transport_send(s->c->t)) != 0))
			return r;
	}
	return 0;
}

/* RFC 4254 6.9: the remote command gets the signal kssh got, and ends as it chooses */
static int forward_signal(struct client_session *s)
{
	const char *name = last_signal == SIGINT ? "INT" : last_signal == SIGHUP ? "HUP" : "TERM";
	struct kssh_buf *b;
	int r;

	s->signal_sent = 1;
	if ((r = kssh_chan_request_begin(s->c->t, s->session->pump.ch, "signal", 0, &b)) != 0 ||
	    (r = kssh_buf_put_cstring(b, name)) != 0)
		return r;
	return kssh_transport_send(s->c->t);
}

static int round_trip(struct client_session *s)
{
	struct pollfd pfds[POLL_MAX];
	size_t n = 1;
	int can_send = kssh_buf_len(kssh_transport_output(s->c->t)) < PUMP_OUTPUT_HIGH;
	int fwd_index[MAX_FORWARDS], r;
	struct kssh_buf payload;
	uint8_t type;

	kssh_chan_set_window_goal(&s->chans, s->c->rcvbuf);
	pfds[0] = (struct pollfd){ .fd = s->c->fd, .events = conn_poll_events(s->c) };
	for (int i = 0; i < s->o->n_forwards; i++) {
		fwd_index[i] = (int)n;
		pfds[n++] = (struct pollfd){ .fd = s->o->forwards[i].fd, .events = POLLIN };
	}
	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);
		struct client_chan *cc = ch ? ch->owner : NULL;

		if (cc != NULL && cc->open && ch->state == KSSH_CHAN_OPEN)
			pump_poll_add(&cc->pump, pfds, &n, POLL_MAX, can_send);
	}
	if (poll(pfds, (nfds_t)n, 1000) < 0 && errno != EINTR)
		return KSSH_ERR_SYSTEM;
	if (stop_requested || (signals_caught && (s->session == NULL || !s->session->open)))
		return KSSH_ERR_CONN_CLOSED;
	if (signals_caught && !s->signal_sent && (r = forward_signal(s)) != 0)
		return r;
	if ((r = conn_service(s->c, pfds[0].revents)) != 0)
		return r;
	while ((r = kssh_transport_poll(s->c->t, &type, &payload)) == 0)
		if ((r = dispatch(s, type, &payload)) != 0)
			return r;
	if (r != KSSH_ERR_AGAIN)
		return r;
	for (int i = 0; i < s->o->n_forwards; i++) {
		struct local_forward *f = &s->o->forwards[i];

		if ((pfds[fwd_index[i]].revents & POLLIN) &&
		    (r = f->dynamic ? socks_accept(s, f) : accept_forward(s, f)) != 0)
			return r;
	}
	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);
		struct client_chan *cc = ch ? ch->owner : NULL;

		if (cc != NULL && cc->open && ch->state == KSSH_CHAN_OPEN &&
		    (r = pump_service(s->c->t, &cc->pump, pfds)) != 0)
			return r;
	}
	if ((r = progress(s)) != 0 || (r = kssh_transport_tick(s->c->t)) != 0)
		return r;
	return conn_write_some(s->c);
}

int client_run_session(struct client_options *o, struct kssh_conn *c)
{
	struct client_session s = { .o = o, .c = c, .exit_status = -1, .stdin_flags = -1 };
	struct kssh_transport_info info;
	int r;

	kssh_chan_table_init(&s.chans);
	kssh_transport_get_info(c->t, &info);
	kssh_chan_table_set_peer(&s.chans, info.peer_version);
	s.want_pty = o->tty_mode >= 2 || (o->tty_mode == 1 && isatty(0)) ||
	             (o->tty_mode == 0 && o->command == NULL && isatty(0));
	if (o->tty_mode == 1 && !isatty(0))
		fprintf(stderr, "Pseudo-terminal will not be allocated because stdin is not a terminal.\n");
	signal(SIGWINCH, on_winch);
	signal(SIGTERM, on_stop);
	signal(SIGHUP, on_stop);
	signal(SIGINT, s.want_pty ? SIG_IGN : on_stop); /* on a pty, ^C is a byte for the remote side */
	for (int i = 0; i < o->n_forwards; i++) {
		if ((o->forwards[i].fd = listen_forward(&o->forwards[i])) < 0) {
			fprintf(stderr, "kssh: cannot listen on %s port %u: %s\n",
			        o->forwards[i].bind[0] ? o->forwards[i].bind : "127.0.0.1",
			        o->forwards[i].port, strerror(errno));
			return EXIT_FAILURE_SSH;
		}
	}
	if (set_nonblocking(c->fd) != 0 || forward_request_remote(&s) != 0)
		return EXIT_FAILURE_SSH;
	/* ExitOnForwardFailure: the command starts only once every -R is known to listen */
	while (o->exit_on_forward_failure && s.n_rfwd_pending > 0 && !s.forward_failed)
		if ((r = round_trip(&s)) != 0)
			break;
	if (s.forward_failed) {
		release_all(&s);
		return EXIT_FAILURE_SSH;
	}
	if (!o->no_command && open_session(&s) != 0) {
		release_all(&s);
		return EXIT_FAILURE_SSH;
	}
	while ((!s.session_closed || o->no_command) && !s.forward_failed) {
		if ((r = round_trip(&s)) != 0)
			break;
	}
	if (s.forward_failed) {
		restore_tty(&s);
		release_all(&s);
		return EXIT_FAILURE_SSH;
	}
	restore_tty(&s);
	if (s.stdin_flags >= 0)
		fcntl(0, F_SETFL, s.stdin_flags);
	if (s.session_closed) {
		kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "disconnected by user");
		conn_flush(c);
		release_all(&s);
		return s.exit_status >= 0 ? s.exit_status : EXIT_FAILURE_SSH;
	}
	release_all(&s);
	if (r == KSSH_ERR_CONN_CLOSED && signals_caught)
		return EXIT_FAILURE_SSH;
	fprintf(stderr, "kssh: connection to %s closed: %s\n", o->host,
	        *kssh_transport_error(c->t) ? kssh_transport_error(c->t) : kssh_strerror(r));
	return EXIT_FAILURE_SSH;
}
