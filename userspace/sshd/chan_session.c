// SPDX-License-Identifier: MIT
/*
 * session channels (RFC 4254 6): pty-req, env, exec, shell, window-change,
 * signal; exit-status or exit-signal, then EOF and CLOSE, sent only once the
 * process has ended and every byte of its output has gone out.
 */
#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/sftp.h"
#include "conn_internal.h"
#include "log.h"
#include "tty_modes.h"

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games"
#define COMMAND_MAX (256 * 1024)

static const struct { const char *name; int sig; } signals[] = {
	{ "ABRT", SIGABRT }, { "ALRM", SIGALRM }, { "FPE", SIGFPE }, { "HUP", SIGHUP },
	{ "ILL", SIGILL }, { "INT", SIGINT }, { "KILL", SIGKILL }, { "PIPE", SIGPIPE },
	{ "QUIT", SIGQUIT }, { "SEGV", SIGSEGV }, { "TERM", SIGTERM }, { "USR1", SIGUSR1 },
	{ "USR2", SIGUSR2 },
};

static const char *signal_name(int sig)
{
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return "KILL"; /* RFC 4254 6.10 names only these; report others as a kill */
}

struct sshd_chan *session_open(struct sshd_conn *s)
{
	struct sshd_chan *sc = calloc(1, sizeof(*sc));

	(void)s;
	if (sc == NULL)
		return NULL;
	sc->kind = CHAN_SESSION;
	sc->pty_master = sc->pty_slave = -1;
	pump_init(&sc->pump, NULL);
	return sc;
}

void session_free(struct sshd_chan *sc)
{
	sftp_server_free(sc->sftp);
	pump_close(&sc->pump);
	if (sc->pty_slave >= 0)
		close(sc->pty_slave);
	if (sc->pty_master >= 0)
		close(sc->pty_master);
	for (size_t i = 0; i < sc->n_env; i++)
		free(sc->env[i]);
	free(sc);
}

/* A command, shell or subsystem runs already: pty-req, env and a second start come too late */
static int started(const struct sshd_chan *sc)
{
	return sc->pid != 0 || sc->sftp != NULL;
}

static int reply(struct sshd_conn *s, struct sshd_chan *sc, const struct kssh_chan_event *ev, int ok)
{
	return ev->want_reply ? kssh_chan_reply(s->c->t, sc->pump.ch, ok) : 0;
}

static int pty_req(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	const uint8_t *term, *modes;
	size_t term_len, modes_len;
	uint32_t cols, rows, wpx, hpx;
	struct kssh_buf enc;
	int r;

	if ((r = kssh_buf_get_string_view(&ev->rest, &term, &term_len)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &cols)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &rows)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &wpx)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &hpx)) != 0 ||
	    (r = kssh_buf_get_string_view(&ev->rest, &modes, &modes_len)) != 0)
		return kssh_transport_fail(s->c->t, r, "malformed pty-req");
	if (s->auth->key_opts.no_pty || sc->pty_master >= 0 || started(sc) ||
	    term_len >= sizeof(sc->term) || memchr(term, 0, term_len) != NULL)
		return reply(s, sc, ev, 0);
	sc->ws = (struct winsize){ .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols,
	                           .ws_xpixel = (unsigned short)wpx, .ws_ypixel = (unsigned short)hpx };
	if (openpty(&sc->pty_master, &sc->pty_slave, sc->tty, NULL, &sc->ws) != 0) {
		kssh_log(LOG_ERR, "openpty: %s", strerror(errno));
		sc->pty_master = sc->pty_slave = -1;
		return reply(s, sc, ev, 0);
	}
	fcntl(sc->pty_master, F_SETFD, FD_CLOEXEC);
	memcpy(sc->term, term, term_len);
	sc->term[term_len] = 0;
	if (tcgetattr(sc->pty_slave, &sc->modes) == 0) {
		kssh_buf_view(&enc, modes, modes_len);
		if (tty_modes_apply(&enc, &sc->modes) == 0)
			tcsetattr(sc->pty_slave, TCSANOW, &sc->modes);
	}
	return reply(s, sc, ev, 1);
}

