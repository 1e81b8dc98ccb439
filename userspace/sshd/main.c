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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/transport.h"
#include "kssh/version.h"
#include "log.h"
#include "monitor.h"
#include "sshd.h"
#include "sshd_listener.h"

static void on_term(int sig)
{
	(void)sig;
	sshd_got_term = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	sshd_got_hup = 1;
}

static void on_child(int sig)
{
	(void)sig;
	sshd_got_child = 1;
}

/* The pre-authentication processes' root directory: empty, root's, writable by nobody else */
static int sandbox_dir(void)
{
	struct stat st;

	if (getuid() != 0)
		return 0; /* no chroot without root (sandbox.c) */
	if ((mkdir("/run/kssh", 0755) != 0 && errno != EEXIST) ||
	    (mkdir(KSSHD_SANDBOX_DIR, 0755) != 0 && errno != EEXIST) || lstat(KSSHD_SANDBOX_DIR, &st) != 0) {
		kssh_log(LOG_ERR, "%s: %s", KSSHD_SANDBOX_DIR, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		kssh_log(LOG_ERR, "%s must be a directory owned by root and writable by nobody else", KSSHD_SANDBOX_DIR);
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: ksshd [-D] [-e] [-d] [-t] [-V] [-p port] [-l address]... [-s state-dir]\n"
	        "             [--kex LIST] [--host-key-algorithms LIST] [--ciphers LIST] [--macs LIST]\n"
	        "             [--enable-cipher aes-cbc|3des-cbc]... [--disable-hmac LIST]\n"
	        "             [--crypto-offload none|af-alg|af-alg-required|kernel|auto]\n"
	        "             [--rekey-time MINUTES] [--rekey-volume MB] [--rekey-bytes BYTES]\n"
	        "             [--timeout SECONDS] [--max-auth-limit N] [-f config-file]\n"
	        "             [--pam-service NAME] [--port-forwarding-local] [--permit-root-password]\n"
	        "             [--authorized-keys PATTERN (%%h home, %%u user; default %%h/.ssh/authorized_keys)]\n"
	        "             [--sftp-root PATTERN (%%h, %%u: SFTP sessions see only this directory)]\n"
	        "             [--rate-limit 0-600 (0: none, never saved)] [--session-limit 1-1024] [--max-startups START[:RATE:FULL]]\n"
	        "             [--control PATH (ksshctl's socket; default " KSSHD_CONTROL_SOCKET ", \"\" for none)]\n"
	        "  -D  stay in the foreground    -e  log to stderr    -d  debug logging\n"
	        "  -t  check the configuration, print it back (running-config) and exit\n"
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

static int resolve_algorithms(struct sshd_options *o)
{
	char err[4096];

	if (sshd_config_resolve(o, err, sizeof(err)) != 0) {
		fprintf(stderr, "ksshd: %s\n", err);
		return -1;
	}
	return 0;
}

enum {
	OPT_KEX = 256, OPT_HOSTKEY, OPT_CIPHERS, OPT_MACS, OPT_ENABLE_CIPHER, OPT_DISABLE_HMAC,
	OPT_REKEY_TIME, OPT_REKEY_VOLUME, OPT_REKEY_BYTES, OPT_TIMEOUT, OPT_MAX_AUTH, OPT_HELP,
	OPT_PAM_SERVICE, OPT_PORT_FORWARDING, OPT_PERMIT_ROOT_PASSWORD, OPT_AUTHORIZED_KEYS, OPT_SFTP_ROOT, OPT_CONTROL, OPT_RATE_LIMIT, OPT_SESSION_LIMIT,
	OPT_CRYPTO_OFFLOAD, OPT_MAX_STARTUPS,
};

static const struct option long_options[] = {
	{ "kex", required_argument, NULL, OPT_KEX },
	{ "host-key-algorithms", required_argument, NULL, OPT_HOSTKEY },
	{ "ciphers", required_argument, NULL, OPT_CIPHERS },
	{ "macs", required_argument, NULL, OPT_MACS },
	{ "enable-cipher", required_argument, NULL, OPT_ENABLE_CIPHER },
	{ "crypto-offload", required_argument, NULL, OPT_CRYPTO_OFFLOAD },
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
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "rate-limit", required_argument, NULL, OPT_RATE_LIMIT },
	{ "max-startups", required_argument, NULL, OPT_MAX_STARTUPS },
	{ "session-limit", required_argument, NULL, OPT_SESSION_LIMIT },
	{ NULL, 0, NULL, 0 },
};

static int parse_options(int argc, char **argv, struct sshd_options *o)
{
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "Dedtp:l:s:f:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'D': o->foreground = 1; break;
		case 't': o->test_config = 1; break;
		case 'e': o->log_stderr = 1; break;
		case 'd': o->debug = 1; break;
		case 'p':
			if (parse_uint(optarg, 1, 65535, "port", &v))
				return -1;
			o->port = (unsigned)v;
			o->port_from_cli = 1;
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
		case OPT_CONTROL: o->control_path = optarg; break;
		case OPT_RATE_LIMIT:
			/* 0, on the command line only (never saved): no limit, for benchmarks and load tests */
			if (strcmp(optarg, "0") == 0) {
				o->rate_unlimited = 1;
				break;
			}
			if (parse_uint(optarg, 1, 600, "rate-limit (connections per minute)", &v))
				return -1;
			o->rate_limit = (unsigned)v;
			break;
		case OPT_MAX_STARTUPS: {
			char *w[2] = { "max-startups", optarg }, err[160];

			if (sshd_cmd_max_startups(o, 0, w, 2, err, sizeof(err)) != 0) {
				fprintf(stderr, "ksshd: %s\n", err);
				return -1;
			}
			break;
		}
		case OPT_SESSION_LIMIT:
			if (parse_uint(optarg, 1, 1024, "session-limit", &v))
				return -1;
			o->session_limit = (unsigned)v;
			break;
		case OPT_KEX: snprintf(o->kex_algs, sizeof(o->kex_algs), "%s", optarg); break;
		case OPT_HOSTKEY: snprintf(o->hostkey_algs, sizeof(o->hostkey_algs), "%s", optarg); break;
		case OPT_CIPHERS: snprintf(o->ciphers, sizeof(o->ciphers), "%s", optarg); break;
		case OPT_MACS: snprintf(o->macs, sizeof(o->macs), "%s", optarg); break;
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
		case OPT_CRYPTO_OFFLOAD:
			if (kssh_crypto_offload_parse(optarg, &o->crypto_offload, &o->crypto_offload_required) != 0) {
				fprintf(stderr, "ksshd: crypto-offload '%s': must be none, af-alg, af-alg-required, kernel or auto\n",
				        optarg);
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
			o->rekey_volume_mb = (unsigned)v;
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
		case 'V':
			kssh_print_version("ksshd", stdout);
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

int main(int argc, char **argv)
{
	static struct sshd_options o = { .state_dir = "/etc/kssh", .pam_service = "kssh",
	                                 .control_path = KSSHD_CONTROL_SOCKET };
	struct sigaction sa = { 0 };
	int r;

	if (argc > 1 && strcmp(argv[1], "--session") == 0)
		return sshd_session_main(argc, argv); /* one connection's process (session_exec.c) */
	sshd_config_defaults(&o);
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
	if (o.test_config) { /* -t: the configuration is good; here it is as running-config */
		sshd_config_print(&o, NULL, stdout);
		return 0;
	}
	if (o.n_listen == 0) {
		o.listen[o.n_listen++] = "0.0.0.0";
		o.listen[o.n_listen++] = "::";
	}
	if (o.control_path != NULL && *o.control_path == 0)
		o.control_path = NULL;
	kssh_log_open("ksshd", o.log_stderr || (o.foreground && !kssh_log_stderr_is_journal()), 1, o.debug ? LOG_DEBUG : LOG_INFO);
	if (sshd_load_host_keys(&o) != 0 || sandbox_dir() != 0)
		return 1;
	if (sshd_config_store_init(&o) != 0)
		kssh_log(LOG_WARNING, "%s.commits: cannot start the commit history: %s", o.config_file, strerror(errno));
	signal(SIGPIPE, SIG_IGN);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, NULL);
	if (!o.foreground && daemon(0, 0) != 0) {
		kssh_log(LOG_ERR, "daemon: %s", strerror(errno));
		return 1;
	}
	r = sshd_listener_run(&o);
	sshd_free_host_keys(&o);
	return r;
}
