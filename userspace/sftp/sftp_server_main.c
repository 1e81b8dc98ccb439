// SPDX-License-Identifier: MIT
/*
 * ksftp-server: the SFTP server on stdin/stdout, for any SSH server's
 * "Subsystem sftp" line and for OpenSSH's `sftp -D`, taking OpenSSH
 * sftp-server(8)'s options. ksshd itself serves SFTP in-process and does
 * not use this program.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "kssh/version.h"
#include "kssh/err.h"
#include "kssh/sftp.h"

#define OUTPUT_HIGH (4u * 1024 * 1024)

static void usage(void)
{
	fprintf(stderr,
	        "usage: ksftp-server [-ehRV] [-d start_directory] [-f log_facility] [-l log_level]\n"
	        "                    [-P denied_requests] [-p allowed_requests] [-u umask]\n"
	        "                    [-r root_directory]\n"
	        "       ksftp-server -Q protocol_feature\n"
	        "  -d  start here (%%d or %%h the home directory, %%u the user name, %%%% a percent sign)\n"
	        "  -e  log to stderr instead of syslog      -f  syslog facility (AUTH, DAEMON, USER, LOCAL0-7)\n"
	        "  -l  QUIET, FATAL, ERROR (default), INFO, VERBOSE, DEBUG, DEBUG1-3\n"
	        "  -p / -P  comma-separated requests to allow / deny (names as -Q requests prints)\n"
	        "  -R  read-only: refuse every request that would change a file\n"
	        "  -r  every path resolves inside this directory, which the client sees as /\n"
	        "  -u  umask for created files (octal)\n");
}

/* sftp-server's -l levels: what reaches the log */
static int log_threshold = LOG_ERR, log_to_stderr;

static void log_line(void *arg, int priority, const char *line)
{
	(void)arg;
	if (priority > log_threshold)
		return;
	if (log_to_stderr)
		fprintf(stderr, "ksftp-server[%d]: %s\n", (int)getpid(), line);
	else
		syslog(priority, "%s", line);
}

