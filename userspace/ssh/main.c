// SPDX-License-Identifier: MIT
/*
 * kssh: the client. Connects (IPv6 first when a name has both, as the spec
 * says), runs the transport with server authentication against known_hosts,
 * and requests the ssh-userauth service.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/transport.h"
#include "conn_io.h"
#include "kex/kex_internal.h"
#include "log.h"
#include "kssh/version.h"
#include "ssh.h"

#define RUN_SESSION 1

static void usage(void)
{
	fprintf(stderr,
	        "usage: kssh [-vABtTNV] [-p port] [-l user] [-i identity] [-c cipher_list] [-m mac_list]\n"
	        "            [-L [bind:]port:host:hostport] [-R [bind:]port:host:hostport] [-D [bind:]port]\n"
	        "            [-o Option=value]... [user@]host [command]\n"
	        "       kssh host [port N] [username U] [cipher C] [command \"...\"]\n"
	        "            [source-interface IF]\n"
	        "options: Port User Ciphers MACs KexAlgorithms HostKeyAlgorithms IdentityFile\n"
	        "         IdentitiesOnly IdentityAgent PreferredAuthentications (the spec's auth-method)\n"
	        "         PasswordAuthentication PubkeyAuthentication KbdInteractiveAuthentication\n"
	        "         NumberOfPasswordPrompts LocalForward RemoteForward DynamicForward\n"
	        "         ForwardAgent ExitOnForwardFailure\n"
	        "         UserKnownHostsFile StrictHostKeyChecking BatchMode ConnectTimeout\n"
	        "         RekeyLimit (\"SIZE[K|M|G] [TIME[s|m|h]]\", as OpenSSH)\n"
	        "         KsshTestRekeys KsshTestPings (diagnostics)\n");
}

/* OpenSSH sends the remaining words joined by spaces, for the remote shell to split */
static char *join_words(int n, char **w)
{
	size_t len = 1;
	char *out;

	for (int i = 0; i < n; i++)
		len += strlen(w[i]) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(out, " ");
		strcat(out, w[i]);
	}
	return out;
}

