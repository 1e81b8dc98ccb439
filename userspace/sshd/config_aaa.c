// SPDX-License-Identifier: MIT
/*
 * The AAA lines of the configuration language, as the spec's routers have them:
 *
 *   radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET   (up to 4, tried in order)
 *   radius-server timeout 1-1000 | retransmit 0-100 | deadtime 0-1440 (minutes)
 *   tacacs-server host ADDRESS [port N] key SECRET [single-connection] [tls]
 *   tacacs-server timeout 1-1000 | deadtime 0-1440 | tls trustpoint NAME
 *   aaa group server radius|tacacs+ NAME server ADDRESS     (one line a member, in order)
 *   aaa authentication login default|LIST METHOD...    group radius|tacacs+|NAME, local
 *   aaa authorization exec default|LIST METHOD...      group tacacs+|NAME, local, if-authenticated
 *   aaa accounting exec default|LIST start-stop METHOD... group radius|tacacs+|NAME
 *   line default login authentication | authorization exec | accounting exec LIST   (the list in force)
 *   aaa remote-user privilege 0-15 local-user ACCOUNT | default local-user ACCOUNT | allow-root
 *
 * The next method is tried only when the one before is unreachable; a reject is
 * final. Secrets are printed masked, except into the configuration file ksshd
 * saves (sshd_config_reveal_secrets), which must then be mode 0600.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sshd.h"

#define fail sshd_config_fail

int sshd_config_reveal_secrets;

static int number(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == 0 || *end != 0 || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int is_address(const char *s)
{
	uint8_t addr[16];

	return strlen(s) < 64 && (inet_pton(AF_INET, s, addr) == 1 || inet_pton(AF_INET6, s, addr) == 1);
}

static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 32 || strcmp(s, "radius") == 0 || strcmp(s, "tacacs+") == 0)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n;
}

static int cmd_radius_host(struct sshd_aaa *aaa, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_radius_host h = { .auth_port = 1812, .acct_port = 1813 };
	size_t i;
	int k;

	if (n < 3 || !is_address(w[2]))
		return fail(err, errlen, "want: radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET");
	for (i = 0; i < aaa->n_radius && strcmp(aaa->radius[i].addr, w[2]) != 0; i++)
		;
	if (no) {
		if (i == aaa->n_radius)
			return fail(err, errlen, "radius-server host %s is not configured", w[2]);
		memmove(&aaa->radius[i], &aaa->radius[i + 1], (aaa->n_radius - i - 1) * sizeof(aaa->radius[0]));
		aaa->n_radius--;
		return 0;
	}
	snprintf(h.addr, sizeof(h.addr), "%s", w[2]);
	for (k = 3; k + 1 < n && strcmp(w[k], "key") != 0; k += 2) {
		if ((strcmp(w[k], "auth-port") != 0 && strcmp(w[k], "acct-port") != 0) ||
		    number(w[k + 1], 1, 65535, w[k][1] == 'u' ? &h.auth_port : &h.acct_port) != 0)
			return fail(err, errlen, "radius-server host: '%s %s': want auth-port|acct-port 1-65535", w[k], w[k + 1]);
	}
	if (k + 2 != n || strcmp(w[k], "key") != 0 || strlen(w[k + 1]) >= sizeof(h.key))
		return fail(err, errlen, "want: radius-server host ADDRESS [auth-port N] [acct-port N] key SECRET "
		            "(the secret last, one word, under 128 characters)");
	snprintf(h.key, sizeof(h.key), "%s", w[k + 1]);
	if (i == aaa->n_radius) {
		if (aaa->n_radius == KSSHD_MAX_RADIUS)
			return fail(err, errlen, "at most %d radius-server hosts", KSSHD_MAX_RADIUS);
		aaa->n_radius++;
	}
	aaa->radius[i] = h;
	return 0;
}

static int cmd_tacacs_host(struct sshd_aaa *aaa, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_tacacs_host h = { .port = 0 };
	size_t i;
	int k = 3;

	if (n < 3 || !is_address(w[2]))
		return fail(err, errlen, "want: tacacs-server host ADDRESS [port N] key SECRET [single-connection] [tls]");
	for (i = 0; i < aaa->n_tacacs && strcmp(aaa->tacacs[i].addr, w[2]) != 0; i++)
		;
	if (no) {
		if (i == aaa->n_tacacs)
			return fail(err, errlen, "tacacs-server host %s is not configured", w[2]);
		memmove(&aaa->tacacs[i], &aaa->tacacs[i + 1], (aaa->n_tacacs - i - 1) * sizeof(aaa->tacacs[0]));
		aaa->n_tacacs--;
		return 0;
	}
	snprintf(h.addr, sizeof(h.addr), "%s", w[2]);
	if (k + 1 < n && strcmp(w[k], "port") == 0) {
		if (number(w[k + 1], 1, 65535, &h.port) != 0)
			return fail(err, errlen, "tacacs-server host: port %s: want 1-65535", w[k + 1]);
		k += 2;
	}
	if (k + 1 >= n || strcmp(w[k], "key") != 0 || strlen(w[k + 1]) >= sizeof(h.key))
		return fail(err, errlen, "want: tacacs-server host ADDRESS [port N] key SECRET [single-connection] [tls] "
		            "(the secret one word, under 128 characters)");
	snprintf(h.key, sizeof(h.key), "%s", w[k + 1]);
	for (k += 2; k < n; k++) {
		if (strcmp(w[k], "single-connection") == 0)
			h.single_connection = 1;
		else if (strcmp(w[k], "tls") == 0)
			h.tls = 1;
		else
			return fail(err, errlen, "tacacs-server host: '%s': want single-connection or tls", w[k]);
	}
	if (h.port == 0)
		h.port = h.tls ? 300 : 49; /* RFC 9887 7.1: TLS on 300 */
	if (i == aaa->n_tacacs) {
		if (aaa->n_tacacs == KSSHD_MAX_TACACS)
			return fail(err, errlen, "at most %d tacacs-server hosts", KSSHD_MAX_TACACS);
		aaa->n_tacacs++;
	}
	aaa->tacacs[i] = h;
	return 0;
}

