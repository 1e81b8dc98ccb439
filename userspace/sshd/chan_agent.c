// SPDX-License-Identifier: MIT
/*
 * Agent forwarding (OpenSSH's PROTOCOL, auth-agent-req@openssh.com): a
 * session asks for it before its command starts; the user's process makes
 * a listening socket (mode 0600, in a fresh 0700 directory under /tmp that
 * belongs to the user), gives the session SSH_AUTH_SOCK, and carries every
 * connection to it over an auth-agent@openssh.com channel to the client.
 * The socket and its directory go when the connection ends. Off unless
 * "ssh server agent-forwarding" is configured; a key's no-agent-forwarding
 * or restrict refuses it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kssh/err.h"
#include "conn_internal.h"
#include "log.h"

static int agent_listen(struct sshd_conn *s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	snprintf(s->agent_dir, sizeof(s->agent_dir), "/tmp/kssh-agent-XXXXXXXX");
	if (mkdtemp(s->agent_dir) == NULL) { /* 0700, ours */
		s->agent_dir[0] = 0;
		return -1;
	}
	snprintf(s->agent_path, sizeof(s->agent_path), "%s/agent.%d", s->agent_dir, (int)getpid());
	if (strlen(s->agent_path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, s->agent_path, strlen(s->agent_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0)
		return -1;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0 || listen(fd, 16) != 0) {
		umask(old);
		close(fd);
		return -1;
	}
	umask(old);
	s->agent_fd = fd;
	return 0;
}

int agent_request(struct sshd_conn *s, struct sshd_chan *sc, struct kssh_chan_event *ev)
{
	char *entry;
	int ok = 0;

	if (!s->o->agent_forwarding || s->auth->key_opts.no_agent_forwarding) {
		kssh_log_event(LOG_ERR, "AGENT_FWD_ERR_GENERAL", "Agent Forwarding, refused for user %s: %s",
		               s->auth->user.name,
		               s->o->agent_forwarding ? "not permitted for this key" : "not enabled");
	} else if (sc->pid != 0 || sc->sftp != NULL || sc->n_env >= SESSION_ENV_MAX) {
		kssh_log(LOG_INFO, "user '%s': auth-agent-req after the session started: refused", s->auth->user.name);
	} else if (s->agent_fd < 0 && agent_listen(s) != 0) {
		kssh_log(LOG_ERR, "user '%s': agent forwarding: cannot make a socket: %s", s->auth->user.name,
		         strerror(errno));
	} else if (asprintf(&entry, "SSH_AUTH_SOCK=%s", s->agent_path) >= 0) {
		sc->env[sc->n_env++] = entry;
		ok = 1;
		sshd_report("type", "agent-forwarded");
		kssh_log_event(LOG_INFO, "AGENT_FWD_INFO_GENERAL", "Agent Forwarding, user %s: %s",
		               s->auth->user.name, s->agent_path);
	}
	return ev->want_reply ? kssh_chan_reply(s->c->t, sc->pump.ch, ok) : 0;
}

void agent_init(struct sshd_conn *s)
{
	s->agent_fd = -1;
	s->agent_slot = -1;
	s->agent_dir[0] = s->agent_path[0] = 0;
}

void agent_cleanup(struct sshd_conn *s)
{
	if (s->agent_fd >= 0)
		close(s->agent_fd);
	s->agent_fd = -1;
	if (s->agent_path[0])
		unlink(s->agent_path);
	if (s->agent_dir[0])
		rmdir(s->agent_dir);
	s->agent_dir[0] = s->agent_path[0] = 0;
}

void agent_poll_add(struct sshd_conn *s, struct pollfd *pfds, size_t *n, size_t max)
{
	s->agent_slot = -1;
	if (s->agent_fd >= 0 && *n < max) {
		s->agent_slot = (int)*n;
		pfds[(*n)++] = (struct pollfd){ .fd = s->agent_fd, .events = POLLIN };
	}
}

/* A program in the session connected to the agent socket: a channel to the client's agent */
int agent_service(struct sshd_conn *s, const struct pollfd *pfds)
{
	struct sshd_chan *sc;
	struct kssh_buf *b;
	int fd;

	if (s->agent_slot < 0 || !(pfds[s->agent_slot].revents & POLLIN))
		return 0;
	if ((fd = accept4(s->agent_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0)
		return 0;
	if ((sc = session_open(s)) == NULL) {
		close(fd);
		return 0;
	}
	sc->kind = CHAN_AGENT;
	if ((sc->pump.ch = kssh_chan_open(&s->chans, s->c->t, "auth-agent@openssh.com", sc, &b)) == NULL) {
		kssh_log(LOG_WARNING, "user '%s': agent connection dropped: channel limit reached",
		         s->auth->user.name);
		session_free(sc);
		close(fd);
		return 0;
	}
	sc->pump.rd[0] = sc->pump.wr[0] = fd;
	sc->pump.shared = 1;
	(void)b; /* the channel type has no fields of its own */
	return kssh_transport_send(s->c->t);
}
