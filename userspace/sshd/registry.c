// SPDX-License-Identifier: MIT
/*
 * The sessions the listener knows of. Each connection's process reports what
 * `show ssh` prints (algorithms, user, method, channel, pty, connection type)
 * as "field<TAB>value" messages on a socketpair; the session has ended when
 * every holder of the child's end has closed it, and goes to the history of
 * the last 100. A report is bounded and only ever changes its own session.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "sshd_listener.h"

void sshd_registry_init(struct sshd_registry *r)
{
	memset(r, 0, sizeof(*r));
	r->next_id = 1;
}

/* Incoming sessions: what session-limit counts */
size_t sshd_registry_live(const struct sshd_registry *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_live; i++)
		n += !r->live[i].outgoing;
	return n;
}

void sshd_registry_add(struct sshd_registry *r, pid_t pid, int report_fd, const char *host, unsigned port,
                       const char *vrf)
{
	struct sshd_session_info *s;

	if (r->n_live == KSSHD_MAX_SESSIONS + KSSHD_MAX_OUTGOING) {
		close(report_fd); /* cannot happen: session-limit is at most 1024, outgoing at most 256 */
		return;
	}
	s = &r->live[r->n_live++];
	memset(s, 0, sizeof(*s));
	s->id = r->next_id++;
	s->pid = pid;
	s->report_fd = report_fd;
	snprintf(s->host, sizeof(s->host), "%s", host);
	s->port = port;
	snprintf(s->vrf, sizeof(s->vrf), "%s", vrf);
	snprintf(s->state, sizeof(s->state), "SESSION_CONNECTING");
	s->start = time(NULL);
}

void sshd_registry_add_outgoing(struct sshd_registry *r, int report_fd, const char *user)
{
	struct sshd_session_info *s;
	size_t all = 0, mine = 0;

	for (size_t i = 0; i < r->n_live; i++) {
		all += r->live[i].outgoing;
		mine += r->live[i].outgoing && strcmp(r->live[i].user, user) == 0;
	}
	/* incoming sessions keep their room: session-limit is at most 1024, the table holds 1024 + 256 */
	if (all >= KSSHD_MAX_OUTGOING || mine >= KSSHD_MAX_OUTGOING_PER_USER || r->n_live == KSSHD_MAX_SESSIONS + KSSHD_MAX_OUTGOING) {
		close(report_fd);
		return;
	}
	s = &r->live[r->n_live++];
	memset(s, 0, sizeof(*s));
	s->id = r->next_id++;
	s->report_fd = report_fd;
	s->outgoing = 1;
	snprintf(s->user, sizeof(s->user), "%s", user);
	snprintf(s->vrf, sizeof(s->vrf), "default");
	snprintf(s->state, sizeof(s->state), "SESSION_CONNECTING");
	s->start = time(NULL);
}

void sshd_registry_close_all(struct sshd_registry *r)
{
	for (size_t i = 0; i < r->n_live; i++)
		close(r->live[i].report_fd);
}

size_t sshd_registry_pollfds(const struct sshd_registry *r, struct pollfd *p, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < r->n_live && n < max; i++)
		p[n++] = (struct pollfd){ .fd = r->live[i].report_fd, .events = POLLIN };
	return n;
}

#define FIELD(name) { #name, offsetof(struct sshd_session_info, name), sizeof(((struct sshd_session_info *)0)->name) }

static const struct { const char *name; size_t offset, size; } fields[] = {
	FIELD(user), FIELD(host), FIELD(auth), FIELD(state), FIELD(version), FIELD(kex), FIELD(hostkey), FIELD(cipher_in),
	FIELD(cipher_out), FIELD(mac_in), FIELD(mac_out), FIELD(backend_in), FIELD(backend_out), FIELD(pty), FIELD(type), FIELD(reason),
	FIELD(account), FIELD(priv),
};