/* Only LANG and LC_* by default, as OpenSSH's AcceptEnv in Debian */
static int env_req(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	char *name = NULL, *value = NULL, *entry;
	int r, ok = 0;

	if ((r = kssh_buf_get_cstring(&ev->rest, &name, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(&ev->rest, &value, NULL)) != 0) {
		free(name);
		return kssh_transport_fail(s->c->t, r, "malformed env request");
	}
	if ((strcmp(name, "LANG") == 0 || strncmp(name, "LC_", 3) == 0) &&
	    strchr(name, '=') == NULL && sc->n_env < SESSION_ENV_MAX && !started(sc) &&
	    strlen(name) + strlen(value) < 1024 && asprintf(&entry, "%s=%s", name, value) >= 0) {
		sc->env[sc->n_env++] = entry;
		ok = 1;
	}
	free(name);
	free(value);
	return reply(s, sc, ev, ok);
}

struct env_list {
	char *v[SESSION_ENV_MAX + 64];
	size_t n;
};

static void env_set(struct env_list *e, const char *name, const char *value)
{
	size_t len = strlen(name);
	char *entry;

	if (value == NULL || asprintf(&entry, "%s=%s", name, value) < 0)
		return;
	for (size_t i = 0; i < e->n; i++) {
		if (strncmp(e->v[i], name, len) == 0 && e->v[i][len] == '=') {
			e->v[i] = entry; /* the child execs right away: nothing to free */
			return;
		}
	}
	if (e->n + 1 < sizeof(e->v) / sizeof(e->v[0]))
		e->v[e->n++] = entry;
}

static void build_env(struct sshd_conn *s, struct sshd_chan *sc, const char *original,
                      struct env_list *e)
{
	const struct sshd_user *u = &s->auth->user;
	char buf[256];

	e->n = 0;
	env_set(e, "USER", u->account);
	env_set(e, "LOGNAME", u->account);
	env_set(e, "HOME", u->home);
	env_set(e, "SHELL", u->shell);
	env_set(e, "PATH", DEFAULT_PATH);
	snprintf(buf, sizeof(buf), "/var/mail/%s", u->account);
	env_set(e, "MAIL", buf);
	snprintf(buf, sizeof(buf), "%s %u %s %u", s->peer->addr, s->peer->port, s->peer->local_addr,
	         s->peer->local_port);
	env_set(e, "SSH_CONNECTION", buf);
	snprintf(buf, sizeof(buf), "%s %u %u", s->peer->addr, s->peer->port, s->peer->local_port);
	env_set(e, "SSH_CLIENT", buf);
	if (sc->pty_slave >= 0) {
		env_set(e, "SSH_TTY", sc->tty);
		env_set(e, "TERM", sc->term);
	}
	if (original != NULL)
		env_set(e, "SSH_ORIGINAL_COMMAND", original);
	for (char **p = s->auth->pam_env; p != NULL && *p != NULL; p++) {
		char name[128];
		size_t n = strcspn(*p, "=");

		if ((*p)[n] == '=' && n < sizeof(name)) {
			snprintf(name, sizeof(name), "%.*s", (int)n, *p);
			env_set(e, name, *p + n + 1);
		}
	}
	for (size_t i = 0; i < sc->n_env; i++) {
		char name[128];
		size_t n = strcspn(sc->env[i], "=");

		snprintf(name, sizeof(name), "%.*s", (int)(n < 127 ? n : 127), sc->env[i]);
		env_set(e, name, sc->env[i] + n + 1);
	}
	e->v[e->n] = NULL;
}

/* In the new process: the terminal or pipes as 0/1/2, the environment, the user's shell. */
static void child_exec(struct sshd_conn *s, struct sshd_chan *sc, const char *command,
                       const char *original, int in, int out, int err)
{
	const struct sshd_user *u = &s->auth->user;
	struct env_list env;
	const char *base = strrchr(u->shell, '/');
	char argv0[272];
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	if (sc->pty_slave >= 0) {
		setsid();
		if (ioctl(sc->pty_slave, TIOCSCTTY, 0) != 0)
			_exit(126);
		in = out = err = sc->pty_slave;
	}
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	closefrom(3);
	build_env(s, sc, original, &env);
	if (chdir(u->home) != 0) {
		fprintf(stderr, "Could not chdir to home directory %s: %s\n", u->home, strerror(errno));
		if (chdir("/") != 0)
			_exit(126);
	}
	base = base ? base + 1 : u->shell;
	/* the classic scp protocol is served here, without a shell or an scp binary (not under a forced command) */
	if (command != NULL && original == NULL && sc->pty_slave < 0) {
		int status = scp_server_try(command);

		if (status >= 0)
			_exit(status);
	}
	if (command == NULL) {
		snprintf(argv0, sizeof(argv0), "-%s", base); /* a login shell */
		execle(u->shell, argv0, (char *)NULL, env.v);
	} else {
		execle(u->shell, base, "-c", command, (char *)NULL, env.v);
	}
	fprintf(stderr, "%s: %s\n", u->shell, strerror(errno));
	_exit(127);
}

static int make_pipes(int p[3][2])
{
	for (int i = 0; i < 3; i++) {
		if (pipe2(p[i], O_CLOEXEC) != 0) {
			while (i-- > 0) {
				close(p[i][0]);
				close(p[i][1]);
			}
			return -1;
		}
	}
	return 0;
}

static int start(struct sshd_conn *s, struct sshd_chan *sc, const char *command)
{
	const char *forced = s->auth->key_opts.command;
	const char *run = forced ? forced : command;
	int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };
	pid_t pid;

	if (sc->pty_slave < 0 && make_pipes(p) != 0)
		return -1;
	if ((pid = fork()) < 0) {
		for (int i = 0; i < 3 && sc->pty_slave < 0; i++) {
			close(p[i][0]);
			close(p[i][1]);
		}
		return -1;
	}
	if (pid == 0)
		child_exec(s, sc, run, forced ? command : NULL, p[0][0], p[1][1], p[2][1]);
	sc->pid = pid;
	if (sc->pty_slave >= 0) {
		close(sc->pty_slave);
		sc->pty_slave = -1;
		set_nonblocking(sc->pty_master);
		sc->pump.rd[0] = sc->pty_master;
		sc->pump.wr[0] = dup(sc->pty_master);
		sc->pty_master = -1;
		sc->pump.keep_wr_open = 1; /* EOF on a terminal is a ^D the client sends itself */
	} else {
		close(p[0][0]);
		close(p[1][1]);
		close(p[2][1]);
		sc->pump.wr[0] = p[0][1];
		sc->pump.rd[0] = p[1][0];
		sc->pump.rd[1] = p[2][0];
		for (int i = 0; i < 2; i++)
			set_nonblocking(sc->pump.rd[i]);
		set_nonblocking(sc->pump.wr[0]);
	}
	kssh_log(LOG_INFO, "user '%s': %s%s%s", s->auth->user.name, command ? "exec" : "shell",
	         sc->pump.keep_wr_open ? " on a pty" : "", forced ? " (forced command)" : "");
	sshd_report("chan", "%u", sc->pump.ch->local_id);
	sshd_report("pty", "%s", sc->tty[0] ? sc->tty + (strncmp(sc->tty, "/dev/", 5) == 0 ? 5 : 0) : "");
	sshd_report("type", "%s%s", command && strncmp(command, "scp ", 4) == 0 ? "scp" : "Command-Line-Interface",
	            s->agent_fd >= 0 ? "+agent-forwarded" : "");
	if (sc->pump.peer_eof)
		pump_peer_eof(&sc->pump);
	conn_offload_want(s, sc);
	return 0;
}