static int parse_level(const char *v)
{
	static const struct { const char *name; int priority; } levels[] = {
		{ "QUIET", -1 }, { "FATAL", LOG_CRIT }, { "ERROR", LOG_ERR }, { "INFO", LOG_INFO },
		{ "VERBOSE", LOG_INFO }, { "DEBUG", LOG_DEBUG }, { "DEBUG1", LOG_DEBUG },
		{ "DEBUG2", LOG_DEBUG }, { "DEBUG3", LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (strcasecmp(v, levels[i].name) == 0) {
			log_threshold = levels[i].priority;
			return 0;
		}
	return -1;
}

static int parse_facility(const char *v)
{
	static const struct { const char *name; int facility; } facilities[] = {
		{ "DAEMON", LOG_DAEMON }, { "USER", LOG_USER }, { "AUTH", LOG_AUTH }, { "AUTHPRIV", LOG_AUTHPRIV },
		{ "LOCAL0", LOG_LOCAL0 }, { "LOCAL1", LOG_LOCAL1 }, { "LOCAL2", LOG_LOCAL2 }, { "LOCAL3", LOG_LOCAL3 },
		{ "LOCAL4", LOG_LOCAL4 }, { "LOCAL5", LOG_LOCAL5 }, { "LOCAL6", LOG_LOCAL6 }, { "LOCAL7", LOG_LOCAL7 },
	};

	for (size_t i = 0; i < sizeof(facilities) / sizeof(facilities[0]); i++)
		if (strcasecmp(v, facilities[i].name) == 0)
			return facilities[i].facility;
	return -1;
}

/* -d's tokens: %d (and %h) the home directory, %u the user, %% a percent sign */
static int expand_tokens(const char *in, const char *home, const char *user, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = in; *p; p++) {
		const char *add = NULL;
		char one[2] = { *p, 0 };

		if (*p == '%') {
			p++;
			add = *p == 'd' || *p == 'h' ? home : *p == 'u' ? user : *p == '%' ? "%" : NULL;
			if (add == NULL)
				return -1;
		} else {
			add = one;
		}
		if (n + strlen(add) >= len)
			return -1;
		memcpy(out + n, add, strlen(add));
		n += strlen(add);
	}
	out[n] = 0;
	return 0;
}

static int write_all(int fd, struct kssh_buf *out)
{
	while (kssh_buf_len(out) > 0) {
		ssize_t n = write(fd, kssh_buf_ptr(out), kssh_buf_len(out));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		kssh_buf_consume(out, (size_t)n);
	}
	kssh_buf_reset(out);
	return 0;
}

static int serve(struct sftp_server *srv)
{
	struct kssh_buf *in = sftp_server_input(srv), *out = sftp_server_output(srv);

	for (;;) {
		size_t room;
		uint8_t *dst;
		ssize_t n;
		int r;

		size_t before;

		/* answer everything complete before waiting for more: the client may be waiting too */
		do {
			before = kssh_buf_len(in);
			if ((r = sftp_server_process(srv, OUTPUT_HIGH)) != 0) {
				fprintf(stderr, "ksftp-server: %s\n", kssh_strerror(r));
				return 1;
			}
			if (write_all(1, out) != 0)
				return 1;
		} while (kssh_buf_len(in) < before);
		room = in->max - kssh_buf_len(in);
		if (room > 65536)
			room = 65536;
		if (room == 0 || kssh_buf_reserve(in, room, &dst) != 0)
			return 1;
		n = read(0, dst, room);
		kssh_buf_consume_end(in, n > 0 ? room - (size_t)n : room);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 1;
	}
}

int main(int argc, char **argv)
{
	struct passwd *pw = getpwuid(getuid());
	struct sftp_server_config cfg = { .home = pw ? pw->pw_dir : "/", .user = pw ? pw->pw_name : "" };
	struct sftp_server *srv;
	const char *start = NULL;
	char start_buf[4096], bad[64];
	int c, r, facility = LOG_AUTH;
	const char *client;

	while ((c = getopt(argc, argv, "ehRVd:r:f:l:p:P:Q:u:")) != -1) {
		switch (c) {
		case 'R': cfg.read_only = 1; break;
		case 'd': start = optarg; break;
		case 'r': cfg.root = optarg; break;
		case 'e': log_to_stderr = 1; break;
		case 'f':
			if ((facility = parse_facility(optarg)) < 0) {
				fprintf(stderr, "ksftp-server: unsupported log facility \"%s\"\n", optarg);
				return 1;
			}
			break;
		case 'l':
			if (parse_level(optarg) != 0) {
				fprintf(stderr, "ksftp-server: unsupported log level \"%s\"\n", optarg);
				return 1;
			}
			break;
		case 'p':
		case 'P':
			if (sftp_request_list_check(optarg, bad, sizeof(bad)) != 0) {
				fprintf(stderr, "ksftp-server: unknown request \"%s\" in -%c (see -Q requests)\n", bad, c);
				return 1;
			}
			if (c == 'p')
				cfg.allow_requests = optarg;
			else
				cfg.deny_requests = optarg;
			break;
		case 'Q':
			if (strcmp(optarg, "requests") != 0) {
				fprintf(stderr, "ksftp-server: invalid query type \"%s\"\n", optarg);
				return 1;
			}
			for (const char *const *n = sftp_request_names(); *n != NULL; n++)
				printf("%s\n", *n);
			return 0;
		case 'u': {
			char *end;
			unsigned long mask = strtoul(optarg, &end, 8);

			if (*end != 0 || *optarg == 0 || mask > 0777) {
				fprintf(stderr, "ksftp-server: invalid umask \"%s\"\n", optarg);
				return 1;
			}
			umask((mode_t)mask);
			break;
		}
		case 'h': usage(); return 0;
		case 'V': kssh_print_version("ksftp-server", stdout); return 0;
		default: usage(); return 1;
		}
	}
	if (optind < argc) {
		usage();
		return 1;
	}
	if (!log_to_stderr)
		openlog("ksftp-server", LOG_PID, facility);
	cfg.log = log_line;
	cfg.log_max = log_threshold;
	if (start != NULL) {
		if (expand_tokens(start, cfg.home, cfg.user, start_buf, sizeof(start_buf)) != 0) {
			fprintf(stderr, "ksftp-server: -d %s: bad token or too long\n", start);
			return 1;
		}
		cfg.start = start_buf;
	}
	signal(SIGPIPE, SIG_IGN);
	/* relative paths start where the SSH server started us (the home, for OpenSSH's sshd) */
	if (cfg.start == NULL)
		cfg.start = ".";
	if (access(cfg.start, X_OK) != 0) {
		fprintf(stderr, "ksftp-server: %s: %s\n", cfg.start, strerror(errno));
		return 1;
	}
	if ((srv = sftp_server_new(&cfg)) == NULL) {
		fprintf(stderr, "ksftp-server: root directory %s: %s\n", cfg.root ? cfg.root : "/", strerror(errno));
		return 1;
	}
	client = getenv("SSH_CLIENT");
	{
		char addr[64] = "UNKNOWN";

		if (client != NULL)
			snprintf(addr, sizeof(addr), "%.*s", (int)strcspn(client, " "), client);
		if (log_threshold >= LOG_INFO) {
			char line[256];

			snprintf(line, sizeof(line), "session opened for local user %s from [%s]", cfg.user, addr);
			log_line(NULL, LOG_INFO, line);
		}
	}
	r = serve(srv);
	sftp_server_free(srv);
	if (log_threshold >= LOG_INFO) {
		char line[256];

		snprintf(line, sizeof(line), "session closed for local user %s", cfg.user);
		log_line(NULL, LOG_INFO, line);
	}
	return r;
}
