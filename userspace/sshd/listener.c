// SPDX-License-Identifier: MIT
/*
 * The listener (root): listening sockets in each configured VRF (a network
 * namespace), access lists, rate-limit and session-limit at accept, DSCP on
 * every socket, one process per connection, the registry of live and ended
 * sessions (children report over a socketpair), and the control socket that
 * ksshctl talks to. A configuration commit reaches the next connection; live
 * sessions are other processes and keep what they negotiated.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stddef.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sshd.h"
#include "sshd_listener.h"

volatile sig_atomic_t sshd_got_term, sshd_got_child, sshd_got_hup;

/* systemd's readiness protocol (sd_notify(3)), without libsystemd: one datagram to $NOTIFY_SOCKET */
static void notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len;
	int fd;

	if (path == NULL || (path[0] != '/' && path[0] != '@') || strlen(path) >= sizeof(sun.sun_path))
		return;
	memcpy(sun.sun_path, path, strlen(path));
	if (sun.sun_path[0] == '@')
		sun.sun_path[0] = 0; /* an abstract socket */
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sun, len);
	close(fd);
}

struct listen_socket {
	int fd;
	int vrf;        /* index into o->vrfs, -1: the default VRF without a vrf line */
};

static struct listener {
	struct sshd_options *o;
	struct listen_socket socks[KSSHD_MAX_VRFS * KSSHD_MAX_LISTEN];
	int n_socks;
	int ctl_fd;
	int clients_fd;       /* local clients report their outgoing sessions here (any user) */
	char clients_path[128];
	struct sshd_registry reg;
	time_t accepted[600]; /* rate-limit: accept times of the last minute, a ring */
	unsigned accepted_next;
} L = { .ctl_fd = -1, .clients_fd = -1 };

/* ---- sockets ---- */

static int open_socket(const char *addr, unsigned port, unsigned dscp)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV,
	                          .ai_socktype = SOCK_STREAM }, *ai;
	char service[16];
	int fd, on = 1, r;

	snprintf(service, sizeof(service), "%u", port);
	if ((r = getaddrinfo(addr, service, &hints, &ai)) != 0) {
		kssh_log(LOG_ERR, "listen address '%s': %s", addr, gai_strerror(r));
		return -1;
	}
	/* non-blocking: a readiness seen before a commit re-opened the sockets must not block accept */
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		conn_socket_dscp(fd, dscp); /* SYN-ACKs and accepted sockets inherit it */
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
			kssh_log(LOG_ERR, "cannot listen on %s port %u: %s", addr, port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

/* Runs fn inside the network namespace /run/netns/NAME, then comes back */
static int in_netns(const char *name, int (*fn)(void *), void *arg)
{
	char path[128];
	int self, target, r;

	if (strcmp(name, "default") == 0)
		return fn(arg);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((target = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		kssh_log(LOG_ERR, "vrf %s: %s: %s", name, path, strerror(errno));
		return -1;
	}
	if ((self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0 || setns(target, CLONE_NEWNET) != 0) {
		kssh_log(LOG_ERR, "vrf %s: entering the namespace: %s", name, strerror(errno));
		close(target);
		if (self >= 0)
			close(self);
		return -1;
	}
	r = fn(arg);
	if (setns(self, CLONE_NEWNET) != 0) {
		kssh_log(LOG_ERR, "vrf %s: leaving the namespace: %s", name, strerror(errno));
		r = -1;
	}
	close(self);
	close(target);
	return r;
}

struct open_args {
	int vrf;
};

static int open_vrf_sockets(void *arg)
{
	const struct open_args *a = arg;
	const struct sshd_options *o = L.o;
	/* the default VRF listens where -l says; a named one on every address of its namespace */
	static const char *const wildcard[] = { "0.0.0.0", "::" };
	const char *const *addrs = a->vrf < 0 || strcmp(o->vrfs[a->vrf].name, "default") == 0 ? o->listen : wildcard;
	int n = addrs == wildcard ? 2 : o->n_listen;

	for (int i = 0; i < n; i++) {
		int fd = open_socket(addrs[i], o->port, o->server_dscp);

		if (fd < 0)
			return -1;
		L.socks[L.n_socks++] = (struct listen_socket){ .fd = fd, .vrf = a->vrf };
		kssh_log(LOG_INFO, "listening on %s port %u%s%s", addrs[i], o->port, a->vrf >= 0 ? " vrf " : "",
		         a->vrf >= 0 ? o->vrfs[a->vrf].name : "");
	}
	return 0;
}

static void close_listeners(void)
{
	for (int i = 0; i < L.n_socks; i++)
		close(L.socks[i].fd);
	L.n_socks = 0;
}

static int open_listeners(void)
{
	const struct sshd_options *o = L.o;

	if (o->n_vrfs == 0) {
		struct open_args a = { .vrf = -1 };

		return open_vrf_sockets(&a);
	}
	for (size_t v = 0; v < o->n_vrfs; v++) {
		struct open_args a = { .vrf = (int)v };

		if (in_netns(o->vrfs[v].name, open_vrf_sockets, &a) != 0) {
			close_listeners();
			return -1;
		}
	}
	return 0;
}

/* ---- accept ---- */

static void peer_name(const struct sockaddr_storage *ss, char *host, size_t len, unsigned *port)
{
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host, (socklen_t)len, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(host, len, "unknown");
	*port = ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	                                  : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static int acl_permits(const struct listen_socket *ls, const struct sockaddr_storage *ss)
{
	const struct sshd_vrf *v = ls->vrf >= 0 ? &L.o->vrfs[ls->vrf] : NULL;

	if (v == NULL)
		return 1;
	if (ss->ss_family == AF_INET)
		return sshd_acl_permits(L.o, v->acl4, AF_INET, (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr);
	{
		const uint8_t *a6 = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a6, mapped, 12) == 0)
			return sshd_acl_permits(L.o, v->acl4, AF_INET, a6 + 12);
		return sshd_acl_permits(L.o, v->acl6, AF_INET6, a6);
	}
}

/* ssh server penalties exempt ACL: a source that list permits is never refused for a penalty */
static int penalty_exempt(const struct sockaddr_storage *ss)
{
	const char *name = L.o->penalty_exempt;
	const uint8_t *addr = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
	int family = AF_INET, found = 0;

	if (ss->ss_family == AF_INET6) {
		addr = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)addr))
			addr += 12;
		else
			family = AF_INET6;
	}
	/* a missing list exempts nobody (sshd_acl_permits would permit everyone) */
	for (size_t i = 0; i < L.o->n_acls && !found; i++)
		found = strcmp(L.o->acls[i].name, name) == 0 && L.o->acls[i].family == family;
	return name[0] && found && sshd_acl_permits(L.o, name, family, addr);
}