static int exec_req(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev,
                    int has_command)
{
	char *command = NULL;
	size_t len;
	int r, ok;

	if (has_command && (r = kssh_buf_get_cstring(&ev->rest, &command, &len)) != 0)
		return kssh_transport_fail(s->c->t, r, "malformed exec request");
	ok = !started(sc) && (!has_command || len < COMMAND_MAX) && start(s, sc, command) == 0;
	free(command);
	return reply(s, sc, ev, ok);
}

static int window_change(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	uint32_t cols, rows, wpx, hpx;
	int r;

	if ((r = kssh_buf_get_u32(&ev->rest, &cols)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &rows)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &wpx)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &hpx)) != 0)
		return kssh_transport_fail(s->c->t, r, "malformed window-change");
	sc->ws = (struct winsize){ .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols,
	                           .ws_xpixel = (unsigned short)wpx, .ws_ypixel = (unsigned short)hpx };
	if (sc->pump.keep_wr_open && sc->pump.rd[0] >= 0)
		ioctl(sc->pump.rd[0], TIOCSWINSZ, &sc->ws);
	else if (sc->pty_master >= 0)
		ioctl(sc->pty_master, TIOCSWINSZ, &sc->ws);
	return 0; /* RFC 4254 6.7: no reply */
}

static int signal_req(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	char *name = NULL;
	int r, ok = 0;

	if ((r = kssh_buf_get_cstring(&ev->rest, &name, NULL)) != 0)
		return kssh_transport_fail(s->c->t, r, "malformed signal request");
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcmp(name, signals[i].name) == 0 && sc->pid > 0 && !sc->exited) {
			/* a pty session's process leads its own group: signal all of it */
			ok = kill(sc->pump.keep_wr_open ? -sc->pid : sc->pid, signals[i].sig) == 0;
			break;
		}
	}
	free(name);
	return reply(s, sc, ev, ok);
}

