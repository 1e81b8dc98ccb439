// SPDX-License-Identifier: MIT
/* Reports from a session's processes to the listener's registry (registry.c reads them). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "monitor.h"
#include "sshd.h"

int sshd_report_fd = -1;

void sshd_report(const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (sshd_report_fd < 0 && sshd_monitor_fd < 0)
		return;
	n = snprintf(msg, sizeof(msg), "%s\t", field);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* the pre-authentication process has no line to the listener: its monitor passes some fields on */
	if (sshd_report_fd < 0) {
		mm_report(field, msg + n);
		return;
	}
	/* one datagram per field; a listener that cannot take it now loses a display detail, nothing more */
	send(sshd_report_fd, msg, strnlen(msg, sizeof(msg)), MSG_DONTWAIT | MSG_NOSIGNAL);
}
