// SPDX-License-Identifier: MIT
/*
 * What OpenSSH's sftp-server lets an administrator say about requests: the
 * allow (-p) and deny (-P) lists, by the names -Q requests prints, and the
 * log lines it writes at INFO (each change, each file opened and closed
 * with its byte counts) and DEBUG (every request).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "kssh/err.h"
#include "sftp_internal.h"

static const struct {
	uint8_t type;
	const char *name, *extension; /* extension: the EXTENDED request's own name */
} requests[] = {
	{ SSH_FXP_OPEN, "open", NULL }, { SSH_FXP_CLOSE, "close", NULL }, { SSH_FXP_READ, "read", NULL },
	{ SSH_FXP_WRITE, "write", NULL }, { SSH_FXP_LSTAT, "lstat", NULL }, { SSH_FXP_FSTAT, "fstat", NULL },
	{ SSH_FXP_SETSTAT, "setstat", NULL }, { SSH_FXP_FSETSTAT, "fsetstat", NULL },
	{ SSH_FXP_OPENDIR, "opendir", NULL }, { SSH_FXP_READDIR, "readdir", NULL },
	{ SSH_FXP_REMOVE, "remove", NULL }, { SSH_FXP_MKDIR, "mkdir", NULL }, { SSH_FXP_RMDIR, "rmdir", NULL },
	{ SSH_FXP_REALPATH, "realpath", NULL }, { SSH_FXP_STAT, "stat", NULL },
	{ SSH_FXP_RENAME, "rename", NULL }, { SSH_FXP_READLINK, "readlink", NULL },
	{ SSH_FXP_SYMLINK, "symlink", NULL },
	{ SSH_FXP_EXTENDED, "posix-rename", "posix-rename@openssh.com" },
	{ SSH_FXP_EXTENDED, "statvfs", "statvfs@openssh.com" },
	{ SSH_FXP_EXTENDED, "fstatvfs", "fstatvfs@openssh.com" },
	{ SSH_FXP_EXTENDED, "hardlink", "hardlink@openssh.com" },
	{ SSH_FXP_EXTENDED, "fsync", "fsync@openssh.com" },
	{ SSH_FXP_EXTENDED, "lsetstat", "lsetstat@openssh.com" },
	{ SSH_FXP_EXTENDED, "limits", "limits@openssh.com" },
	{ SSH_FXP_EXTENDED, "expand-path", "expand-path@openssh.com" },
	{ SSH_FXP_EXTENDED, "copy-data", "copy-data" },
	{ SSH_FXP_EXTENDED, "home-directory", "home-directory" },
	{ SSH_FXP_EXTENDED, "users-groups-by-id", "users-groups-by-id@openssh.com" },
};
#define N_REQUESTS (sizeof(requests) / sizeof(requests[0]))

const char *const *sftp_request_names(void)
{
	static const char *names[N_REQUESTS + 1];

	for (size_t i = 0; i < N_REQUESTS; i++)
		names[i] = requests[i].name;
	return names;
}

static int known(const char *name, size_t n)
{
	for (size_t i = 0; i < N_REQUESTS; i++)
		if (strlen(requests[i].name) == n && strncmp(requests[i].name, name, n) == 0)
			return 1;
	return 0;
}

int sftp_request_list_check(const char *list, char *bad, size_t badlen)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (!known(p, n)) {
			snprintf(bad, badlen, "%.*s", (int)n, p);
			return -1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

const char *sftp_request_name(uint8_t type, const struct kssh_buf *req)
{
	struct kssh_buf copy = *req;
	const uint8_t *ext = NULL;
	size_t n = 0;

	if (type == SSH_FXP_EXTENDED && kssh_buf_get_string_view(&copy, &ext, &n) != 0)
		return NULL;
	for (size_t i = 0; i < N_REQUESTS; i++) {
		if (requests[i].type != type)
			continue;
		if (type != SSH_FXP_EXTENDED)
			return requests[i].name;
		if (strlen(requests[i].extension) == n && memcmp(requests[i].extension, ext, n) == 0)
			return requests[i].name;
	}
	return NULL;
}

static int listed(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == len && strncmp(p, name, n) == 0)
			return 1;
		p += n + (p[n] == ',');
	}
	return 0;
}

int sftp_request_permitted(const struct sftp_server *s, const char *name)
{
	if (name == NULL)
		return 1; /* unknown: OP_UNSUPPORTED follows anyway */
	if (s->cfg.deny_requests != NULL && listed(s->cfg.deny_requests, name))
		return 0;
	if (s->cfg.allow_requests != NULL && !listed(s->cfg.allow_requests, name))
		return 0;
	return 1;
}

void sftp_log(struct sftp_server *s, int priority, const char *fmt, ...)
{
	char line[2 * PATH_MAX + 128];
	va_list ap;

	if (s->cfg.log == NULL || (s->cfg.log_max != 0 && priority > s->cfg.log_max))
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	s->cfg.log(s->cfg.log_arg, priority, line);
}

/* The request's first (and second) string field: the path(s) it names */
static void paths(const struct kssh_buf *req, int skip_extension, char *a, char *b, size_t len)
{
	struct kssh_buf copy = *req;
	const uint8_t *p;
	size_t n;

	a[0] = b[0] = 0;
	if (skip_extension && kssh_buf_get_string_view(&copy, &p, &n) != 0)
		return;
	if (kssh_buf_get_string_view(&copy, &p, &n) != 0)
		return;
	snprintf(a, len, "%.*s", (int)(n < len ? n : len - 1), (const char *)p);
	if (kssh_buf_get_string_view(&copy, &p, &n) == 0)
		snprintf(b, len, "%.*s", (int)(n < len ? n : len - 1), (const char *)p);
}

/* The requests logged once done, with the wording of OpenSSH's sftp-server (tools read its logs) */
static const struct {
	const char *name;
	const char *verb; /* NULL: "NAME old A new B" */
	int extension;    /* the paths follow the extension's name */
} logged[] = {
	{ "open", "open", 0 },          { "opendir", "opendir", 0 },  { "remove", "remove name", 0 },
	{ "mkdir", "mkdir name", 0 },   { "rmdir", "rmdir name", 0 }, { "rename", NULL, 0 },
	{ "posix-rename", NULL, 1 },    { "symlink", NULL, 0 },       { "hardlink", NULL, 1 },
	{ "setstat", "set", 0 },        { "lsetstat", "set", 1 },
};

void sftp_log_request(struct sftp_server *s, const char *name, const struct kssh_buf *req)
{
	const size_t n = sizeof(logged) / sizeof(logged[0]);
	char a[PATH_MAX], b[PATH_MAX];
	size_t i = 0;

	/* reads, writes and stats, the bulk of any session, are not logged: nothing to do for them */
	if (s->cfg.log == NULL || name == NULL || (s->cfg.log_max != 0 && LOG_INFO > s->cfg.log_max))
		return;
	while (i < n && strcmp(name, logged[i].name) != 0)
		i++;
	if (i == n)
		return;
	paths(req, logged[i].extension, a, b, sizeof(a));
	if (logged[i].verb == NULL)
		sftp_log(s, LOG_INFO, "%s old \"%s\" new \"%s\"", name, a, b);
	else
		sftp_log(s, LOG_INFO, "%s \"%s\"", logged[i].verb, a);
}
