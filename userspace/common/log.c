// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int use_stderr = 1, use_syslog, max_level = LOG_INFO;
static const char *log_ident = "kssh";
static void (*log_sink)(int priority, const char *line);

void kssh_log_set_sink(void (*sink)(int priority, const char *line))
{
	log_sink = sink;
	if (sink != NULL && use_syslog)
		closelog(); /* the sink's owner writes the lines from now on */
}

void kssh_log_open(const char *ident, int to_stderr, int to_syslog, int max_priority)
{
	log_ident = ident;
	use_stderr = to_stderr;
	use_syslog = to_syslog;
	max_level = max_priority;
	if (to_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_AUTH);
}

int kssh_log_max(void)
{
	return max_level;
}

/* systemd's documented test: $JOURNAL_STREAM names the device and inode of the stream it connected */
int kssh_log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

/*
 * With nothing listening at /dev/log (a container, a box without a syslog
 * daemon), glibc's syslog() tries to connect again for every line: a socket,
 * a failed connect and a close each time. Whether the socket exists is
 * looked at every few seconds instead, so a daemon started later is found.
 */
static int syslog_reachable(void)
{
	static time_t next;
	static int reachable;
	time_t now = time(NULL);
	struct stat st;

	if (now >= next) {
		reachable = stat(_PATH_LOG, &st) == 0;
		next = now + 5;
	}
	return reachable;
}

static void emit(int priority, const char *msg)
{
	if (priority > max_level)
		return;
	if (log_sink != NULL) {
		log_sink(priority, msg);
		return;
	}
	if (use_syslog && syslog_reachable())
		syslog(priority, "%s", msg);
	if (use_stderr) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", localtime_r(&now, &tm));
		fprintf(stderr, "%s %s[%ld]: %s\n", stamp, log_ident, (long)getpid(), msg);
	}
}

void kssh_log_event(int priority, const char *tag, const char *fmt, ...)
{
	char text[1024], line[1200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%%SECURITY-SSHD-%d-%s : %s", priority & 7, tag, text);
	emit(priority, line);
}

void kssh_log(int priority, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	emit(priority, text);
}

void kssh_log_line(int priority, const char *line)
{
	char clean[1200];
	size_t i;

	/* another process's line: one line of printable characters, whatever it held */
	for (i = 0; line[i] != 0 && i + 1 < sizeof(clean); i++)
		clean[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	clean[i] = 0;
	emit(priority & 7, clean);
}

void kssh_log_callback(void *arg, int priority, const char *msg)
{
	const char *prefix = arg;

	kssh_log(priority, "%s%s", prefix ? prefix : "", msg);
}
