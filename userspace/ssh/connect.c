// SPDX-License-Identifier: MIT
/*
 * A client connection up to the point where channels can open: TCP (IPv6
 * first, as the spec says; the spec's source-interface), the transport with
 * known_hosts, the ssh-userauth service and authentication.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lpts.h"
#include "netlink_lookup.h"
#include "kssh/err.h"
#include "kssh/msg.h"
#include "kssh/transport.h"
#include "log.h"
#include "ssh.h"

#define CLIENT_DSCP_DEFAULT 16 /* the spec: "ssh client dscp", 16 when not configured */

static int bind_source(const struct client_options *o, int fd, int family)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int r = nl_interface_address(o->source_interface, family, &ss, &len);

	if (r == NL_LOOKUP_NO_INTERFACE) {
		fprintf(stderr, "kssh: source-interface %s: No such device\n", o->source_interface);
		return -1;
	}
	if (r == NL_LOOKUP_NO_ADDRESS) {
		fprintf(stderr, "kssh: source-interface %s: no %s address\n", o->source_interface,
		        family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->source_interface, (socklen_t)strlen(o->source_interface)) != 0 ||
	    (r == 0 && bind(fd, (struct sockaddr *)&ss, len) != 0)) {
		fprintf(stderr, "kssh: source-interface %s: %s\n", o->source_interface, strerror(errno));
		return -1;
	}
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
			/* the spec's source-interface: leave through this interface, from its address */
			if (o->source_interface != NULL && bind_source(o, fd, ai->ai_family) != 0) {
				close(fd);
				fd = -1;
				break;
			}
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
			conn_socket_dscp(fd, o->dscp_set ? o->dscp : CLIENT_DSCP_DEFAULT);
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
	fprintf(stderr, "debug1: crypto backend: server->client %s, client->server %s\n", i.backend_in,
	        i.backend_out);
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


/*
 * LPTS: our connection as a client flow, so the egress marker sets its DSCP.
 * Only root can reach the pinned maps; anyone else, or a machine without the
 * data plane loaded, simply goes unmarked.
 */
static void client_flow(int fd, int add)
{
	struct sockaddr_storage local, peer;
	socklen_t ll = sizeof(local), pl = sizeof(peer);

	if (geteuid() != 0 || getsockname(fd, (struct sockaddr *)&local, &ll) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) != 0)
		return;
	if (add)
		lpts_client_add((struct sockaddr *)&local, (struct sockaddr *)&peer);
	else
		lpts_client_del((struct sockaddr *)&local, (struct sockaddr *)&peer);
}

int client_connect(struct client_options *o, struct kssh_conn *c)
{
	struct kssh_transport_config cfg = {
		.kex_algs = o->kex_algs, .hostkey_algs = o->hostkey_list, .ciphers = o->ciphers,
		.macs = o->macs, .rekey_bytes = o->rekey_bytes, .rekey_seconds = o->rekey_seconds,
		.offload = o->crypto_offload, .offload_required = o->crypto_offload_required,
		.check_host_key = client_check_host_key, .check_host_cert = client_check_host_cert, .check_host_x509 = client_check_host_x509, .check_arg = o, .log = kssh_log_callback,
		.log_arg = "debug: ",
	};
	struct kssh_buf payload;
	uint8_t type;
	int r;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if ((c->fd = connect_to(o)) < 0)
		return KSSH_ERR_SYSTEM;
	client_flow(c->fd, 1);
	if ((c->t = kssh_transport_new(&cfg)) == NULL) {
		fprintf(stderr, "kssh: cannot set up the transport\n");
		return KSSH_ERR_ALLOC;
	}
	if ((r = conn_wait_ready(c)) != 0)
		goto fail;
	report_kex(o, c->t);
	client_report_open(o, c->t);
	if ((r = send_string_msg(c->t, SSH_MSG_SERVICE_REQUEST, "ssh-userauth")) != 0 ||
	    (r = conn_next_message(c, &type, &payload)) != 0)
		goto fail;
	if (type != SSH_MSG_SERVICE_ACCEPT) {
		r = kssh_transport_fail(c->t, KSSH_ERR_PROTOCOL, "expected SERVICE_ACCEPT");
		goto fail;
	}
	if ((r = client_authenticate(o, c)) == 0)
		return 0;
	kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "disconnected by user");
	conn_flush(c);
	return r;
fail:
	fprintf(stderr, "kssh: %s port %u: %s\n", o->host, o->port,
	        *kssh_transport_error(c->t) ? kssh_transport_error(c->t) : kssh_strerror(r));
	return r;
}

void client_close(struct kssh_conn *c)
{
	if (c->t != NULL) {
		kssh_transport_disconnect(c->t, KSSH_DISCONNECT_BY_APPLICATION, "disconnected by user");
		conn_flush(c);
		kssh_transport_free(c->t);
	}
	if (c->fd >= 0) {
		client_flow(c->fd, 0);
		close(c->fd);
	}
	c->t = NULL;
	c->fd = -1;
}
