// SPDX-License-Identifier: MIT
/*
 * AAA at run time: the configured RADIUS servers as the client takes them, and
 * exec accounting ("aaa accounting exec default start-stop group radius"): a
 * START when a session opens, a STOP when it ends with its time, the bytes of
 * the connection (the kernel's TCP counts, from the socket the monitor keeps)
 * and why it ended. Accounting never holds a login back: a server that does
 * not answer is logged.
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
#include "log.h"
#include "sshd.h"

size_t sshd_radius_servers(const struct sshd_options *o, struct kssh_radius_server *out)
{
	for (size_t i = 0; i < o->n_radius; i++) {
		snprintf(out[i].addr, sizeof(out[i].addr), "%s", o->radius[i].addr);
		out[i].auth_port = o->radius[i].auth_port;
		out[i].acct_port = o->radius[i].acct_port;
		snprintf(out[i].secret, sizeof(out[i].secret), "%s", o->radius[i].key);
	}
	return o->n_radius;
}

void sshd_accounting(const struct sshd_options *o, const char *user, const struct sshd_peer *peer, int fd,
                     struct sshd_accounting *acct, int stop, int cause)
{
	struct kssh_radius_server servers[KSSHD_MAX_RADIUS];
	struct kssh_radius_acct a = { .stop = stop, .user = user, .calling_station = peer->addr };
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	char why[160];
	size_t n;

	if (!o->aaa_acct_radius)
		return;
	if (!stop) {
		acct->start = time(NULL);
		snprintf(acct->session_id, sizeof(acct->session_id), "%08lx-%05d-%u", (unsigned long)acct->start,
		         (int)getpid(), peer->port);
	} else {
		a.seconds = (uint32_t)(time(NULL) - acct->start);
		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
			a.bytes_in = ti.tcpi_bytes_received;
			a.bytes_out = ti.tcpi_bytes_acked;
		}
		a.terminate_cause = (uint32_t)cause;
	}
	a.session_id = acct->session_id;
	n = sshd_radius_servers(o, servers);
	if (kssh_radius_account(servers, n, o->radius_timeout, o->radius_retransmit, &a, why, sizeof(why)) != 0)
		kssh_log(LOG_WARNING, "user '%s': RADIUS accounting %s for session %s not taken: %s", user,
		         stop ? "STOP" : "START", acct->session_id, why);
	else
		kssh_log(LOG_INFO, "user '%s': RADIUS accounting %s for session %s%s", user, stop ? "STOP" : "START",
		         acct->session_id, stop ? "" : " sent");
	OPENSSL_cleanse(servers, sizeof(servers));
}
