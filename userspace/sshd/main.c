// SPDX-License-Identifier: MIT
/* ksshd: the listener. Accepts on IPv4 and IPv6 and forks one process per connection. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/transport.h"
#include "log.h"
#include "sshd.h"

static volatile sig_atomic_t got_term, got_child;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

static void on_child(int sig)
{
	(void)sig;
	got_child = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ksshd [-D] [-e] [-d] [-p port] [-l address]... [-s state-dir]\n"
	        "             [--kex LIST] [--host-key-algorithms LIST] [--ciphers LIST] [--macs LIST]\n"
	        "             [--enable-cipher aes-cbc|3des-cbc]... [--disable-hmac LIST]\n"
	        "             [--rekey-time MINUTES] [--rekey-volume MB] [--rekey-bytes BYTES]\n"
	        "             [--timeout SECONDS] [--max-auth-limit N] [-f config-file]\n"
	        "             [--pam-service NAME] [--port-forwarding-local] [--permit-root-password]\n"
	        "             [--authorized-keys PATTERN (%%h home, %%u user; default %%h/.ssh/authorized_keys)]\n"
	        "             [--sftp-root PATTERN (%%h, %%u: SFTP sessions see only this directory)]\n"
	        "  -D  stay in the foreground    -e  log to stderr    -d  debug logging\n"
	        "  insecure kex and host-key algorithms (diffie-hellman-group1-sha1,\n"
	        "  diffie-hellman-group14-sha1, ssh-rsa, ssh-dss) are enabled by naming them.\n");
}

static int parse_uint(const char *s, unsigned long long min, unsigned long long max,
                      const char *what, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *s == 0 || *end != 0 || v < min || v > max) {
		fprintf(stderr, "ksshd: %s '%s': must be a number from %llu to %llu\n", what, s, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

/* Naming an insecure kex or host-key algorithm enables it. */
static unsigned flags_named(const char *list)
{
	unsigned f = 0;

	if (list == NULL)
		return 0;
	f |= kssh_list_has(list, "diffie-hellman-group14-sha1") ? KSSH_ENABLE_KEX_SHA1 : 0;
	f |= kssh_list_has(list, "diffie-hellman-group1-sha1") ? KSSH_ENABLE_KEX_GROUP1 : 0;
	f |= kssh_list_has(list, "ssh-rsa") ? KSSH_ENABLE_SSH_RSA : 0;
	f |= kssh_list_has(list, "ssh-dss") ? KSSH_ENABLE_SSH_DSS : 0;
	return f;
}

/* The spec's "disable hmac": drop the named MACs from the list. */
static int remove_macs(char *list, size_t size, const char *disabled)
{
	char kept[2048] = "", name[KSSH_NAME_MAX];
	const char *p = list;

	while (kssh_list_next(&p, name, sizeof(name)))
		if (!kssh_list_has(disabled, name))
			kssh_list_append(kept, sizeof(kept), name);
	snprintf(list, size, "%s", kept);
	return kept[0] ? 0 : -1;
}

static int resolve_list(enum kssh_alg_kind kind, const char *given, unsigned enabled,
                        char *out, size_t len)
{
	char err[4096];

	if (given == NULL)
		return kssh_alg_default_with(kind, enabled, out, len) == 0 ? 0 : -1;
	if (kssh_alg_check_list(kind, given, enabled, err, sizeof(err)) != 0) {
		fprintf(stderr, "ksshd: %s\n", err);
		return -1;
	}
	snprintf(out, len, "%s", given);
	return 0;
}

static int resolve_algorithms(struct sshd_options *o)
{
	char err[4096];

	o->enabled |= flags_named(o->kex_algs) | flags_named(o->hostkey_algs);
	if (resolve_list(KSSH_ALG_KEX, o->kex_algs, o->enabled, o->kex_list, sizeof(o->kex_list)) ||
	    resolve_list(KSSH_ALG_HOSTKEY, o->hostkey_algs, o->enabled, o->hostkey_list,
	                 sizeof(o->hostkey_list)) ||
	    resolve_list(KSSH_ALG_CIPHER, o->ciphers, o->enabled, o->cipher_list,
	                 sizeof(o->cipher_list)) ||
	    resolve_list(KSSH_ALG_MAC, o->macs, o->enabled, o->mac_list, sizeof(o->mac_list)))
		return -1;
	if (o->disabled_macs[0]) {
		if (kssh_alg_check_list(KSSH_ALG_MAC, o->disabled_macs, 0, err, sizeof(err)) != 0) {
			fprintf(stderr, "ksshd: disable hmac: %s\n", err);
			return -1;
		}
		if (remove_macs(o->mac_list, sizeof(o->mac_list), o->disabled_macs) != 0) {
			fprintf(stderr, "ksshd: disable hmac: every MAC would be disabled\n");
			return -1;
		}
	}
	return 0;
}

