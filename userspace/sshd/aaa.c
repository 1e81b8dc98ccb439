// SPDX-License-Identifier: MIT
/*
 * AAA at run time: the servers a method names ("group radius", "group
 * tacacs+", "group NAME"), with those inside their dead-server hold time left
 * out while another is alive; and exec accounting ("aaa accounting exec
 * default start-stop METHOD..."): a START when a session opens, a STOP when
 * it ends with its time, the bytes of the connection (the kernel's TCP counts,
 * from the socket the monitor keeps) and why it ended, to the first method
 * whose server takes it. Accounting never holds a login back: a server that
 * does not answer is logged.
 */
#include <netinet/in.h>
#include <linux/tcp.h> /* struct tcp_info with the byte counts glibc's lacks */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "kssh/radius.h"
#include "kssh/tacacs.h"
#include "log.h"
#include "sshd.h"

static void add_radius(struct sshd_aaa_servers *s, const struct sshd_radius_host *h)
{
	struct kssh_radius_server *r = &s->radius[s->n++];

	snprintf(r->addr, sizeof(r->addr), "%s", h->addr);
	r->auth_port = h->auth_port;
	r->acct_port = h->acct_port;
	snprintf(r->secret, sizeof(r->secret), "%s", h->key);
}

static void add_tacacs(const struct sshd_options *o, struct sshd_aaa_servers *s, const struct sshd_tacacs_host *h)
{
	struct kssh_tacacs_server *t = &s->tacacs[s->n++];
	const struct sshd_trustpoint *tp = sshd_trustpoint(o, o->aaa.tacacs_trustpoint);

	snprintf(t->addr, sizeof(t->addr), "%s", h->addr);
	t->port = h->port;
	snprintf(t->secret, sizeof(t->secret), "%s", h->key);
	t->single_connection = h->single_connection;
	t->tls = h->tls;
	snprintf(t->ca_file, sizeof(t->ca_file), "%s", tp ? tp->ca_file : "/nonexistent: tacacs-server tls trustpoint");
}

/* The k-th host of a method: its index among the configured hosts, or -1 (a group's member not configured) */
static int host_at(const struct sshd_aaa *aaa, const struct sshd_aaa_group *g, int tacacs, size_t k)
{
	size_t n = tacacs ? aaa->n_tacacs : aaa->n_radius;

	if (g == NULL)
		return k < n ? (int)k : -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(tacacs ? aaa->tacacs[i].addr : aaa->radius[i].addr, g->servers[k]) == 0)
			return (int)i;
	return -1;
}

static int host_dead(const struct sshd_aaa *aaa, int tacacs, size_t i)
{
	return tacacs ? sshd_aaa_dead("tacacs+", aaa->tacacs[i].addr, aaa->tacacs[i].port)
	              : sshd_aaa_dead("radius", aaa->radius[i].addr, aaa->radius[i].auth_port);
}

/* The hosts of a method in order, those in their hold time left out, unless none would be left */
int sshd_aaa_servers(const struct sshd_options *o, unsigned char method, struct sshd_aaa_servers *out)
{
	const struct sshd_aaa *aaa = &o->aaa;
	const struct sshd_aaa_group *g = NULL;
	size_t count;

	memset(out, 0, sizeof(*out));
	if (method >= SSHD_AAA_GROUP) {
		if ((size_t)(method - SSHD_AAA_GROUP) >= aaa->n_groups)
			return -1;
		g = &aaa->groups[method - SSHD_AAA_GROUP];
		out->is_tacacs = g->tacacs;
	} else if (method == SSHD_AAA_TACACS || method == SSHD_AAA_RADIUS) {
		out->is_tacacs = method == SSHD_AAA_TACACS;
	} else {
		return -1;
	}
	out->timeout = out->is_tacacs ? aaa->tacacs_timeout : aaa->radius_timeout;
	out->retransmit = aaa->radius_retransmit;
	count = g ? g->n_servers : out->is_tacacs ? aaa->n_tacacs : aaa->n_radius;
	/* first pass: the alive ones; a second only when all are in their hold time (each is tried anyway) */
	for (int pass = 0; pass < 2 && out->n == 0; pass++)
		for (size_t k = 0; k < count; k++) {
			int i = host_at(aaa, g, out->is_tacacs, k);

			if (i < 0 || (pass == 0 && host_dead(aaa, out->is_tacacs, (size_t)i)))
				continue;
			if (out->is_tacacs)
				add_tacacs(o, out, &aaa->tacacs[i]);
			else
				add_radius(out, &aaa->radius[i]);
		}
	return 0;
}

void sshd_aaa_servers_wipe(struct sshd_aaa_servers *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
}

/* RFC 2866 5.10's causes, as words for TACACS+'s reason */
static const char *cause_text(int cause)
{
	return cause == 1 ? "user-request" : cause == 10 ? "nas-request" : "lost-carrier";
}

void sshd_accounting(const struct sshd_options *o, const char *user, const struct sshd_peer *peer, int fd,
                     struct sshd_accounting *acct, int stop, int cause)
{
	struct kssh_radius_acct ra = { .stop = stop, .user = user, .calling_station = peer->addr };
	struct kssh_tacacs_acct ta = { .stop = stop, .user = user, .rem_addr = peer->addr };
	struct sshd_aaa_servers s;
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char why[200] = "no accounting method answered";
	int r = -1;

	const struct sshd_aaa_list *list = sshd_aaa_list(&o->aaa, SSHD_AAA_ACCT);

	if (list == NULL)
		return;
	if (!stop) {
		acct->start = time(NULL);
		snprintf(acct->session_id, sizeof(acct->session_id), "%08lx-%05d-%u", (unsigned long)acct->start,
		         (int)getpid(), peer->port);
	} else {
		ra.seconds = ta.seconds = (uint32_t)(time(NULL) - acct->start);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
			ra.bytes_in = ta.bytes_in = ti.tcpi_bytes_received;
			ra.bytes_out = ta.bytes_out = ti.tcpi_bytes_acked;
		}
		ra.terminate_cause = (uint32_t)cause;
		ta.reason = cause_text(cause);
	}
	ra.session_id = ta.task_id = acct->session_id;
	for (size_t i = 0; i < list->n && r != 0; i++) {
		if (sshd_aaa_servers(o, list->methods[i], &s) != 0)
			continue;
		r = s.is_tacacs ? kssh_tacacs_account(s.tacacs, s.n, s.timeout, &ta, why, sizeof(why))
		             : kssh_radius_account(s.radius, s.n, s.timeout, s.retransmit, &ra, why, sizeof(why));
		if (r == 0)
			snprintf(acct->proto, sizeof(acct->proto), "%s", s.is_tacacs ? "TACACS+" : "RADIUS");
		sshd_aaa_servers_wipe(&s);
	}
	if (r != 0)
		kssh_log(LOG_WARNING, "user '%s': accounting %s for session %s not taken: %s", user,
		         stop ? "STOP" : "START", acct->session_id, why);
	else
		kssh_log(LOG_INFO, "user '%s': %s accounting %s for session %s%s", user, acct->proto, stop ? "STOP" : "START",
		         acct->session_id, stop ? "" : " sent");
}
