// SPDX-License-Identifier: MIT
/*
 * Each accepted connection's process starts afresh: the listener's child
 * re-executes ksshd (/proc/self/exe: the very binary running, even after an
 * upgrade replaced the file) as "ksshd --session FD,REPORT,OPTIONS,PORT
 * HOST", so every connection gets its own address-space layout, as
 * OpenSSH's sshd-session does, and nothing of the listener's memory but
 * what is passed on. The options travel in a memfd: the structure as the
 * listener has it now (run-time configuration included), then its strings;
 * the host keys are read again from their files. The structure is large
 * and mostly zeros (tables sized for the most a box may configure): only its
 * pages with something in them are passed, and the connection's copy starts
 * zeroed, so the rest is never touched there (it costs every connection no
 * memory).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "kssh/buf.h"
#include "conn_io.h"
#include "log.h"
#include "sshd.h"

#define OPTIONS_MAGIC 0x6b737364u /* "kssd" */
#define STRING_MAX 4096
#define CHUNK 4096
#define CHUNKS_END UINT32_MAX

/* the options' strings, which travel after the structure */
static const size_t string_fields[] = {
	offsetof(struct sshd_options, state_dir),   offsetof(struct sshd_options, config_file),
	offsetof(struct sshd_options, control_path), offsetof(struct sshd_options, pam_service),
	offsetof(struct sshd_options, authorized_keys), offsetof(struct sshd_options, sftp_root),
};
#define N_STRINGS (sizeof(string_fields) / sizeof(string_fields[0]))

static const char **string_field(struct sshd_options *o, size_t i)
{
	return (const char **)((char *)o + string_fields[i]);
}

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* The structure's chunks that are not all zeros: offset, length, bytes; then CHUNKS_END */
static int write_chunks(int mfd, const void *obj, size_t size)
{
	const uint8_t *p = obj;
	uint32_t end = CHUNKS_END;

	for (size_t off = 0; off < size; off += CHUNK) {
		uint32_t hdr[2] = { (uint32_t)off, (uint32_t)(size - off < CHUNK ? size - off : CHUNK) };

		if (all_zero(p + off, hdr[1]))
			continue;
		if (conn_fd_all(mfd, hdr, sizeof(hdr), 1) != 0 || conn_fd_all(mfd, (void *)(p + off), hdr[1], 1) != 0)
			return -1;
	}
	return conn_fd_all(mfd, &end, sizeof(end), 1);
}

/* Into obj, zeroed by the caller: every chunk must lie inside it, in order */
static int read_chunks(int mfd, void *obj, size_t size)
{
	size_t next = 0;

	for (;;) {
		uint32_t hdr[2];

		if (conn_fd_all(mfd, &hdr[0], sizeof(hdr[0]), 0) != 0)
			return -1;
		if (hdr[0] == CHUNKS_END)
			return 0;
		if (conn_fd_all(mfd, &hdr[1], sizeof(hdr[1]), 0) != 0 || hdr[0] < next || hdr[1] > size ||
		    hdr[0] > size - hdr[1] || conn_fd_all(mfd, (uint8_t *)obj + hdr[0], hdr[1], 0) != 0)
			return -1;
		next = (size_t)hdr[0] + hdr[1];
	}
}

static int keep_open(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

int sshd_session_exec(const struct sshd_options *o, int fd, int report_fd, const char *host, unsigned port)
{
	struct sshd_options copy = *o;
	uint32_t head[2] = { OPTIONS_MAGIC, (uint32_t)sizeof(copy) };
	char arg[80];
	int mfd = memfd_create("ksshd-options", 0), aaa = sshd_aaa_table_fd();

	if (mfd < 0 || conn_fd_all(mfd, head, sizeof(head), 1) != 0 || write_chunks(mfd, &copy, sizeof(copy)) != 0)
		goto fail;
	for (size_t i = 0; i < N_STRINGS; i++) {
		const char *s = *string_field(&copy, i);
		uint32_t len = s ? (uint32_t)strnlen(s, STRING_MAX) : UINT32_MAX;

		if (conn_fd_all(mfd, &len, sizeof(len), 1) != 0 || (s && conn_fd_all(mfd, (void *)s, len, 1) != 0))
			goto fail;
	}
	if (lseek(mfd, 0, SEEK_SET) != 0 || keep_open(fd) != 0 || keep_open(report_fd) != 0 ||
	    (aaa >= 0 && keep_open(aaa) != 0))
		goto fail;
	snprintf(arg, sizeof(arg), "%d,%d,%d,%u,%d", fd, report_fd, mfd, port, aaa);
	execv("/proc/self/exe", (char *[]){ "ksshd", "--session", arg, (char *)host, NULL });
fail:
	kssh_log(LOG_ERR, "%s port %u: cannot start the connection's process: %s", host, port, strerror(errno));
	return 1;
}

static int read_options(int mfd, struct sshd_options *o)
{
	static char strings[N_STRINGS][STRING_MAX + 1];
	uint32_t head[2];

	if (conn_fd_all(mfd, head, sizeof(head), 0) != 0 || head[0] != OPTIONS_MAGIC || head[1] != sizeof(*o) ||
	    read_chunks(mfd, o, sizeof(*o)) != 0)
		return -1;
	for (size_t i = 0; i < N_STRINGS; i++) {
		uint32_t len;

		if (conn_fd_all(mfd, &len, sizeof(len), 0) != 0)
			return -1;
		*string_field(o, i) = NULL;
		if (len == UINT32_MAX)
			continue;
		if (len > STRING_MAX || conn_fd_all(mfd, strings[i], len, 0) != 0)
			return -1;
		strings[i][len] = 0;
		*string_field(o, i) = strings[i];
	}
	/* the listener's pointers mean nothing here: its listen addresses are not needed, the keys are read again */
	memset(o->listen, 0, sizeof(o->listen));
	o->n_listen = 0;
	memset(o->host_keys, 0, sizeof(o->host_keys));
	o->n_host_keys = 0;
	return 0;
}

/* ksshd --session FD,REPORT,OPTIONS,PORT,AAA HOST (AAA: the server table's memfd, or -1) */
int sshd_session_main(int argc, char **argv)
{
	static struct sshd_options o;
	int fd, report_fd, mfd, aaa, end = 0;
	unsigned port;

	if (argc != 4 || sscanf(argv[2], "%d,%d,%d,%u,%d%n", &fd, &report_fd, &mfd, &port, &aaa, &end) != 5 ||
	    argv[2][end] != 0 || fd < 0 || report_fd < 0 || mfd < 0 || port > 65535) {
		fprintf(stderr, "ksshd: --session is ksshd's own (each connection's process)\n");
		return 2;
	}
	if (read_options(mfd, &o) != 0) {
		fprintf(stderr, "ksshd: --session: cannot read the listener's options\n");
		return 2;
	}
	close(mfd);
	if (aaa >= 0) {
		sshd_aaa_table_attach(aaa); /* without it, only the counts and hold times are lost */
		close(aaa);
	}
	prctl(PR_SET_NAME, "ksshd");
	kssh_log_open("ksshd", o.log_stderr || (o.foreground && !kssh_log_stderr_is_journal()), 1, o.debug ? LOG_DEBUG : LOG_INFO);
	if (sshd_session_load_host_keys(&o) != 0 || o.n_host_keys == 0) {
		kssh_log(LOG_ERR, "%s port %u: cannot read the host keys", argv[3], port);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	sshd_report_fd = report_fd;
	return sshd_session(&o, fd, argv[3], port);
}