enum {
	OPT_KEX = 256, OPT_HOSTKEY, OPT_CIPHERS, OPT_MACS, OPT_ENABLE_CIPHER, OPT_DISABLE_HMAC,
	OPT_REKEY_TIME, OPT_REKEY_VOLUME, OPT_REKEY_BYTES, OPT_TIMEOUT, OPT_MAX_AUTH, OPT_HELP,
	OPT_PAM_SERVICE, OPT_PORT_FORWARDING, OPT_PERMIT_ROOT_PASSWORD, OPT_AUTHORIZED_KEYS, OPT_SFTP_ROOT,
};

static const struct option long_options[] = {
	{ "kex", required_argument, NULL, OPT_KEX },
	{ "host-key-algorithms", required_argument, NULL, OPT_HOSTKEY },
	{ "ciphers", required_argument, NULL, OPT_CIPHERS },
	{ "macs", required_argument, NULL, OPT_MACS },
	{ "enable-cipher", required_argument, NULL, OPT_ENABLE_CIPHER },
	{ "disable-hmac", required_argument, NULL, OPT_DISABLE_HMAC },
	{ "rekey-time", required_argument, NULL, OPT_REKEY_TIME },
	{ "rekey-volume", required_argument, NULL, OPT_REKEY_VOLUME },
	{ "rekey-bytes", required_argument, NULL, OPT_REKEY_BYTES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "max-auth-limit", required_argument, NULL, OPT_MAX_AUTH },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "pam-service", required_argument, NULL, OPT_PAM_SERVICE },
	{ "port-forwarding-local", no_argument, NULL, OPT_PORT_FORWARDING },
	{ "permit-root-password", no_argument, NULL, OPT_PERMIT_ROOT_PASSWORD },
	{ "authorized-keys", required_argument, NULL, OPT_AUTHORIZED_KEYS },
	{ "sftp-root", required_argument, NULL, OPT_SFTP_ROOT },
	{ NULL, 0, NULL, 0 },
};

static int parse_options(int argc, char **argv, struct sshd_options *o)
{
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "Dedp:l:s:f:h", long_options, NULL)) != -1) {
		switch (c) {
		case 'D': o->foreground = 1; break;
		case 'e': o->log_stderr = 1; break;
		case 'd': o->debug = 1; break;
		case 'p':
			if (parse_uint(optarg, 1, 65535, "port", &v))
				return -1;
			o->port = (unsigned)v;
			break;
		case 'l':
			if (o->n_listen == KSSHD_MAX_LISTEN) {
				fprintf(stderr, "ksshd: at most %d listen addresses\n", KSSHD_MAX_LISTEN);
				return -1;
			}
			o->listen[o->n_listen++] = optarg;
			break;
		case 's': o->state_dir = optarg; break;
		case 'f': break; /* read before the other options, which override it */
		case OPT_PAM_SERVICE: o->pam_service = optarg; break;
		case OPT_PORT_FORWARDING: o->port_forwarding_local = 1; break;
		case OPT_PERMIT_ROOT_PASSWORD: o->permit_root_password = 1; break;
		case OPT_AUTHORIZED_KEYS: o->authorized_keys = optarg; break;
		case OPT_SFTP_ROOT: o->sftp_root = optarg; break;
		case OPT_KEX: o->kex_algs = optarg; break;
		case OPT_HOSTKEY: o->hostkey_algs = optarg; break;
		case OPT_CIPHERS: o->ciphers = optarg; break;
		case OPT_MACS: o->macs = optarg; break;
		case OPT_ENABLE_CIPHER:
			if (strcmp(optarg, "aes-cbc") == 0)
				o->enabled |= KSSH_ENABLE_AES_CBC;
			else if (strcmp(optarg, "3des-cbc") == 0)
				o->enabled |= KSSH_ENABLE_3DES_CBC;
			else {
				fprintf(stderr, "ksshd: enable cipher '%s': must be aes-cbc or 3des-cbc\n", optarg);
				return -1;
			}
			break;
		case OPT_DISABLE_HMAC:
			snprintf(o->disabled_macs, sizeof(o->disabled_macs), "%s", optarg);
			break;
		case OPT_REKEY_TIME:
			if (parse_uint(optarg, 30, 1440, "rekey-time (minutes)", &v))
				return -1;
			o->rekey_minutes = (uint32_t)v;
			break;
		case OPT_REKEY_VOLUME:
			if (parse_uint(optarg, 1, 4095, "rekey-volume (MB)", &v))
				return -1;
			o->rekey_bytes = v * 1024 * 1024;
			break;
		case OPT_REKEY_BYTES:
			if (parse_uint(optarg, 1, 1ull << 42, "rekey-bytes", &v))
				return -1;
			o->rekey_bytes = v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint(optarg, 5, 120, "timeout (seconds)", &v))
				return -1;
			o->login_timeout = (unsigned)v;
			break;
		case OPT_MAX_AUTH:
			if (parse_uint(optarg, 3, 20, "max-auth-limit", &v))
				return -1;
			o->max_auth = (unsigned)v;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return resolve_algorithms(o);
}

