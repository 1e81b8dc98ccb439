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
#include "ssh.h"

#define RUN_SESSION 1

static void usage(void)
{
	fprintf(stderr,
	        "usage: kssh [-vBtTN] [-p port] [-l user] [-i identity] [-c cipher_list] [-m mac_list]\n"
	        "            [-L [bind:]port:host:hostport] [-o Option=value]... [user@]host [command]\n"
	        "       kssh host [port N] [username U] [cipher C] [command \"...\"]\n"
	        "            [source-interface IF]\n"
	        "options: Port User Ciphers MACs KexAlgorithms HostKeyAlgorithms IdentityFile\n"
	        "         IdentitiesOnly IdentityAgent PreferredAuthentications (the spec's auth-method)\n"
	        "         PasswordAuthentication PubkeyAuthentication KbdInteractiveAuthentication\n"
	        "         NumberOfPasswordPrompts LocalForward\n"
	        "         UserKnownHostsFile StrictHostKeyChecking BatchMode ConnectTimeout\n"
	        "         RekeyLimit (\"SIZE[K|M|G] [TIME[s|m|h]]\", as OpenSSH)\n"
	        "         KsshTestRekeys KsshTestPings (diagnostics)\n");
}

/* "1K", "512M", "default"; units is "KMG" (x1024) or "smh" (seconds) */
static int parse_scaled(const char *s, const char *units, const uint64_t *scale, uint64_t max,
                        uint64_t *out)
{
	char *end;
	unsigned long long v;
	const char *u;

	if (strncmp(s, "default", 7) == 0 || strncmp(s, "none", 4) == 0) {
		*out = 0;
		return 0;
	}
	v = strtoull(s, &end, 10);
	if (end == s)
		return -1;
	if (*end != 0 && *end != ' ') {
		if ((u = strchr(units, *end)) == NULL || *u == 0)
			return -1;
		v *= scale[u - units];
		end++;
	}
	if ((*end != 0 && *end != ' ') || v == 0 || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_rekey_limit(struct client_options *o, const char *v)
{
	static const uint64_t size_scale[] = { 1024, 1024 * 1024, 1024 * 1024 * 1024 };
	static const uint64_t time_scale[] = { 1, 60, 3600 };
	const char *space = strchr(v, ' ');
	uint64_t bytes, seconds = 0;

	if (parse_scaled(v, "KMG", size_scale, 1ull << 42, &bytes) != 0 ||
	    (space != NULL && parse_scaled(space + strspn(space, " "), "smh", time_scale,
	                                   86400 * 7, &seconds) != 0) ||
	    (bytes != 0 && bytes < 16)) {
		fprintf(stderr, "kssh: RekeyLimit '%s': want SIZE[K|M|G] [TIME[s|m|h]], "
		                "size at least 16 bytes\n", v);
		return -1;
	}
	o->rekey_bytes = bytes;
	o->rekey_seconds = (uint32_t)seconds;
	return 0;
}

/* -L [bind:]port:host:hostport, IPv6 addresses in brackets */
static int parse_forward(struct client_options *o, const char *spec)
{
	char f[4][256] = { "", "", "", "" };
	int n = 0;
	struct local_forward *lf;

	for (const char *p = spec; *p && n < 4; n++) {
		size_t len;

		if (*p == '[') {
			len = strcspn(++p, "]");
			snprintf(f[n], sizeof(f[n]), "%.*s", (int)len, p);
			p += len + (p[len] == ']');
		} else {
			len = strcspn(p, ":");
			snprintf(f[n], sizeof(f[n]), "%.*s", (int)len, p);
			p += len;
		}
		if (*p == ':')
			p++;
		else if (*p != 0)
			n = 5;
	}
	if ((n != 3 && n != 4) || o->n_forwards == MAX_FORWARDS) {
		fprintf(stderr, "kssh: bad forwarding specification '%s'\n", spec);
		return -1;
	}
	lf = &o->forwards[o->n_forwards];
	snprintf(lf->bind, sizeof(lf->bind), "%.63s", n == 4 ? f[0] : "");
	lf->port = (unsigned)atoi(f[n - 3]);
	snprintf(lf->host, sizeof(lf->host), "%s", f[n - 2]);
	lf->host_port = (unsigned)atoi(f[n - 1]);
	if (lf->port == 0 || lf->port > 65535 || lf->host_port == 0 || lf->host_port > 65535) {
		fprintf(stderr, "kssh: bad forwarding specification '%s'\n", spec);
		return -1;
	}
	o->n_forwards++;
	return 0;
}

static int add_identity(struct client_options *o, const char *path)
{
	if (o->n_identities == MAX_IDENTITIES) {
		fprintf(stderr, "kssh: at most %d identity files\n", MAX_IDENTITIES);
		return -1;
	}
	o->identities[o->n_identities++] = path;
	return 0;
}

/* "no" for a method removes it from the order */
static void drop_method(struct client_options *o, const char *method)
{
	const char *cursor = o->auth_methods ? o->auth_methods : "publickey,keyboard-interactive,password";
	char name[64];

	o->auth_methods_buf[0] = 0;
	while (kssh_list_next(&cursor, name, sizeof(name)))
		if (strcmp(name, method) != 0)
			kssh_list_append(o->auth_methods_buf, sizeof(o->auth_methods_buf), name);
	o->auth_methods = o->auth_methods_buf;
}

static int set_option(struct client_options *o, const char *opt)
{
	const char *eq = strchr(opt, '=');
	char key[64];
	const char *v;

	if (eq == NULL || eq == opt || (size_t)(eq - opt) >= sizeof(key)) {
		fprintf(stderr, "kssh: option '%s' must be Name=value\n", opt);
		return -1;
	}
	snprintf(key, sizeof(key), "%.*s", (int)(eq - opt), opt);
	v = eq + 1;
	if (strcasecmp(key, "Port") == 0)
		o->port = (unsigned)atoi(v);
	else if (strcasecmp(key, "User") == 0)
		o->user = v;
	else if (strcasecmp(key, "Ciphers") == 0)
		o->ciphers = v;
	else if (strcasecmp(key, "MACs") == 0)
		o->macs = v;
	else if (strcasecmp(key, "KexAlgorithms") == 0)
		o->kex_algs = v;
	else if (strcasecmp(key, "HostKeyAlgorithms") == 0)
		o->hostkey_algs = v;
	else if (strcasecmp(key, "UserKnownHostsFile") == 0)
		snprintf(o->known_hosts, sizeof(o->known_hosts), "%s", v);
	else if (strcasecmp(key, "BatchMode") == 0)
		o->batch = strcasecmp(v, "yes") == 0;
	else if (strcasecmp(key, "ConnectTimeout") == 0)
		o->connect_timeout = (unsigned)atoi(v);
	else if (strcasecmp(key, "RekeyLimit") == 0)
		return parse_rekey_limit(o, v);
	else if (strcasecmp(key, "IdentityFile") == 0)
		return add_identity(o, v);
	else if (strcasecmp(key, "IdentitiesOnly") == 0)
		o->identities_only = strcasecmp(v, "yes") == 0;
	else if (strcasecmp(key, "IdentityAgent") == 0)
		o->use_agent = strcasecmp(v, "none") != 0;
	else if (strcasecmp(key, "PreferredAuthentications") == 0) {
		snprintf(o->auth_methods_buf, sizeof(o->auth_methods_buf), "%s", v);
		o->auth_methods = o->auth_methods_buf;
	} else if (strcasecmp(key, "PasswordAuthentication") == 0) {
		if (strcasecmp(v, "no") == 0)
			drop_method(o, "password");
	} else if (strcasecmp(key, "PubkeyAuthentication") == 0) {
		if (strcasecmp(v, "no") == 0)
			drop_method(o, "publickey");
	} else if (strcasecmp(key, "KbdInteractiveAuthentication") == 0) {
		if (strcasecmp(v, "no") == 0)
			drop_method(o, "keyboard-interactive");
	} else if (strcasecmp(key, "NumberOfPasswordPrompts") == 0)
		o->password_prompts = (unsigned)atoi(v);
	else if (strcasecmp(key, "LocalForward") == 0) {
		char spec[600];

		/* the config form "port host:hostport" */
		snprintf(spec, sizeof(spec), "%s", v);
		for (char *p = spec; *p; p++)
			if (*p == ' ')
				*p = ':';
		return parse_forward(o, spec);
	}
	else if (strcasecmp(key, "KsshTestPings") == 0)
		o->test_pings = (unsigned)atoi(v);
	else if (strcasecmp(key, "KsshTestRekeys") == 0)
		o->test_rekeys = (unsigned)atoi(v);
	else if (strcasecmp(key, "StrictHostKeyChecking") == 0) {
		if (strcasecmp(v, "yes") == 0)
			o->strict = STRICT_YES;
		else if (strcasecmp(v, "no") == 0 || strcasecmp(v, "off") == 0)
			o->strict = STRICT_NO;
		else if (strcasecmp(v, "accept-new") == 0)
			o->strict = STRICT_ACCEPT_NEW;
		else if (strcasecmp(v, "ask") == 0)
			o->strict = STRICT_ASK;
		else {
			fprintf(stderr, "kssh: StrictHostKeyChecking '%s': yes, no, ask or accept-new\n", v);
			return -1;
		}
	} else {
		fprintf(stderr, "kssh: unknown option '%s'\n", key);
		return -1;
	}
	return 0;
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

	while ((c = getopt(argc, argv, "+vBtTNp:l:i:c:m:o:L:h")) != -1) {
		switch (c) {
		case 't': o->tty_mode = o->tty_mode >= 1 ? 2 : 1; break;
		case 'T': o->tty_mode = -1; break;
		case 'N': o->no_command = 1; break;
		case 'i':
			if (add_identity(o, optarg) != 0)
				return -1;
			break;
		case 'L':
			if (parse_forward(o, optarg) != 0)
				return -1;
			break;
		case 'v': o->verbose++; break;
		case 'B': o->batch = 1; break;
		case 'p': o->port = (unsigned)atoi(optarg); break;
		case 'l': o->user = optarg; break;
		case 'c': o->ciphers = optarg; break;
		case 'm': o->macs = optarg; break;
		case 'o':
			if (set_option(o, optarg) != 0)
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

static int check_lists(struct client_options *o)
{
	const char *given[4] = { o->kex_algs, o->hostkey_algs, o->ciphers, o->macs };
	char err[4096];

	for (int k = 0; k < 4; k++) {
		/* on the command line, naming an insecure algorithm enables it */
		if (given[k] && kssh_alg_check_list((enum kssh_alg_kind)k, given[k], ~0u, err,
		                                    sizeof(err)) != 0) {
			fprintf(stderr, "kssh: %s\n", err);
			return -1;
		}
	}
	client_order_hostkey_algs(o, o->hostkey_algs ? o->hostkey_algs : KSSH_DEFAULT_HOSTKEY);
	return 0;
}

static int connect_to(const struct client_options *o)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[16];
	int fd = -1, r;

	snprintf(service, sizeof(service), "%u", o->port);
	if ((r = getaddrinfo(o->host, service, &hints, &res)) != 0) {
		fprintf(stderr, "kssh: Could not resolve hostname %s: %s\n", o->host, gai_strerror(r));
		return -1;
	}
	/* the spec: IPv6 first when a name has both */
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
			if ((ai->ai_family == AF_INET6) != (pass == 0))
				continue;
			if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
				continue;
			/* the spec's source-interface: leave through this interface */
			if (o->source_interface != NULL &&
			    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->source_interface,
			               (socklen_t)strlen(o->source_interface)) != 0) {
				fprintf(stderr, "kssh: source-interface %s: %s\n", o->source_interface,
				        strerror(errno));
				close(fd);
				fd = -1;
				break;
			}
			if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
				if (o->verbose)
					fprintf(stderr, "debug1: connect to %s port %u: %s\n", o->host, o->port,
					        strerror(errno));
				close(fd);
				fd = -1;
			}
		}
	}
	freeaddrinfo(res);
	if (fd < 0)
		fprintf(stderr, "kssh: connect to host %s port %u: %s\n", o->host, o->port, strerror(errno));
	return fd;
}