/* Connections accepted in the last minute, the new one included when it fits */
static int rate_allows(time_t now)
{
	unsigned n = 0, limit = L.o->rate_limit;

	if (L.o->rate_unlimited)
		return 1;
	for (size_t i = 0; i < sizeof(L.accepted) / sizeof(L.accepted[0]); i++)
		if (L.accepted[i] != 0 && now - L.accepted[i] < 60)
			n++;
	if (n >= limit)
		return 0;
	L.accepted[L.accepted_next++ % (sizeof(L.accepted) / sizeof(L.accepted[0]))] = now;
	return 1;
}

/* Refused before key exchange: a line the client shows (RFC 4253 4.2 allows lines before the version) */
static void refuse(int fd, const char *why)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "kssh: %s; closing the connection\r\n", why);

	if (write(fd, line, (size_t)n) < 0) {
		/* the peer is gone already: nothing to tell */
	}
	close(fd);
}

static void accept_one(const struct listen_socket *ls)
{
	const struct sshd_options *o = L.o;
	const char *vrf = ls->vrf >= 0 ? o->vrfs[ls->vrf].name : "default";
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST], why[128];
	unsigned port;
	int report[2];
	pid_t pid;
	int fd = accept4(ls->fd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	peer_name(&ss, host, sizeof(host), &port);
	if (!acl_permits(ls, &ss)) {
		kssh_log_event(LOG_WARNING, "ERR_GENERAL", "connection from %s port %u vrf %s denied by access list",
		               host, port, vrf);
		close(fd);
		return;
	}
	if (sshd_registry_live(&L.reg) >= o->session_limit) {
		kssh_log_event(LOG_WARNING, "ERR_GENERAL", "connection from %s port %u refused: session limit (%u) reached",
		               host, port, o->session_limit);
		snprintf(why, sizeof(why), "session limit (%u) reached", o->session_limit);
		refuse(fd, why);
		return;
	}
	if (!penalty_exempt(&ss) && sshd_penalty_refuse(&L.reg, host, why, sizeof(why))) {
		kssh_log_event(LOG_WARNING, "ERR_GENERAL", "connection from %s port %u refused: %s", host, port, why);
		refuse(fd, why);
		return;
	}
	if (sshd_startups_refuse(o, &L.reg, host, why, sizeof(why))) {
		kssh_log_event(LOG_WARNING, "ERR_GENERAL", "connection from %s port %u refused: %s", host, port, why);
		refuse(fd, why);
		return;
	}
	if (!rate_allows(time(NULL))) {
		kssh_log_event(LOG_WARNING, "ERR_GENERAL", "connection from %s port %u refused: rate limit (%u per minute) exceeded",
		               host, port, o->rate_limit);
		snprintf(why, sizeof(why), "rate limit (%u connections per minute) exceeded", o->rate_limit);
		refuse(fd, why);
		return;
	}
	/* requests and window updates are small: they must not wait for Nagle */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	conn_socket_dscp(fd, o->server_dscp);
	kssh_log_event(LOG_INFO, "INFO_GENERAL", "connection from %s port %u", host, port);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, report) != 0) {
		kssh_log(LOG_ERR, "socketpair: %s", strerror(errno));
		close(fd);
		return;
	}
	pid = fork();
	if (pid == 0) {
		close_listeners();
		if (L.ctl_fd >= 0)
			close(L.ctl_fd);
		if (L.clients_fd >= 0)
			close(L.clients_fd);
		sshd_registry_close_all(&L.reg);
		close(report[0]);
		signal(SIGCHLD, SIG_DFL);
		sshd_report_fd = report[1];
		_exit(sshd_session_exec(o, fd, report[1], host, port));
	}
	close(report[1]);
	close(fd);
	if (pid < 0) {
		kssh_log(LOG_ERR, "fork: %s", strerror(errno));
		close(report[0]);
		return;
	}
	sshd_registry_add(&L.reg, pid, report[0], host, port, vrf);
}