static int open_listener(const char *addr, unsigned port)
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
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
			kssh_log(LOG_ERR, "cannot listen on %s port %u: %s", addr, port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	return fd;
}

static void peer_name(const struct sockaddr_storage *ss, char *host, size_t len, unsigned *port)
{
	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), host, (socklen_t)len, NULL, 0,
	                NI_NUMERICHOST) != 0)
		snprintf(host, len, "unknown");
	*port = ss->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)ss)->sin6_port)
	                                  : ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static void reap_children(void)
{
	int status;

	got_child = 0;
	while (waitpid(-1, &status, WNOHANG) > 0)
		;
}

static void accept_one(const struct sshd_options *o, int lfd, int *fds, int n)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[NI_MAXHOST];
	unsigned port;
	pid_t pid;
	int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* requests and window updates are small: they must not wait for Nagle */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	peer_name(&ss, host, sizeof(host), &port);
	kssh_log_event(LOG_INFO, "INFO_GENERAL", "connection from %s port %u", host, port);
	pid = fork();
	if (pid == 0) {
		for (int i = 0; i < n; i++)
			close(fds[i]);
		signal(SIGCHLD, SIG_DFL);
		_exit(sshd_session(o, fd, host, port));
	}
	if (pid < 0)
		kssh_log(LOG_ERR, "fork: %s", strerror(errno));
	close(fd);
}

/* The LPTS programs on the configured interfaces, policing our own port */
static int start_dataplane(struct sshd_options *o)
{
	char err[256];

	if (o->lpts.n_ifaces == 0)
		return 0;
	o->lpts.ports[0] = (uint16_t)o->port;
	o->lpts.n_ports = 1;
	if (lpts_apply(&o->lpts, err, sizeof(err)) != 0) {
		kssh_log(LOG_ERR, "lpts: %s", err);
		return -1;
	}
	kssh_log(LOG_INFO, "lpts: policing %s, marking DSCP %u, on %zu interface(s)",
	         lpts_policing(&o->lpts) ? "on" : "off", o->lpts.dscp, o->lpts.n_ifaces);
	return 0;
}

static int serve(const struct sshd_options *o)
{
	struct pollfd pfds[KSSHD_MAX_LISTEN];
	int fds[KSSHD_MAX_LISTEN], n = 0;

	for (int i = 0; i < o->n_listen; i++) {
		if ((fds[n] = open_listener(o->listen[i], o->port)) < 0)
			return 1;
		pfds[n] = (struct pollfd){ .fd = fds[n], .events = POLLIN };
		kssh_log(LOG_INFO, "listening on %s port %u", o->listen[i], o->port);
		n++;
	}
	while (!got_term) {
		int ready = poll(pfds, (nfds_t)n, 1000);

		if (got_child)
			reap_children();
		if (ready <= 0)
			continue;
		for (int i = 0; i < n; i++)
			if (pfds[i].revents & POLLIN)
				accept_one(o, fds[i], fds, n);
	}
	kssh_log(LOG_INFO, "terminating on signal");
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (o->lpts.n_ifaces > 0)
		lpts_detach_all(); /* the pinned counters stay for the next start */
	return 0;
}

int main(int argc, char **argv)
{
	struct sshd_options o = {
		.port = 22, .state_dir = "/etc/kssh", .rekey_minutes = 60,
		.rekey_bytes = 1024ull * 1024 * 1024, .login_timeout = 30, .max_auth = 20,
		.pam_service = "kssh",
	};

	lpts_settings_init(&o.lpts);
	struct sigaction sa = { 0 };
	int r;

	/* the configuration file first; command-line options override it */
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "-f") == 0)
			o.config_file = argv[i + 1];
	if (o.config_file == NULL && access(KSSHD_DEFAULT_CONFIG, R_OK) == 0)
		o.config_file = KSSHD_DEFAULT_CONFIG;
	if (o.config_file != NULL && sshd_config_load(&o, o.config_file) != 0)
		return 2;
	if (parse_options(argc, argv, &o) != 0)
		return 2;
	if (o.n_listen == 0) {
		o.listen[o.n_listen++] = "0.0.0.0";
		o.listen[o.n_listen++] = "::";
	}
	kssh_log_open("ksshd", o.log_stderr || o.foreground, 1, o.debug ? LOG_DEBUG : LOG_INFO);
	if (sshd_load_host_keys(&o) != 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	if (!o.foreground && daemon(0, 0) != 0) {
		kssh_log(LOG_ERR, "daemon: %s", strerror(errno));
		return 1;
	}
	if (start_dataplane(&o) != 0)
		return 1;
	r = serve(&o);
	sshd_free_host_keys(&o);
	return r;
}