static void report_kex(const struct client_options *o, struct kssh_transport *t)
{
	struct kssh_transport_info i;

	if (!o->verbose)
		return;
	kssh_transport_get_info(t, &i);
	fprintf(stderr, "debug1: Remote protocol version: %s\n", i.peer_version);
	fprintf(stderr, "debug1: kex: algorithm: %s\n", i.kex);
	fprintf(stderr, "debug1: kex: host key algorithm: %s\n", i.hostkey);
	fprintf(stderr, "debug1: kex: server->client cipher: %s MAC: %s\n", i.cipher_in, i.mac_in);
	fprintf(stderr, "debug1: kex: client->server cipher: %s MAC: %s\n", i.cipher_out, i.mac_out);
	fprintf(stderr, "debug1: kex: strict kex %s; exchanges completed: %u\n",
	        i.strict_kex ? "on" : "off", i.kex_count);
}

static int send_string_msg(struct kssh_transport *t, uint8_t type, const char *s)
{
	struct kssh_buf *b = kssh_transport_begin(t, type);

	if (b == NULL || kssh_buf_put_cstring(b, s) != 0)
		return KSSH_ERR_ALLOC;
	return kssh_transport_send(t);
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

static int run(struct client_options *o, struct kssh_conn *c)
{
	struct kssh_buf payload;
	uint8_t type;
	int r;

	if ((r = conn_wait_ready(c)) != 0)
		return r;
	report_kex(o, c->t);
	if ((r = send_string_msg(c->t, SSH_MSG_SERVICE_REQUEST, "ssh-userauth")) != 0 ||
	    (r = conn_next_message(c, &type, &payload)) != 0)
		return r;
	if (type != SSH_MSG_SERVICE_ACCEPT)
		return kssh_transport_fail(c->t, KSSH_ERR_PROTOCOL, "expected SERVICE_ACCEPT");
	if ((r = client_authenticate(o, c)) != 0) {
		kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "disconnected by user");
		conn_flush(c);
		return r;
	}
	for (unsigned i = 0; i < o->test_rekeys; i++) {
		struct kssh_transport_info info;

		/* rekey, then prove the session still carries messages both ways */
		if ((r = kssh_transport_rekey(c->t)) != 0 || (r = global_request_round_trip(c)) != 0)
			return r;
		kssh_transport_get_info(c->t, &info);
		fprintf(stderr, "kssh: rekey %u done: %u key exchanges, session intact\n", i + 1,
		        info.kex_count);
	}
	if (o->test_pings > 0 && (r = ping_rounds(c, o->test_pings)) != 0)
		return r;
	if ((o->test_rekeys || o->test_pings) && o->command == NULL) {
		kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "disconnected by user");
		conn_flush(c);
		return 0;
	}
	return RUN_SESSION;
}

