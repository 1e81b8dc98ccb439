// SPDX-License-Identifier: MIT
/*
 * ksshctl: the spec's show commands. The LPTS commands read the data plane's
 * pinned maps directly, so they work whether ksshd or `ksshctl lpts
 * configure` loaded the programs:
 *   ksshctl lpts configure [FILE|-]      validate every line, then load and attach
 *   ksshctl lpts remove                  detach everywhere, remove the pinned maps
 *   ksshctl lpts register|unregister PEER PEER_PORT LOCAL LOCAL_PORT
 *   ksshctl show lpts pifib hardware police [--json]
 *   ksshctl show lpts flows [--json]
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kssh/version.h"
#include "lpts.h"

#define CONTROL_DEFAULT "/run/kssh/ksshd.sock"

static void usage(void)
{
	fprintf(stderr,
	        "usage: ksshctl [-s SOCKET] configure [FILE|-]\n"
	        "       ksshctl [-s SOCKET] show running-config [ssh]\n"
	        "       ksshctl [-s SOCKET] show ssh [session details | history [details] | server] [--json]\n"
	        "       ksshctl [-s SOCKET] show aaa servers [--json]\n"
	        "       ksshctl [-s SOCKET] show tech-support ssh\n"
	        "       ksshctl [-s SOCKET] show configuration commit list | changes ID\n"
	        "       ksshctl [-s SOCKET] rollback configuration last N | to ID\n"
	        "       ksshctl [-s SOCKET] show crypto key mypubkey [rsa|dsa|ecdsa|ed25519] [--json]\n"
	        "       ksshctl [-s SOCKET] crypto key generate|zeroize rsa|dsa|ecdsa [nistp256|nistp384|nistp521]|ed25519\n"
	        "       (the daemon's socket: -s, or $KSSH_CONTROL, or " CONTROL_DEFAULT ")\n"
	        "       ksshctl lpts configure [FILE|-]\n"
	        "       ksshctl lpts remove\n"
	        "       ksshctl lpts register|unregister PEER-ADDRESS PEER-PORT LOCAL-ADDRESS LOCAL-PORT\n"
	        "       ksshctl show lpts pifib hardware police [--json]\n"
	        "       ksshctl show lpts flows [--json]\n");
}

/* Every line validated first; nothing is applied when one is bad */
static int lpts_configure(const char *file)
{
	FILE *f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
	struct lpts_settings s;
	char line[512], err[256];
	int lineno = 0, bad = 0;

	if (f == NULL) {
		fprintf(stderr, "ksshctl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	lpts_settings_init(&s);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (line[strspn(line, " \t")] == '#' || line[strspn(line, " \t")] == '!')
			continue;
		if (lpts_config_line(&s, line, err, sizeof(err)) < 0) {
			fprintf(stderr, "ksshctl: %s line %d: %s: %s\n", file, lineno, line, err);
			bad = 1;
		}
	}
	if (f != stdin)
		fclose(f);
	if (bad)
		return 1;
	if (s.n_ports == 0)
		s.ports[s.n_ports++] = 22;
	if (lpts_apply(&s, err, sizeof(err)) != 0) {
		fprintf(stderr, "ksshctl: %s\n", err);
		return 1;
	}
	return 0;
}

static int parse_endpoint(const char *addr, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	char *end;
	long p = strtol(port, &end, 10);

	memset(ss, 0, sizeof(*ss));
	if (*port == 0 || *end || p < 1 || p > 65535)
		return -1;
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		return 0;
	}
	return -1;
}