static void apply_report(struct sshd_session_info *s, const char *msg)
{
	const char *tab = strchr(msg, '\t');
	size_t name_len;

	if (tab == NULL)
		return;
	name_len = (size_t)(tab - msg);
	/* the user of an incoming session comes from its own process; an outgoing one's from the socket's credentials */
	if (name_len == 4 && strncmp(msg, "user", 4) == 0 && s->outgoing)
		return;
	if (name_len == 4 && strncmp(msg, "host", 4) == 0 && !s->outgoing)
		return;
	if (name_len == 8 && strncmp(msg, "authfail", 8) == 0 && !s->outgoing) {
		s->authfails++;
		return;
	}
	if (name_len == 5 && strncmp(msg, "grace", 5) == 0 && !s->outgoing) {
		s->grace_exceeded = 1;
		return;
	}
	/* the monitor saw its pre-authentication process die by a signal (a sandbox kill among them) */
	if (name_len == 5 && strncmp(msg, "crash", 5) == 0 && !s->outgoing) {
		s->crashed = 1;
		return;
	}
	if (name_len == 7 && strncmp(msg, "offload", 7) == 0 && !s->outgoing) {
		s->offload.on = sscanf(tab + 1, "%llu %llu %llu %llu %u %u %u", &s->offload.tx_packets,
		                       &s->offload.tx_bytes, &s->offload.rx_packets, &s->offload.rx_bytes,
		                       &s->offload.tx_seqnr, &s->offload.rx_seqnr, &s->offload.installs) == 7;
		return;
	}
	if (name_len == 4 && (strncmp(msg, "chan", 4) == 0 || strncmp(msg, "port", 4) == 0)) {
		unsigned v;

		if (sscanf(tab + 1, "%u", &v) != 1)
			return;
		if (msg[0] == 'c')
			s->chan = v;
		else if (msg[0] == 'p' && s->outgoing && v <= 65535)
			s->port = v;
		return;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].name) != name_len || strncmp(msg, fields[i].name, name_len) != 0)
			continue;
		/* printable text only: what is shown to an operator never carries terminal controls */
		char *dst = (char *)s + fields[i].offset;
		size_t j = 0;

		for (const char *p = tab + 1; *p && j + 1 < fields[i].size; p++)
			dst[j++] = *p >= 0x20 && *p < 0x7f ? *p : '?';
		dst[j] = 0;
		return;
	}
}

static void end_session(struct sshd_registry *r, size_t i)
{
	struct sshd_session_info *s = &r->live[i];

	close(s->report_fd);
	s->report_fd = -1;
	s->end = time(NULL);
	/* a connection that never authenticated earns its source a penalty (when they are on) */
	if (!s->outgoing && strcmp(s->state, "SESSION_OPEN") != 0)
		sshd_penalize(r, s->host, s->crashed ? "crash" : s->grace_exceeded ? "grace-exceeded" : s->authfails ? "authfail" : "noauth");
	r->history[r->history_next] = *s;
	r->history_next = (r->history_next + 1) % KSSHD_HISTORY;
	if (r->n_history < KSSHD_HISTORY)
		r->n_history++;
	r->live[i] = r->live[--r->n_live];
}

void sshd_registry_service(struct sshd_registry *r, const struct pollfd *p, size_t n)
{
	/* from the end: ending a session moves the last one into its place */
	for (size_t k = n; k-- > 0;) {
		char msg[512];
		ssize_t got;
		size_t i;

		if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		for (i = 0; i < r->n_live && r->live[i].report_fd != p[k].fd; i++)
			;
		if (i == r->n_live)
			continue;
		while ((got = recv(p[k].fd, msg, sizeof(msg) - 1, MSG_DONTWAIT)) > 0) {
			msg[got] = 0;
			apply_report(&r->live[i], msg);
		}
		if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
			end_session(r, i);
	}
}

void sshd_registry_reap(struct sshd_registry *r)
{
	int status;

	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		/* a connection's process killed by a signal we did not send: a crash, its source penalized */
		if (!WIFSIGNALED(status) || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGKILL)
			continue;
		for (size_t i = 0; i < r->n_live + r->n_history; i++) {
			const struct sshd_session_info *s = i < r->n_live ? &r->live[i] : &r->history[i - r->n_live];

			if (s->pid == pid && !s->outgoing) {
				sshd_penalize(r, s->host, "crash");
				break;
			}
		}
	}
}

const struct sshd_session_info *sshd_registry_history(const struct sshd_registry *r, size_t i)
{
	size_t oldest = r->n_history < KSSHD_HISTORY ? 0 : r->history_next;

	return i < r->n_history ? &r->history[(oldest + i) % KSSHD_HISTORY] : NULL;
}
