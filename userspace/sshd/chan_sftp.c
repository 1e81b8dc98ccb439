// SPDX-License-Identifier: MIT
/*
 * The sftp subsystem, served in the session's process after the privilege
 * drop: channel data goes straight to the SFTP server and its replies
 * straight into channel data. Our window reopens only as requests are
 * answered, so a client cannot queue more than the window holds.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/sftp.h"
#include "conn_internal.h"
#include "log.h"

/*
 * Replies are made only while less than this waits to be sent: the output
 * is a flat buffer, and every reply that no longer fits its end slides what
 * is waiting to the front, so a deep backlog (the 4 MiB it was) cost an extra
 * copy of much of the data; the requests wait in the input instead.
 */
#define SFTP_OUTPUT_HIGH (512u * 1024)

/* The server's INFO lines (what changed, what was read) go to our log; DEBUG only with -d */
static void sftp_log_line(void *arg, int priority, const char *line)
{
	const struct sshd_conn *s = arg;

	kssh_log(priority, "user '%s': sftp: %s", s->auth->user.name, line);
}

int sftp_subsystem_start(struct sshd_conn *s, struct sshd_chan *sc)
{
	struct sftp_server_config cfg = { .home = s->auth->user.home, .user = s->auth->user.account,
	                                  .log = sftp_log_line, .log_arg = s, .log_max = kssh_log_max() };
	char root[PATH_MAX];

	cfg.allow_requests = s->o->sftp_allow[0] ? s->o->sftp_allow : NULL;
	cfg.deny_requests = s->o->sftp_deny[0] ? s->o->sftp_deny : NULL;
	/* relative paths are the user's home's, as with OpenSSH's sftp-server */
	if (s->o->sftp_root != NULL) {
		sshd_expand_user_path(s->o->sftp_root, &s->auth->user, root, sizeof(root));
		cfg.root = root;
	}
	if ((sc->sftp = sftp_server_new(&cfg)) == NULL) {
		kssh_log(LOG_ERR, "user '%s': sftp: root directory %s: %s", s->auth->user.name,
		         cfg.root ? cfg.root : "/", strerror(errno));
		return -1;
	}
	return 0;
}

/* Zero copy: the output up to the next segment, then the segment by sendfile, while the window lasts */
static int send_stream(struct sshd_conn *s, struct sshd_chan *sc, int *moved)
{
	struct sftp_server *srv = sc->sftp;
	struct kssh_buf *out = sftp_server_output(srv);
	const struct sftp_segment *seg;
	long sent;

	while (kssh_buf_len(kssh_transport_output(s->c->t)) < PUMP_OUTPUT_HIGH) {
		size_t upto;

		seg = sftp_server_segment(srv);
		upto = seg != NULL ? seg->pos : kssh_buf_len(out);
		if (upto > 0) {
			sent = kssh_chan_send_data(s->c->t, sc->pump.ch, 0, kssh_buf_ptr(out), upto);
			if (sent < 0)
				return (int)sent;
			sftp_server_output_sent(srv, (size_t)sent);
			*moved |= sent > 0;
			if ((size_t)sent < upto)
				break;
			continue;
		}
		if (seg == NULL)
			break;
		sent = kssh_chan_send_file(s->c->t, sc->pump.ch, seg->fd, seg->offset, seg->len);
		if (sent <= 0)
			return (int)sent;
		sftp_server_segment_sent(srv, (uint32_t)sent);
		*moved = 1;
	}
	return 0;
}

/* One pass: answers what can be answered, sends what fits the peer's window; *moved says if anything did. */
static int pump_once(struct sshd_conn *s, struct sshd_chan *sc, int *moved)
{
	struct kssh_buf *in = sftp_server_input(sc->sftp), *out = sftp_server_output(sc->sftp);
	size_t before = kssh_buf_len(in);
	long sent;
	int r;

	*moved = 0;
	if ((r = sftp_server_process(sc->sftp, SFTP_OUTPUT_HIGH)) != 0) {
		kssh_log(LOG_ERR, "user '%s': sftp: %s; closing the subsystem", s->auth->user.name,
		         kssh_strerror(r));
		return kssh_chan_send_close(s->c->t, sc->pump.ch);
	}
	if (before > kssh_buf_len(in)) {
		*moved = 1;
		if ((r = kssh_chan_consumed(s->c->t, sc->pump.ch, before - kssh_buf_len(in))) != 0)
			return r;
	}
	if (sftp_server_segment(sc->sftp) != NULL)
		return send_stream(s, sc, moved);
	if (kssh_buf_len(out) == 0 ||
	    kssh_buf_len(kssh_transport_output(s->c->t)) >= PUMP_OUTPUT_HIGH)
		return 0;
	sent = kssh_chan_send_data(s->c->t, sc->pump.ch, 0, kssh_buf_ptr(out), kssh_buf_len(out));
	if (sent < 0)
		return (int)sent;
	kssh_buf_consume(out, (size_t)sent);
	if (kssh_buf_len(out) == 0)
		kssh_buf_reset(out);
	*moved |= sent > 0;
	return 0;
}

/* Until nothing moves: requests left waiting while output was full must not wait for a wakeup */
static int pump_sftp(struct sshd_conn *s, struct sshd_chan *sc)
{
	int moved = 1, r = 0;

	while (moved && r == 0 && !sc->pump.ch->close_sent)
		r = pump_once(s, sc, &moved);
	return r;
}

int sftp_subsystem_data(struct sshd_conn *s, struct sshd_chan *sc, const uint8_t *data, size_t len)
{
	int r;

	if ((r = kssh_buf_put(sftp_server_input(sc->sftp), data, len)) != 0)
		return r;
	return pump_sftp(s, sc);
}

/* Each round: more answers as output drains; after the client's EOF, the end of the session. */
int sftp_subsystem_progress(struct sshd_conn *s, struct sshd_chan *sc)
{
	struct kssh_channel *ch = sc->pump.ch;
	struct sftp_io_stats io;
	struct kssh_buf *b;
	int r;

	if (ch->close_sent)
		return 0;
	if ((r = pump_sftp(s, sc)) != 0 || ch->close_sent)
		return r;
	if (!sc->pump.peer_eof || kssh_buf_len(sftp_server_output(sc->sftp)) > 0 ||
	    sftp_server_segment(sc->sftp) != NULL)
		return 0;
	sftp_server_io_stats(sc->sftp, &io);
	kssh_log(LOG_DEBUG, "user '%s': sftp: %s: %llu batches of reads or writes, %llu requests in them",
	         s->auth->user.name, io.io_uring ? "io_uring" : "no io_uring", (unsigned long long)io.batches,
	         (unsigned long long)io.batched_requests);
	if ((r = kssh_chan_send_eof(s->c->t, ch)) != 0 ||
	    (r = kssh_chan_request_begin(s->c->t, ch, "exit-status", 0, &b)) != 0 ||
	    (r = kssh_buf_put_u32(b, 0)) != 0 || (r = kssh_transport_send(s->c->t)) != 0)
		return r;
	return kssh_chan_send_close(s->c->t, ch);
}