/* "radius-server ..." and "tacacs-server ..." */
int sshd_cmd_aaa_server(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_aaa *aaa = &o->aaa;
	int tacacs = w[0][0] == 't';
	unsigned *v, min = 1, max = 1000, def = 5;

	if (n >= 2 && strcmp(w[1], "host") == 0)
		return tacacs ? cmd_tacacs_host(aaa, no, w, n, err, errlen) : cmd_radius_host(aaa, no, w, n, err, errlen);
	if (tacacs && n >= 3 && strcmp(w[1], "tls") == 0 && strcmp(w[2], "trustpoint") == 0) {
		if (no && n == 3) {
			aaa->tacacs_trustpoint[0] = 0;
			return 0;
		}
		if (n != 4 || !sshd_trustpoint_name_ok(w[3]))
			return fail(err, errlen, "want: tacacs-server tls trustpoint NAME");
		snprintf(aaa->tacacs_trustpoint, sizeof(aaa->tacacs_trustpoint), "%s", no ? "" : w[3]);
		return 0;
	}
	if (n >= 2 && strcmp(w[1], "timeout") == 0) {
		v = tacacs ? &aaa->tacacs_timeout : &aaa->radius_timeout;
	} else if (n >= 2 && strcmp(w[1], "deadtime") == 0) {
		v = tacacs ? &aaa->tacacs_deadtime : &aaa->radius_deadtime, min = 0, max = 1440, def = 0;
	} else if (!tacacs && n >= 2 && strcmp(w[1], "retransmit") == 0) {
		v = &aaa->radius_retransmit, min = 0, max = 100, def = 3;
	} else {
		return fail(err, errlen, tacacs ? "want: tacacs-server host | timeout | deadtime | tls trustpoint ..."
		                                : "want: radius-server host | timeout | retransmit | deadtime ...");
	}
	if (no) {
		*v = def;
		return 0;
	}
	if (n != 3 || number(w[2], min, max, v) != 0)
		return fail(err, errlen, "%s %s: %u to %u", w[0], w[1], min, max);
	return 0;
}