/* The spec's form: "kssh HOST port N username U cipher C command "..." source-interface IF" */
static int parse_spec_words(struct client_options *o, int argc, char **argv, int i)
{
	static const char *words[] = { "port", "username", "cipher", "command", "source-interface" };
	int spec = 0;

	for (size_t k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		spec |= strcmp(argv[i], words[k]) == 0;
	if (!spec)
		return 1; /* an OpenSSH-style command */
	for (; i < argc; i += 2) {
		if (i + 1 >= argc) {
			fprintf(stderr, "kssh: '%s' needs a value\n", argv[i]);
			return -1;
		}
		if (strcmp(argv[i], "port") == 0)
			o->port = (unsigned)atoi(argv[i + 1]);
		else if (strcmp(argv[i], "username") == 0)
			o->user = argv[i + 1];
		else if (strcmp(argv[i], "cipher") == 0)
			o->ciphers = argv[i + 1];
		else if (strcmp(argv[i], "command") == 0)
			o->command = argv[i + 1];
		else if (strcmp(argv[i], "source-interface") == 0)
			o->source_interface = argv[i + 1];
		else
			return 1; /* not the spec's form: an OpenSSH-style command */
	}
	return 0;
}

static int parse_args(struct client_options *o, int argc, char **argv)
{
	char *at;
	int c, r;

	while ((c = getopt(argc, argv, "+vABtTNVp:l:i:c:m:o:L:R:D:h")) != -1) {
		switch (c) {
		case 't': o->tty_mode = o->tty_mode >= 1 ? 2 : 1; break;
		case 'T': o->tty_mode = -1; break;
		case 'N': o->no_command = 1; break;
		case 'i':
			if (client_add_identity(o, optarg) != 0)
				return -1;
			break;
		case 'L':
			if (client_parse_forward(o, optarg) != 0)
				return -1;
			break;
		case 'R':
			if (client_parse_remote_forward(o, optarg) != 0)
				return -1;
			break;
		case 'D':
			if (client_parse_dynamic_forward(o, optarg) != 0)
				return -1;
			break;
		case 'A': o->forward_agent = 1; break;
		case 'V': kssh_print_version("kssh", stdout); exit(0);
		case 'v': o->verbose++; break;
		case 'B': o->batch = 1; break;
		case 'p': o->port = (unsigned)atoi(optarg); break;
		case 'l': o->user = optarg; break;
		case 'c': o->ciphers = optarg; break;
		case 'm': o->macs = optarg; break;
		case 'o':
			if (client_set_option(o, optarg) != 0)
				return -1;
			break;
		default:
			usage();
			return -1;
		}
	}
	if (optind >= argc) {
		usage();
		return -1;
	}
	o->host = argv[optind++];
	if ((at = strrchr(o->host, '@')) != NULL) {
		*at = 0;
		o->user = o->host;
		o->host = at + 1;
	}
	if (optind < argc && (r = parse_spec_words(o, argc, argv, optind)) != 0) {
		if (r < 0)
			return -1;
		o->command = o->command_joined = join_words(argc - optind, argv + optind);
	}
	if (o->port == 0 || o->port > 65535) {
		fprintf(stderr, "kssh: bad port\n");
		return -1;
	}
	return 0;
}

/* keepalive@openssh.com with want-reply: any answer proves the path works both ways */
static int global_request_round_trip(struct kssh_conn *c)
{
	struct kssh_buf *b = kssh_transport_begin(c->t, SSH_MSG_GLOBAL_REQUEST), payload;
	uint8_t type;
	int r;

	if (b == NULL || kssh_buf_put_cstring(b, "keepalive@openssh.com") != 0 ||
	    kssh_buf_put_u8(b, 1) != 0)
		return KSSH_ERR_ALLOC;
	if ((r = kssh_transport_send(c->t)) != 0)
		return r;
	do {
		if ((r = conn_next_message(c, &type, &payload)) != 0)
			return r;
	} while (type == SSH_MSG_GLOBAL_REQUEST);
	return type == 81 || type == 82 ? 0
	       : kssh_transport_fail(c->t, KSSH_ERR_PROTOCOL, "unexpected reply to global request");
}

/* Round trips spread over time, so that RekeyLimit's volume and time triggers both fire. */
static int ping_rounds(struct kssh_conn *c, unsigned n)
{
	struct kssh_transport_info info;
	int r;

	for (unsigned i = 0; i < n; i++) {
		if ((r = global_request_round_trip(c)) != 0)
			return r;
		usleep(100 * 1000);
	}
	kssh_transport_get_info(c->t, &info);
	fprintf(stderr, "kssh: %u requests answered; %u key exchanges\n", n, info.kex_count);
	return 0;
}

/* Diagnostics for the tests: rekeys and pings in the authenticated connection */
static int test_rounds(struct client_options *o, struct kssh_conn *c)
{
	int r;

	for (unsigned i = 0; i < o->test_rekeys; i++) {
		struct kssh_transport_info info;

		/* rekey, then prove the session still carries messages both ways */
		if ((r = kssh_transport_rekey(c->t)) != 0 || (r = global_request_round_trip(c)) != 0)
			return r;
		kssh_transport_get_info(c->t, &info);
		fprintf(stderr, "kssh: rekey %u done: %u key exchanges, session intact\n", i + 1,
		        info.kex_count);
	}
	return o->test_pings > 0 ? ping_rounds(c, o->test_pings) : 0;
}

static int connect_and_run(struct client_options *o)
{
	struct kssh_conn c;
	int r, status;

	if ((r = client_connect(o, &c)) != 0) {
		client_close(&c);
		return EXIT_FAILURE_SSH;
	}
	if ((r = test_rounds(o, &c)) != 0) {
		fprintf(stderr, "kssh: %s\n", *kssh_transport_error(c.t) ? kssh_transport_error(c.t)
		                                                        : kssh_strerror(r));
		status = EXIT_FAILURE_SSH;
	} else if ((o->test_rekeys || o->test_pings) && o->command == NULL) {
		status = 0;
	} else {
		status = client_run_session(o, &c);
	}
	client_close(&c);
	return status;
}

int main(int argc, char **argv)
{
	struct client_options o = { .port = 22, .strict = STRICT_ASK, .connect_timeout = 30,
	                            .password_prompts = 3, .use_agent = 1 };
	const char *home = getenv("HOME");
	int status = EXIT_FAILURE_SSH;

	signal(SIGPIPE, SIG_IGN);
	snprintf(o.known_hosts, sizeof(o.known_hosts), "%s/.ssh/known_hosts", home ? home : ".");
	client_read_config(&o);
	if (parse_args(&o, argc, argv) == 0 && client_check_lists(&o) == 0) {
		if (o.user == NULL && (o.user = getenv("USER")) == NULL)
			o.user = "root";
		kssh_log_open("kssh", 1, 0, o.verbose > 1 ? LOG_DEBUG : LOG_WARNING);
		status = connect_and_run(&o);
	}
	free(o.command_joined);
	return status;
}