static int lpts_register(int add, char **argv)
{
	struct sockaddr_storage peer, local;

	if (parse_endpoint(argv[0], argv[1], &peer) != 0 || parse_endpoint(argv[2], argv[3], &local) != 0 ||
	    peer.ss_family != local.ss_family) {
		fprintf(stderr, "ksshctl: expected PEER-ADDRESS PEER-PORT LOCAL-ADDRESS LOCAL-PORT of one family\n");
		return 2;
	}
	if ((add ? lpts_known_add : lpts_known_del)((void *)&peer, (void *)&local) != 0) {
		fprintf(stderr, "ksshctl: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

/* "a.b.c.d,port" or "[v6],port" from a 16-byte address */
static void endpoint_text(const uint8_t a[16], uint16_t port_be, char *out, size_t len)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char text[INET6_ADDRSTRLEN];

	if (memcmp(a, mapped, 12) == 0) {
		inet_ntop(AF_INET, a + 12, text, sizeof(text));
		snprintf(out, len, "%s,%u", text, ntohs(port_be));
	} else {
		inet_ntop(AF_INET6, a, text, sizeof(text));
		snprintf(out, len, "[%s],%u", text, ntohs(port_be));
	}
}

static void header(void)
{
	char host[256] = "localhost";

	gethostname(host, sizeof(host) - 1);
	printf("-------------------------------------------------------------\n"
	       "                Node %s:\n"
	       "-------------------------------------------------------------\n", host);
}

static const char *const type_names[LPTS_FLOW_TYPES] = { "SSH-Default", "SSH-Known" };

static void ports_text(const struct lpts_config *c, char *out, size_t len)
{
	size_t n = 0;

	out[0] = 0;
	for (int i = 0; i < LPTS_MAX_PORTS; i++)
		if (c->ports[i] && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%u", n ? "," : "", ntohs(c->ports[i]));
}

static int show_police(int json)
{
	struct lpts_status st;
	char ports[64];

	if (lpts_status_read(&st) != 0) {
		fprintf(stderr, "ksshctl: reading %s: %s\n", lpts_pin_dir(), strerror(errno));
		return 1;
	}
	ports_text(&st.cfg, ports, sizeof(ports));
	if (json) {
		printf("{\"loaded\":%s,\"policing\":%s,\"ports\":[%s],\"dscp\":%u,\"marked_packets\":%llu,"
		       "\"per_source_rate_pps\":%u,\"per_source_burst\":%u,\"flow_types\":[",
		       st.loaded ? "true" : "false", st.cfg.police ? "true" : "false", ports, st.cfg.dscp,
		       (unsigned long long)st.marked, st.cfg.per_source_pps, st.cfg.per_source_burst);
		for (int t = LPTS_FLOW_KNOWN; t >= 0; t--) {
			const struct lpts_counters *c = &st.per_type[t];

			printf("%s{\"flow_type\":\"%s\",\"rate_pps\":%u,\"burst\":%u,\"accepted_packets\":%llu,"
			       "\"accepted_bytes\":%llu,\"dropped_packets\":%llu,\"dropped_bytes\":%llu}",
			       t == LPTS_FLOW_KNOWN ? "" : ",", type_names[t], st.cfg.rate[t].rate_pps,
			       st.cfg.rate[t].burst, (unsigned long long)c->accepted_packets,
			       (unsigned long long)c->accepted_bytes, (unsigned long long)c->dropped_packets,
			       (unsigned long long)c->dropped_bytes);
		}
		printf("]}\n");
		lpts_status_free(&st);
		return 0;
	}
	header();
	if (!st.loaded) {
		printf("LPTS data plane not loaded\n");
		return 0;
	}
	printf("Policing := %s    SSH ports := %s    DSCP := %u    Marked := %llu\n",
	       st.cfg.police ? "Enabled" : "Disabled", ports, st.cfg.dscp, (unsigned long long)st.marked);
	if (st.cfg.per_source_pps)
		printf("Per-source (SSH-Default) := %u pps, burst %u\n", st.cfg.per_source_pps, st.cfg.per_source_burst);
	printf("-------------------------------------------------------------\n");
	printf("%-12s %10s %8s %14s %16s %14s %16s\n", "FlowType", "Rate(pps)", "Burst", "Accepted", "Accepted(bytes)",
	       "Dropped", "Dropped(bytes)");
	for (int t = LPTS_FLOW_KNOWN; t >= 0; t--) {
		const struct lpts_counters *c = &st.per_type[t];

		printf("%-12s %10u %8u %14llu %16llu %14llu %16llu\n", type_names[t], st.cfg.rate[t].rate_pps,
		       st.cfg.rate[t].burst, (unsigned long long)c->accepted_packets,
		       (unsigned long long)c->accepted_bytes, (unsigned long long)c->dropped_packets,
		       (unsigned long long)c->dropped_bytes);
	}
	lpts_status_free(&st);
	return 0;
}

static int show_flows(int json)
{
	struct lpts_status st;
	struct timespec now;
	uint64_t now_ns;

	if (lpts_status_read(&st) != 0) {
		fprintf(stderr, "ksshctl: reading %s: %s\n", lpts_pin_dir(), strerror(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	if (json)
		printf("{\"loaded\":%s,\"flows\":[", st.loaded ? "true" : "false");
	else {
		header();
		printf("%-46s %-46s %12s %14s %10s %8s\n", "Remote-Address,Port", "Local-Address,Port", "Accepted",
		       "Accepted(bytes)", "Dropped", "Age(s)");
	}
	for (size_t i = 0; i < st.n_known; i++) {
		const struct lpts_known_entry *e = &st.known[i];
		char remote[80], local[80];
		unsigned long long age = now_ns > e->registered_ns ? (now_ns - e->registered_ns) / 1000000000ull : 0;

		endpoint_text(e->key.saddr, e->key.sport, remote, sizeof(remote));
		endpoint_text(e->key.daddr, e->key.dport, local, sizeof(local));
		if (json)
			printf("%s{\"remote\":\"%s\",\"local\":\"%s\",\"accepted_packets\":%llu,\"accepted_bytes\":%llu,"
			       "\"dropped_packets\":%llu,\"dropped_bytes\":%llu,\"age_seconds\":%llu}",
			       i ? "," : "", remote, local, (unsigned long long)e->c.accepted_packets,
			       (unsigned long long)e->c.accepted_bytes, (unsigned long long)e->c.dropped_packets,
			       (unsigned long long)e->c.dropped_bytes, age);
		else
			printf("%-46s %-46s %12llu %14llu %10llu %8llu\n", remote, local,
			       (unsigned long long)e->c.accepted_packets, (unsigned long long)e->c.accepted_bytes,
			       (unsigned long long)e->c.dropped_packets, age);
	}
	if (json)
		printf("]}\n");
	lpts_status_free(&st);
	return 0;
}

static int words_are(int argc, char **argv, const char *const *words, int n)
{
	if (argc < n)
		return 0;
	for (int i = 0; i < n; i++)
		if (strcmp(argv[i], words[i]) != 0)
			return 0;
	return 1;
}

/* One request to ksshd's control socket: the command words, then body; the reply's first line is ok or error */
static int control(const char *path, char **words, int n, int json, FILE *body, const char *body_name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[65536], *reply = NULL, *buf_reply;
	size_t len = 0, got;
	int fd, ok;
	FILE *req = open_memstream(&reply, &len);

	if (req == NULL)
		return 1;
	for (int i = 0; i < n; i++)
		fprintf(req, "%s%s", i ? " " : "", words[i]);
	fprintf(req, "%s\n", json ? " --json" : "");
	while (body && (got = fread(buf, 1, sizeof(buf), body)) > 0)
		fwrite(buf, 1, got, req);
	fclose(req);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "ksshctl: %s: %s (is ksshd running?)\n", path, strerror(errno));
		free(reply);
		return 1;
	}
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, reply + done, len - done);

		if (w <= 0) {
			fprintf(stderr, "ksshctl: %s: %s\n", path, strerror(errno));
			return 1;
		}
		done += (size_t)w;
	}
	free(reply);
	reply = NULL;
	shutdown(fd, SHUT_WR);
	/* the whole reply (show tech-support can be long), bounded */
	len = 0;
	for (size_t cap = 0;;) {
		ssize_t r;

		if (len + 4096 > cap) {
			char *bigger = cap >= (64u << 20) ? NULL : realloc(reply, cap = cap ? cap * 2 : 65536);

			if (bigger == NULL)
				break;
			reply = bigger;
		}
		if ((r = read(fd, reply + len, cap - len - 1)) <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (reply == NULL) {
		fprintf(stderr, "ksshctl: no reply from %s\n", path);
		return 1;
	}
	reply[len] = 0;
	buf_reply = reply;
	ok = strncmp(buf_reply, "ok\n", 3) == 0;
	if (!ok && strncmp(buf_reply, "error\n", 6) != 0) {
		fprintf(stderr, "ksshctl: no reply from %s\n", path);
		free(buf_reply);
		return 1;
	}
	if (ok || body_name == NULL) {
		fputs(buf_reply + (ok ? 3 : 6), ok ? stdout : stderr);
		free(buf_reply);
		return ok ? 0 : 1;
	}
	/* a refused configuration: each "line N: ..." names the file it came from */
	for (char *line = strtok(buf_reply + 6, "\n"); line; line = strtok(NULL, "\n"))
		fprintf(stderr, "ksshctl: %s%s%s\n", strncmp(line, "line ", 5) == 0 ? body_name : "",
		        strncmp(line, "line ", 5) == 0 ? " " : "", line);
	free(buf_reply);
	return 1;
}

int main(int argc, char **argv)
{
	static const char *const police[] = { "show", "lpts", "pifib", "hardware", "police" };
	static const char *const flows[] = { "show", "lpts", "flows" };
	int json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;
	const char *sock = getenv("KSSH_CONTROL") ? getenv("KSSH_CONTROL") : CONTROL_DEFAULT;
	char err[256];

	if (argc == 2 && strcmp(argv[1], "-V") == 0) {
		kssh_print_version("ksshctl", stdout);
		return 0;
	}

	argc -= json;
	if (argc >= 3 && strcmp(argv[1], "-s") == 0) {
		sock = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc >= 3 && strcmp(argv[1], "lpts") == 0 && strcmp(argv[2], "configure") == 0 && argc <= 4)
		return lpts_configure(argc == 4 ? argv[3] : "-");
	if (argc == 3 && strcmp(argv[1], "lpts") == 0 && strcmp(argv[2], "remove") == 0) {
		if (lpts_remove(err, sizeof(err)) != 0) {
			fprintf(stderr, "ksshctl: %s\n", err);
			return 1;
		}
		return 0;
	}
	if (argc == 7 && strcmp(argv[1], "lpts") == 0 &&
	    (strcmp(argv[2], "register") == 0 || strcmp(argv[2], "unregister") == 0))
		return lpts_register(strcmp(argv[2], "register") == 0, argv + 3);
	if (argc == 6 && words_are(argc - 1, argv + 1, police, 5))
		return show_police(json);
	if (argc == 4 && words_are(argc - 1, argv + 1, flows, 3))
		return show_flows(json);
	if (argc >= 2 && argc <= 3 && strcmp(argv[1], "configure") == 0) {
		FILE *f = argc == 3 && strcmp(argv[2], "-") != 0 ? fopen(argv[2], "r") : stdin;
		int r;

		if (f == NULL) {
			fprintf(stderr, "ksshctl: %s: %s\n", argv[2], strerror(errno));
			return 1;
		}
		r = control(sock, argv + 1, 1, 0, f, argc == 3 && strcmp(argv[2], "-") != 0 ? argv[2] : "stdin");
		if (f != stdin)
			fclose(f);
		return r;
	}
	if (argc >= 2 && (strcmp(argv[1], "show") == 0 || strcmp(argv[1], "crypto") == 0 ||
	                  strcmp(argv[1], "rollback") == 0))
		return control(sock, argv + 1, argc - 1, json, NULL, NULL);
	usage();
	return 2;
}