/* ---- the control socket ---- */

static int open_control(const char *path, int type, mode_t mode)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		kssh_log(LOG_ERR, "control socket %s: path too long", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755); /* the control socket itself is 0600; the clients socket must be reachable */
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, mode) != 0 || listen(fd, 16) != 0) {
		kssh_log(LOG_ERR, "control socket %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Reads a request (until the client shuts its side), bounded in size and time */
static int read_request(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got + 1 < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		int ready = poll(&p, 1, 2000);

		if (ready < 0 && errno == EINTR) /* a child's end (SIGCHLD) is no reason to drop a request */
			continue;
		if (ready <= 0)
			return -1;
		if ((n = read(fd, buf + got, len - 1 - got)) < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return got + 1 < len ? 0 : -1;
}

static void serve_control(void)
{
	static char request[65536];
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char *reply = NULL;
	size_t reply_len = 0;
	FILE *out;
	int fd = accept4(L.ctl_fd, NULL, NULL, SOCK_CLOEXEC), ok;

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0 || cred.uid != 0) {
		close(fd); /* root only, whatever the socket's mode says */
		return;
	}
	if ((out = open_memstream(&reply, &reply_len)) == NULL) {
		close(fd);
		return;
	}
	/* the reply: "ok" or "error", then what the request printed */
	if (read_request(fd, request, sizeof(request)) != 0) {
		ok = 0;
		fprintf(out, "request too large or too slow\n");
	} else {
		ok = sshd_control_request(L.o, &L.reg, request, out);
	}
	fclose(out);
	if (write(fd, ok ? "ok\n" : "error\n", ok ? 3 : 6) < 0) {
		free(reply);
		close(fd);
		return;
	}
	for (size_t done = 0; done < reply_len;) {
		ssize_t n = write(fd, reply + done, reply_len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	free(reply);
	close(fd);
}

/* A local kssh/ksftp/kscp: its user is the socket's, whatever it reports */
static void accept_client_report(void)
{
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct passwd *pw;
	char user[32];
	int fd = accept4(L.clients_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
		close(fd);
		return;
	}
	if ((pw = getpwuid(cred.uid)) != NULL)
		snprintf(user, sizeof(user), "%s", pw->pw_name);
	else
		snprintf(user, sizeof(user), "uid%u", (unsigned)cred.uid);
	sshd_registry_add_outgoing(&L.reg, fd, user);
}

/* ---- commit ---- */

/* After a commit: listeners follow port, VRF and DSCP changes; the data plane its lines; host keys their algorithms */
int sshd_listener_commit(struct sshd_options *o, const struct sshd_options *old)
{
	int relisten = o->port != old->port || o->n_vrfs != old->n_vrfs ||
	               memcmp(o->vrfs, old->vrfs, sizeof(o->vrfs)) != 0 || o->server_dscp != old->server_dscp;
	char err[256];

	if (relisten) {
		close_listeners();
		if (open_listeners() != 0)
			return -1;
	}
	if (memcmp(&o->lpts, &old->lpts, sizeof(o->lpts)) != 0 || o->port != old->port) {
		o->lpts.ports[0] = (uint16_t)o->port;
		o->lpts.n_ports = 1;
		if (o->lpts.n_ifaces > 0 && lpts_apply(&o->lpts, err, sizeof(err)) != 0)
			kssh_log(LOG_ERR, "lpts: %s", err);
		else if (o->lpts.n_ifaces == 0 && old->lpts.n_ifaces > 0)
			lpts_detach_all();
	}
	if (strcmp(o->hostkey_list, old->hostkey_list) != 0)
		return sshd_reload_host_keys(o);
	return 0;
}

/* ---- the loop ---- */

int sshd_listener_run(struct sshd_options *o)
{
	struct pollfd *pfds;
	size_t max = KSSHD_MAX_VRFS * KSSHD_MAX_LISTEN + 2 + KSSHD_MAX_SESSIONS + KSSHD_MAX_OUTGOING;
	char err[256];

	L.o = o;
	sshd_registry_init(&L.reg);
	L.reg.o = o;
	if (sshd_aaa_table_init() != 0)
		kssh_log(LOG_WARNING, "AAA: no shared server table: dead servers are not remembered between logins");
	/* the data plane first: the port is policed before it accepts anything */
	if (o->lpts.n_ifaces > 0) {
		o->lpts.ports[0] = (uint16_t)o->port;
		o->lpts.n_ports = 1;
		if (lpts_apply(&o->lpts, err, sizeof(err)) != 0) {
			kssh_log(LOG_ERR, "lpts: %s", err);
			return 1;
		}
		kssh_log(LOG_INFO, "lpts: policing %s, marking DSCP %u, on %zu interface(s)",
		         lpts_policing(&o->lpts) ? "on" : "off", o->lpts.dscp, o->lpts.n_ifaces);
	}
	if ((pfds = calloc(max, sizeof(*pfds))) == NULL || open_listeners() != 0)
		return 1;
	if (o->control_path && (L.ctl_fd = open_control(o->control_path, SOCK_STREAM, 0600)) < 0)
		kssh_log(LOG_WARNING, "no control socket: ksshctl cannot reach this daemon");
	snprintf(L.clients_path, sizeof(L.clients_path), "%s.clients", o->control_path ? o->control_path : "");
	if (o->control_path && (L.clients_fd = open_control(L.clients_path, SOCK_SEQPACKET, 0666)) < 0)
		kssh_log(LOG_WARNING, "no clients socket: outgoing sessions will not be listed");
	notify("READY=1\nSTATUS=accepting connections");
	while (!sshd_got_term) {
		size_t n = 0, first_report;
		int ready;

		if (sshd_got_hup) { /* systemctl reload: the configuration file again, committed whole */
			sshd_got_hup = 0;
			notify("RELOADING=1");
			sshd_control_reload(o);
			notify("READY=1");
		}
		for (int i = 0; i < L.n_socks; i++)
			pfds[n++] = (struct pollfd){ .fd = L.socks[i].fd, .events = POLLIN };
		pfds[n++] = (struct pollfd){ .fd = L.ctl_fd, .events = POLLIN };
		pfds[n++] = (struct pollfd){ .fd = L.clients_fd, .events = POLLIN };
		first_report = n;
		n += sshd_registry_pollfds(&L.reg, pfds + n, max - n);
		ready = poll(pfds, (nfds_t)n, 1000);
		if (sshd_got_child) {
			sshd_got_child = 0;
			sshd_registry_reap(&L.reg);
		}
		if (ready <= 0)
			continue;
		/* reports first: a session that ended frees its place before new ones are counted */
		sshd_registry_service(&L.reg, pfds + first_report, n - first_report);
		if (L.ctl_fd >= 0 && pfds[L.n_socks].revents & POLLIN)
			serve_control();
		if (L.clients_fd >= 0 && pfds[L.n_socks + 1].revents & POLLIN)
			accept_client_report();
		for (int i = 0; i < L.n_socks && i < (int)first_report - 2; i++)
			if (pfds[i].revents & POLLIN)
				accept_one(&L.socks[i]);
	}
	notify("STOPPING=1");
	kssh_log(LOG_INFO, "terminating on signal");
	close_listeners();
	if (L.ctl_fd >= 0) {
		close(L.ctl_fd);
		unlink(o->control_path);
	}
	if (L.clients_fd >= 0) {
		close(L.clients_fd);
		unlink(L.clients_path);
	}
	if (o->lpts.n_ifaces > 0)
		lpts_detach_all(); /* the pinned counters stay for the next start */
	free(pfds);
	return 0;
}
