/* SPDX-License-Identifier: MIT */
/* Logging for ksshd and the clients: syslog(3) and/or stderr, the spec's message format. */
#ifndef KSSH_LOG_H
#define KSSH_LOG_H

#include <syslog.h>

void kssh_log_open(const char *ident, int to_stderr, int to_syslog, int max_priority);
/* "%SECURITY-SSHD-<sev>-<tag> : text", severity taken from the priority */
void kssh_log_event(int priority, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kssh_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* stderr is systemd's journal stream: syslog already reaches the journal, so a second copy is noise */
int kssh_log_stderr_is_journal(void);
/* The highest priority (the least urgent) that is logged */
int kssh_log_max(void);
/* Lines go to sink instead of syslog/stderr (ksshd's pre-authentication process: to its monitor); NULL: back */
void kssh_log_set_sink(void (*sink)(int priority, const char *line));
/* A whole line from another process (its monitor writes it): control characters made '?' */
void kssh_log_line(int priority, const char *line);
/* For the library's log callback */
void kssh_log_callback(void *arg, int priority, const char *msg);

#endif