static int group_index(const struct sshd_aaa *aaa, const char *name)
{
	for (size_t i = 0; i < aaa->n_groups; i++)
		if (strcmp(aaa->groups[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int group_in_use(const struct sshd_aaa *aaa, size_t g)
{
	for (int k = 0; k < SSHD_AAA_KINDS; k++)
		for (size_t l = 0; l < KSSHD_MAX_AAA_LISTS; l++)
			for (size_t i = 0; i < aaa->lists[k][l].n; i++)
				if (aaa->lists[k][l].methods[i] == SSHD_AAA_GROUP + g)
					return 1;
	return 0;
}

/* "aaa group server radius|tacacs+ NAME server ADDRESS"; "no aaa group server KIND NAME [server ADDRESS]" */
static int cmd_group(struct sshd_aaa *aaa, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_aaa_group *g;
	int i, tacacs;

	if (n < 5 || strcmp(w[2], "server") != 0 || (strcmp(w[3], "radius") != 0 && strcmp(w[3], "tacacs+") != 0) ||
	    !name_ok(w[4]) || (n != 7 && !(no && n == 5)) || (n == 7 && (strcmp(w[5], "server") != 0 || !is_address(w[6]))))
		return fail(err, errlen, "want: aaa group server radius|tacacs+ NAME server ADDRESS");
	tacacs = w[3][0] == 't';
	i = group_index(aaa, w[4]);
	if (i >= 0 && aaa->groups[i].tacacs != tacacs)
		return fail(err, errlen, "aaa group server %s is a %s group", w[4], tacacs ? "radius" : "tacacs+");
	if (no) {
		size_t k;

		if (i < 0)
			return fail(err, errlen, "aaa group server %s is not defined", w[4]);
		g = &aaa->groups[i];
		if (n == 7) {
			for (k = 0; k < g->n_servers && strcmp(g->servers[k], w[6]) != 0; k++)
				;
			if (k == g->n_servers)
				return fail(err, errlen, "aaa group server %s has no server %s", w[4], w[6]);
			memmove(g->servers[k], g->servers[k + 1], (g->n_servers - k - 1) * sizeof(g->servers[0]));
			if (--g->n_servers > 0)
				return 0;
		}
		if (group_in_use(aaa, (size_t)i))
			return fail(err, errlen, "aaa group server %s is named by an aaa method list", w[4]);
		/* the lists name groups by index: those after this one move down */
		for (int kind = 0; kind < SSHD_AAA_KINDS; kind++)
			for (size_t l = 0; l < KSSHD_MAX_AAA_LISTS; l++) {
				struct sshd_aaa_list *list = &aaa->lists[kind][l];

				for (size_t m = 0; m < list->n; m++)
					list->methods[m] -= list->methods[m] > SSHD_AAA_GROUP + i;
			}
		memmove(g, g + 1, (aaa->n_groups - (size_t)i - 1) * sizeof(*g));
		aaa->n_groups--;
		return 0;
	}
	if (i < 0) {
		if (aaa->n_groups == KSSHD_MAX_AAA_GROUPS)
			return fail(err, errlen, "at most %d aaa group servers", KSSHD_MAX_AAA_GROUPS);
		i = (int)aaa->n_groups++;
		memset(&aaa->groups[i], 0, sizeof(aaa->groups[i]));
		snprintf(aaa->groups[i].name, sizeof(aaa->groups[i].name), "%s", w[4]);
		aaa->groups[i].tacacs = tacacs;
	}
	g = &aaa->groups[i];
	for (size_t k = 0; k < g->n_servers; k++)
		if (strcmp(g->servers[k], w[6]) == 0)
			return 0;
	if (g->n_servers == KSSHD_MAX_RADIUS)
		return fail(err, errlen, "at most %d servers in a group", KSSHD_MAX_RADIUS);
	snprintf(g->servers[g->n_servers++], sizeof(g->servers[0]), "%s", w[6]);
	return 0;
}

/* METHOD... into list; which: 'l'ogin, 'a'uthorization (no radius), 'c'counting (no local) */
static int parse_methods(const struct sshd_aaa *aaa, char which, char **w, int n, unsigned char *list, size_t *count,
                         char *err, size_t errlen)
{
	unsigned char methods[KSSHD_MAX_AAA_METHODS];
	size_t m = 0;

	for (int i = 0; i < n; i++) {
		int g;

		if (m == KSSHD_MAX_AAA_METHODS)
			return fail(err, errlen, "at most %d methods", KSSHD_MAX_AAA_METHODS);
		if (strcmp(w[i], "local") == 0 && which != 'c') {
			methods[m++] = SSHD_AAA_LOCAL;
		} else if (strcmp(w[i], "if-authenticated") == 0 && which == 'a') {
			methods[m++] = SSHD_AAA_IF_AUTHENTICATED;
		} else if (strcmp(w[i], "group") == 0 && i + 1 < n) {
			i++;
			if (strcmp(w[i], "radius") == 0 && which != 'a')
				methods[m++] = SSHD_AAA_RADIUS;
			else if (strcmp(w[i], "tacacs+") == 0)
				methods[m++] = SSHD_AAA_TACACS;
			else if ((g = group_index(aaa, w[i])) >= 0 && !(which == 'a' && !aaa->groups[g].tacacs))
				methods[m++] = (unsigned char)(SSHD_AAA_GROUP + g);
			else
				return fail(err, errlen, "group %s: %s", w[i], g >= 0 ? "RADIUS does no exec authorization"
				            : strcmp(w[i], "radius") == 0 ? "RADIUS does no exec authorization"
				            : "no such aaa group server (define it first)");
		} else {
			return fail(err, errlen, "unknown method '%s' (%s)", w[i],
			            which == 'l' ? "group radius|tacacs+|NAME, local"
			            : which == 'a' ? "group tacacs+|NAME, local, if-authenticated" : "group radius|tacacs+|NAME");
		}
	}
	if (m == 0)
		return fail(err, errlen, "no method given");
	memcpy(list, methods, m);
	*count = m;
	return 0;
}

static int cmd_remote_user(struct sshd_aaa *aaa, int no, char **w, int n, char *err, size_t errlen)
{
	unsigned lvl;
	char *slot;

	if (n == 3 && strcmp(w[2], "allow-root") == 0) {
		aaa->remote_root = !no;
		return 0;
	}
	if (n >= 3 && strcmp(w[2], "default") == 0)
		slot = aaa->default_user, w += 1, n -= 1;
	else if (n >= 4 && strcmp(w[2], "privilege") == 0 && number(w[3], 0, 15, &lvl) == 0)
		slot = aaa->priv_user[lvl], w += 2, n -= 2;
	else
		return fail(err, errlen, "want: aaa remote-user privilege 0-15 | default local-user ACCOUNT, "
		            "or aaa remote-user allow-root");
	if (no && n == 2) {
		slot[0] = 0;
		return 0;
	}
	if (n != 4 || strcmp(w[2], "local-user") != 0 || strlen(w[3]) >= 64 || w[3][0] == 0 || w[3][0] == '-')
		return fail(err, errlen, "want: ... local-user ACCOUNT");
	snprintf(slot, 64, "%s", no ? "" : w[3]);
	return 0;
}

static struct sshd_aaa_list *find_list(struct sshd_aaa *aaa, int kind, const char *name)
{
	for (size_t l = 0; l < KSSHD_MAX_AAA_LISTS; l++)
		if (strcmp(aaa->lists[kind][l].name, name) == 0)
			return &aaa->lists[kind][l];
	return NULL;
}

const struct sshd_aaa_list *sshd_aaa_list(const struct sshd_aaa *aaa, int kind)
{
	const char *name = aaa->line_list[kind][0] ? aaa->line_list[kind] : "default";
	const struct sshd_aaa_list *l = find_list((struct sshd_aaa *)aaa, kind, name);

	return l != NULL && l->n > 0 ? l : NULL;
}

static const char *const kind_words[SSHD_AAA_KINDS] = { "authentication login", "authorization exec",
	                                                 "accounting exec" };

/* "aaa KIND NAME METHOD..." (accounting: "NAME start-stop METHOD..."); "no aaa KIND NAME" */
static int cmd_list(struct sshd_aaa *aaa, int kind, int no, char **w, int n, char *err, size_t errlen)
{
	static const char which[SSHD_AAA_KINDS] = { 'l', 'a', 'c' };
	struct sshd_aaa_list *l;
	int first = kind == SSHD_AAA_ACCT ? 5 : 4;

	if (!name_ok(w[3]) && strcmp(w[3], "default") != 0)
		return fail(err, errlen, "aaa %s: '%s': want default or a list name", kind_words[kind], w[3]);
	l = find_list(aaa, kind, w[3]);
	if (no) {
		if (l == NULL)
			return fail(err, errlen, "aaa %s %s is not configured", kind_words[kind], w[3]);
		if (strcmp(aaa->line_list[kind], w[3]) == 0)
			return fail(err, errlen, "aaa %s %s is in force (line default)", kind_words[kind], w[3]);
		memset(l, 0, sizeof(*l));
		return 0;
	}
	if (kind == SSHD_AAA_ACCT && (n < 6 || strcmp(w[4], "start-stop") != 0))
		return fail(err, errlen, "want: aaa accounting exec default|LIST start-stop group radius|tacacs+|NAME ...");
	if (l == NULL && (l = find_list(aaa, kind, "")) == NULL)
		return fail(err, errlen, "at most %d aaa %s lists", KSSHD_MAX_AAA_LISTS, kind_words[kind]);
	if (parse_methods(aaa, which[kind], w + first, n - first, l->methods, &l->n, err, errlen) != 0)
		return -1;
	snprintf(l->name, sizeof(l->name), "%s", w[3]);
	return 0;
}

/* "aaa ..." */
int sshd_cmd_aaa(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_aaa *aaa = &o->aaa;

	if (n >= 3 && strcmp(w[1], "group") == 0)
		return cmd_group(aaa, no, w, n, err, errlen);
	if (n >= 2 && strcmp(w[1], "remote-user") == 0)
		return cmd_remote_user(aaa, no, w, n, err, errlen);
	for (int k = 0; k < SSHD_AAA_KINDS; k++) {
		char words[40];

		snprintf(words, sizeof(words), "%s %s", n >= 3 ? w[1] : "", n >= 3 ? w[2] : "");
		if (n >= 4 && strcmp(words, kind_words[k]) == 0)
			return cmd_list(aaa, k, no, w, n, err, errlen);
	}
	return fail(err, errlen, "want: aaa authentication login | authorization exec | accounting exec default|LIST ..., "
	            "aaa group server ..., aaa remote-user ...");
}

/* "line default login authentication | authorization exec | accounting exec LIST" */
int sshd_cmd_line(struct sshd_options *o, int no, char **w, int n, char *err, size_t errlen)
{
	struct sshd_aaa *aaa = &o->aaa;

	for (int k = 0; k < SSHD_AAA_KINDS; k++) {
		char words[40];

		snprintf(words, sizeof(words), "%s %s", n >= 4 ? w[2] : "", n >= 4 ? w[3] : "");
		if (n < 4 || strcmp(w[1], "default") != 0 ||
		    strcmp(words, k == SSHD_AAA_LOGIN ? "login authentication" : kind_words[k]) != 0)
			continue;
		if (no && n == 4) {
			aaa->line_list[k][0] = 0;
			return 0;
		}
		if (n != 5)
			break;
		if (find_list(aaa, k, w[4]) == NULL)
			return fail(err, errlen, "aaa %s %s is not configured (define it first)", kind_words[k], w[4]);
		snprintf(aaa->line_list[k], sizeof(aaa->line_list[k]), "%s",
		         no || strcmp(w[4], "default") == 0 ? "" : w[4]);
		return 0;
	}
	return fail(err, errlen, "want: line default login authentication | authorization exec | accounting exec LIST");
}

/* A line of a saved configuration, its secret masked (show configuration commit changes) */
void sshd_print_masked(FILE *out, const char *prefix, const char *line, size_t len)
{
	int host = (len > 19 && strncmp(line, "radius-server host ", 19) == 0) ||
	           (len > 19 && strncmp(line, "tacacs-server host ", 19) == 0);
	const char *key = host ? memmem(line, len, " key ", 5) : NULL;
	const char *after;

	if (key == NULL) {
		fprintf(out, "%s%.*s\n", prefix, (int)len, line);
		return;
	}
	after = memchr(key + 5, ' ', len - (size_t)(key + 5 - line));
	fprintf(out, "%s%.*s key ********%.*s\n", prefix, (int)(key - line), line,
	        after ? (int)(len - (size_t)(after - line)) : 0, after ? after : "");
}

static const char *method_name(const struct sshd_aaa *aaa, unsigned char m)
{
	static char buf[48];

	switch (m) {
	case SSHD_AAA_LOCAL: return "local";
	case SSHD_AAA_RADIUS: return "group radius";
	case SSHD_AAA_TACACS: return "group tacacs+";
	case SSHD_AAA_IF_AUTHENTICATED: return "if-authenticated";
	}
	snprintf(buf, sizeof(buf), "group %s", (size_t)(m - SSHD_AAA_GROUP) < aaa->n_groups ? aaa->groups[m - SSHD_AAA_GROUP].name
	                                                                          : "?");
	return buf;
}

static void print_list(const struct sshd_aaa *aaa, FILE *out, const char *head, const unsigned char *l, size_t n)
{
	if (n == 0)
		return;
	fprintf(out, "%s", head);
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %s", method_name(aaa, l[i]));
	fprintf(out, "\n");
}

void sshd_print_aaa(const struct sshd_options *o, FILE *out)
{
	const struct sshd_aaa *aaa = &o->aaa;
	const char *masked = "********";

	for (size_t i = 0; i < aaa->n_radius; i++) {
		const struct sshd_radius_host *h = &aaa->radius[i];

		fprintf(out, "radius-server host %s", h->addr);
		if (h->auth_port != 1812)
			fprintf(out, " auth-port %u", h->auth_port);
		if (h->acct_port != 1813)
			fprintf(out, " acct-port %u", h->acct_port);
		fprintf(out, " key %s\n", sshd_config_reveal_secrets ? h->key : masked);
	}
	if (aaa->radius_timeout != 5)
		fprintf(out, "radius-server timeout %u\n", aaa->radius_timeout);
	if (aaa->radius_retransmit != 3)
		fprintf(out, "radius-server retransmit %u\n", aaa->radius_retransmit);
	if (aaa->radius_deadtime != 0)
		fprintf(out, "radius-server deadtime %u\n", aaa->radius_deadtime);
	for (size_t i = 0; i < aaa->n_tacacs; i++) {
		const struct sshd_tacacs_host *h = &aaa->tacacs[i];

		fprintf(out, "tacacs-server host %s", h->addr);
		if (h->port != (h->tls ? 300u : 49u))
			fprintf(out, " port %u", h->port);
		fprintf(out, " key %s%s%s\n", sshd_config_reveal_secrets ? h->key : masked,
		        h->single_connection ? " single-connection" : "", h->tls ? " tls" : "");
	}
	if (aaa->tacacs_timeout != 5)
		fprintf(out, "tacacs-server timeout %u\n", aaa->tacacs_timeout);
	if (aaa->tacacs_deadtime != 0)
		fprintf(out, "tacacs-server deadtime %u\n", aaa->tacacs_deadtime);
	if (aaa->tacacs_trustpoint[0])
		fprintf(out, "tacacs-server tls trustpoint %s\n", aaa->tacacs_trustpoint);
	for (size_t i = 0; i < aaa->n_groups; i++)
		for (size_t k = 0; k < aaa->groups[i].n_servers; k++)
			fprintf(out, "aaa group server %s %s server %s\n", aaa->groups[i].tacacs ? "tacacs+" : "radius",
			        aaa->groups[i].name, aaa->groups[i].servers[k]);
	for (int k = 0; k < SSHD_AAA_KINDS; k++)
		for (size_t l = 0; l < KSSHD_MAX_AAA_LISTS; l++) {
			const struct sshd_aaa_list *list = &aaa->lists[k][l];
			char head[96];

			if (list->name[0] == 0)
				continue;
			snprintf(head, sizeof(head), "aaa %s %s%s", kind_words[k], list->name,
			         k == SSHD_AAA_ACCT ? " start-stop" : "");
			print_list(aaa, out, head, list->methods, list->n);
		}
	for (int k = 0; k < SSHD_AAA_KINDS; k++)
		if (aaa->line_list[k][0])
			fprintf(out, "line default %s %s\n", k == SSHD_AAA_LOGIN ? "login authentication" : kind_words[k],
			        aaa->line_list[k]);
	for (unsigned i = 0; i < 16; i++)
		if (aaa->priv_user[i][0])
			fprintf(out, "aaa remote-user privilege %u local-user %s\n", i, aaa->priv_user[i]);
	if (aaa->default_user[0])
		fprintf(out, "aaa remote-user default local-user %s\n", aaa->default_user);
	if (aaa->remote_root)
		fprintf(out, "aaa remote-user allow-root\n");
}