static int subsystem_req(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	char *name = NULL;
	int r, ok = 0;

	if ((r = kssh_buf_get_cstring(&ev->rest, &name, NULL)) != 0)
		return kssh_transport_fail(s->c->t, r, "malformed subsystem request");
	if (started(sc) || strcmp(name, "sftp") != 0)
		ok = 0;
	else if (s->auth->key_opts.command != NULL)
		ok = start(s, sc, name) == 0; /* a forced command replaces the subsystem, as in OpenSSH */
	else
		ok = sftp_subsystem_start(s, sc) == 0;
	kssh_log(LOG_INFO, "user '%s': subsystem '%.32s' %s", s->auth->user.name, name,
	         ok ? "started" : "refused");
	if (ok) {
		sshd_report("chan", "%u", sc->pump.ch->local_id);
		sshd_report("type", "sftp-subsystem");
		conn_offload_want(s, sc);
	}
	free(name);
	return reply(s, sc, ev, ok);
}

int session_request(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	if (strcmp(ev->name, "pty-req") == 0)
		return pty_req(s, sc, ev);
	if (strcmp(ev->name, "env") == 0)
		return env_req(s, sc, ev);
	if (strcmp(ev->name, "exec") == 0)
		return exec_req(s, sc, ev, 1);
	if (strcmp(ev->name, "shell") == 0)
		return exec_req(s, sc, ev, 0);
	if (strcmp(ev->name, "window-change") == 0)
		return window_change(s, sc, ev);
	if (strcmp(ev->name, "signal") == 0)
		return signal_req(s, sc, ev);
	if (strcmp(ev->name, "subsystem") == 0)
		return subsystem_req(s, sc, ev);
	if (strcmp(ev->name, "auth-agent-req@openssh.com") == 0)
		return agent_request(s, sc, ev);
	/* x11-req, break, ... */
	kssh_log(LOG_DEBUG, "session request '%s' refused", ev->name);
	return reply(s, sc, ev, 0);
}

void session_child_exited(struct sshd_conn *s, pid_t pid, int status)
{
	for (size_t i = 0; i < kssh_chan_end(&s->chans); i++) {
		struct kssh_channel *ch = kssh_chan_lookup(&s->chans, (uint32_t)i);
		struct sshd_chan *sc = ch ? ch->owner : NULL;

		if (sc != NULL && sc->kind == CHAN_SESSION && sc->pid == pid) {
			sc->exited = 1;
			sc->status = status;
			return;
		}
	}
}

static int report_exit(struct sshd_conn *s, struct sshd_chan *sc)
{
	struct kssh_channel *ch = sc->pump.ch;
	struct kssh_buf *b;
	int r;

	if (WIFSIGNALED(sc->status)) {
		if ((r = kssh_chan_request_begin(s->c->t, ch, "exit-signal", 0, &b)) != 0 ||
		    (r = kssh_buf_put_cstring(b, signal_name(WTERMSIG(sc->status)))) != 0 ||
		    (r = kssh_buf_put_u8(b, WCOREDUMP(sc->status) ? 1 : 0)) != 0 ||
		    (r = kssh_buf_put_cstring(b, "")) != 0 || (r = kssh_buf_put_cstring(b, "")) != 0)
			return r;
	} else if ((r = kssh_chan_request_begin(s->c->t, ch, "exit-status", 0, &b)) != 0 ||
	           (r = kssh_buf_put_u32(b, (uint32_t)WEXITSTATUS(sc->status))) != 0) {
		return r;
	}
	return kssh_transport_send(s->c->t);
}

int session_progress(struct sshd_conn *s, struct sshd_chan *sc)
{
	int r;

	if (sc->sftp != NULL)
		return sftp_subsystem_progress(s, sc);
	if (sc->pid == 0 || !sc->exited || sc->exit_reported)
		return 0;
	/* a pty's output still buffered when the process ended is read now; nothing more comes */
	if (sc->pump.keep_wr_open && (r = pump_drain(s->c->t, &sc->pump)) != 0)
		return r;
	if (!pump_read_done(&sc->pump))
		return 0;
	sc->exit_reported = 1;
	if ((r = kssh_chan_send_eof(s->c->t, sc->pump.ch)) != 0 || (r = report_exit(s, sc)) != 0)
		return r;
	return kssh_chan_send_close(s->c->t, sc->pump.ch);
}
