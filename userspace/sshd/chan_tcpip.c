// SPDX-License-Identifier: MIT
/*
 * direct-tcpip channels (RFC 4254 7.2): the client's -L. Off unless
 * "ssh server port-forwarding local" is configured, with the spec's syslog
 * lines for both outcomes.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/msg.h"
#include "conn_internal.h"
#include "log.h"

int tcpip_open(struct sshd_conn *s, struct kssh_chan_event *ev)
{
	char *host = NULL, *origin = NULL;
	uint32_t port, origin_port;
	struct sshd_chan *sc;
	int fd, r;

	if ((r = kssh_buf_get_cstring(&ev->rest, &host, NULL)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &port)) != 0 ||
	    (r = kssh_buf_get_cstring(&ev->rest, &origin, NULL)) != 0 ||
	    (r = kssh_buf_get_u32(&ev->rest, &origin_port)) != 0) {
		r = kssh_transport_fail(s->c->t, r, "malformed direct-tcpip open");
		goto out;
	}
	if (!s->o->port_forwarding_local || s->auth->key_opts.no_port_forwarding) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, Port forwarding is %s",
		               s->o->port_forwarding_local ? "not permitted for this key" : "not enabled");
		r = kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_ADMINISTRATIVELY_PROHIBITED,
		                     "port forwarding is not enabled");
		goto out;
	}
	if (port == 0 || port > 65535 || (fd = conn_connect_tcp(host, port, (int)s->o->server_dscp)) < 0) {
		kssh_log_event(LOG_ERR, "PORT_FWD_ERR_GENERAL", "Port Forwarding, Target:=%.128s, "
		               "Port:=%u, connect failed: %s", host, port, strerror(errno));
		r = kssh_chan_refuse(s->c->t, ev->peer_id, SSH_OPEN_CONNECT_FAILED, "connect failed");
		goto out;
	}
	if ((sc = session_open(s)) == NULL ||
	    (sc->pump.ch = kssh_chan_accept(&s->chans, s->c->t, ev, sc)) == NULL) {
		if (sc != NULL)
			session_free(sc);
		close(fd);
		r = conn_refuse_channel_limit(s, ev);
		goto out;
	}
	sc->kind = CHAN_DIRECT_TCPIP;
	sc->pump.rd[0] = sc->pump.wr[0] = fd;
	sc->pump.shared = 1;
	sshd_report("chan", "%u", sc->pump.ch->local_id);
	sshd_report("type", "port-forwarded-local");
	kssh_log_event(LOG_INFO, "PORT_FWD_INFO_GENERAL", "Port Forwarding, Target:=%.128s, Port:=%u, "
	               "Originator:=%.64s,Port:=%u, Vrf:=default, Connection forwarded", host, port,
	               origin, origin_port);
	r = 0;
out:
	free(host);
	free(origin);
	return r;
}

/* Both directions finished: the target closed and everything the client sent was written. */
int tcpip_progress(struct sshd_conn *s, struct sshd_chan *sc)
{
	struct kssh_channel *ch = sc->pump.ch;
	int r;

	if (pump_read_done(&sc->pump) && !ch->eof_sent &&
	    (r = kssh_chan_send_eof(s->c->t, ch)) != 0)
		return r;
	if (pump_read_done(&sc->pump) &&
	    ((sc->pump.peer_eof && pump_write_done(&sc->pump)) || sc->pump.wr[0] < 0))
		return kssh_chan_send_close(s->c->t, ch);
	return 0;
}
