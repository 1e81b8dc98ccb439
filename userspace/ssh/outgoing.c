// SPDX-License-Identifier: MIT
/*
 * An outgoing session, as the spec's `show ssh` lists them: kssh, ksftp and
 * kscp tell the local ksshd (its clients socket, open to every user) where
 * they connected and what they negotiated, and keep the socket open while
 * connected. The daemon takes the user from the socket's credentials, not
 * from us. No daemon, no report: nothing else changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kssh/transport.h"
#include "ssh.h"

#define CLIENTS_SOCKET_DEFAULT "/run/kssh/ksshd.sock.clients"

static int report_fd = -1;

void client_report(const char *field, const char *value)
{
	char msg[512];
	int n;

	if (report_fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "%s\t%s", field, value);
	send(report_fd, msg, (size_t)(n < (int)sizeof(msg) ? n : (int)sizeof(msg) - 1), MSG_DONTWAIT | MSG_NOSIGNAL);
}

void client_report_open(const struct client_options *o, struct kssh_transport *t)
{
	const char *path = getenv("KSSH_CLIENTS_SOCKET") ? getenv("KSSH_CLIENTS_SOCKET") : CLIENTS_SOCKET_DEFAULT;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct kssh_transport_info i;
	char port[16];

	if (strlen(path) >= sizeof(sa.sun_path))
		return;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if ((report_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (connect(report_fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(report_fd);
		report_fd = -1;
		return;
	}
	kssh_transport_get_info(t, &i);
	snprintf(port, sizeof(port), "%u", o->port);
	client_report("host", o->host);
	client_report("port", port);
	client_report("version", i.peer_version);
	client_report("kex", i.kex);
	client_report("hostkey", i.hostkey);
	client_report("cipher_in", i.cipher_in);
	client_report("cipher_out", i.cipher_out);
	client_report("mac_in", i.mac_in);
	client_report("mac_out", i.mac_out);
	client_report("backend_in", i.backend_in);
	client_report("backend_out", i.backend_out);
	client_report("state", "SESSION_AUTHENTICATING");
}