/* Connects, runs the transport, authentication and the session; returns kssh's exit status. */
static int connect_and_run(struct client_options *o)
{
	struct kssh_transport_config cfg = {
		.kex_algs = o->kex_algs, .hostkey_algs = o->hostkey_list, .ciphers = o->ciphers,
		.macs = o->macs, .rekey_bytes = o->rekey_bytes, .rekey_seconds = o->rekey_seconds,
		.check_host_key = client_check_host_key, .check_arg = o, .log = kssh_log_callback,
		.log_arg = "debug: ",
	};
	struct kssh_conn c = { 0 };
	int fd, r, status;

	if ((fd = connect_to(o)) < 0)
		return EXIT_FAILURE_SSH;
	if ((c.t = kssh_transport_new(&cfg)) == NULL) {
		fprintf(stderr, "kssh: cannot set up the transport\n");
		close(fd);
		return EXIT_FAILURE_SSH;
	}
	c.fd = fd;
	r = run(o, &c);
	if (r == RUN_SESSION) {
		status = client_run_session(o, &c);
	} else {
		if (r != 0 && r != KSSH_ERR_NOT_FOUND)
			fprintf(stderr, "kssh: %s port %u: %s\n", o->host, o->port,
			        *kssh_transport_error(c.t) ? kssh_transport_error(c.t) : kssh_strerror(r));
		status = r == 0 ? 0 : EXIT_FAILURE_SSH;
	}
	kssh_transport_free(c.t);
	close(fd);
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
	if (parse_args(&o, argc, argv) == 0 && check_lists(&o) == 0) {
		if (o.user == NULL && (o.user = getenv("USER")) == NULL)
			o.user = "root";
		kssh_log_open("kssh", 1, 0, o.verbose > 1 ? LOG_DEBUG : LOG_WARNING);
		status = connect_and_run(&o);
	}
	free(o.command_joined);
	return status;
}
