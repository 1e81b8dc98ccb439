// SPDX-License-Identifier: MIT
/* Files over SFTP for the clients: get and put of one file (resume, -p), remote wildcards, progress. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kssh/err.h"
#include "sftp_files.h"


static double seconds_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* name, percent, bytes, rate and time left, redrawn on one line */
void sftp_files_show_progress(void *arg, uint64_t done)
{
	struct sftp_files *s = arg;
	double t = seconds_since(&s->start), rate = t > 0 ? (double)done / t : 0;
	int pct = s->total ? (int)(done * 100 / s->total) : 100;
	double left = rate > 0 && s->total > done ? (double)(s->total - done) / rate : 0;

	if (!s->progress)
		return;
	fprintf(stderr, "\r%-30.30s %3d%% %10llu %7.1fMB/s   ETA %02d:%02d", s->name, pct,
	        (unsigned long long)done, rate / 1048576, (int)left / 60, (int)left % 60);
}

void sftp_files_end_progress(struct sftp_files *s, uint64_t done)
{
	if (!s->progress)
		return;
	sftp_files_show_progress(s, done);
	fprintf(stderr, "\n");
}

char *sftp_files_remote_path(struct sftp_files *s, const char *p)
{
	char *out;

	if (p == NULL || *p == 0)
		return strdup(s->cwd);
	if (p[0] == '/')
		return strdup(p);
	return asprintf(&out, "%s%s%s", s->cwd, strcmp(s->cwd, "/") ? "/" : "", p) < 0 ? NULL : out;
}

const char *sftp_files_base_name(const char *p)
{
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

int sftp_files_report(struct sftp_files *s, const char *what, const char *path)
{
	fprintf(stderr, "%s \"%s\": %s\n", what, path, sftp_client_message(s->c));
	return -1;
}

/* get and reget of one file: resume continues from the local file's size */
int sftp_files_get_one(struct sftp_files *s, const char *remote, const char *local, int resume, int keep)
{
	struct sftp_handle_ref h;
	struct sftp_attrs a;
	struct stat st;
	uint64_t from = 0;
	int fd, r;

	if ((r = sftp_client_stat(s->c, remote, 1, &a)) != 0)
		return r < 0 ? r : sftp_files_report(s, "stat remote", remote);
	if ((a.flags & SSH_FILEXFER_ATTR_PERMISSIONS) && !S_ISREG(a.perm)) {
		fprintf(stderr, "download \"%s\": not a regular file\n", remote);
		return -1;
	}
	if ((fd = open(local, O_WRONLY | O_CREAT | (resume ? 0 : O_TRUNC) | O_CLOEXEC, 0666)) < 0) {
		fprintf(stderr, "open local \"%s\": %s\n", local, strerror(errno));
		return -1;
	}
	if (resume && fstat(fd, &st) == 0)
		from = (uint64_t)st.st_size;
	if ((r = sftp_client_open(s->c, remote, SSH_FXF_READ, NULL, &h)) != 0) {
		close(fd);
		return r < 0 ? r : sftp_files_report(s, "open remote", remote);
	}
	s->name = sftp_files_base_name(remote);
	s->total = a.size;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	r = sftp_client_download(s->c, &h, fd, from, sftp_files_show_progress, s);
	sftp_files_end_progress(s, a.size);
	if (r == 0 && keep && (a.flags & SSH_FILEXFER_ATTR_ACMODTIME)) {
		struct timespec ts[2] = { { .tv_sec = a.atime }, { .tv_sec = a.mtime } };

		fchmod(fd, a.perm & 07777);
		futimens(fd, ts);
	}
	if (close(fd) != 0 && r == 0) {
		fprintf(stderr, "close local \"%s\": %s\n", local, strerror(errno));
		r = -1;
	}
	if (r > 0)
		sftp_files_report(s, "read remote", remote);
	if (sftp_client_close(s->c, &h) < 0)
		return KSSH_ERR_CONN_CLOSED;
	return r == 0 ? 0 : r < 0 ? r : -1;
}

/* put and reput of one file: resume appends from the remote file's size */
int sftp_files_put_one(struct sftp_files *s, const char *local, const char *remote, int resume, int keep)
{
	struct sftp_attrs a = { 0 }, ra;
	struct sftp_handle_ref h;
	uint64_t from = 0;
	struct stat st;
	int fd, r;

	if ((fd = open(local, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "open local \"%s\": %s\n", local, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "upload \"%s\": not a regular file\n", local);
		close(fd);
		return -1;
	}
	if (resume && sftp_client_stat(s->c, remote, 1, &ra) == 0)
		from = ra.size;
	a.flags = SSH_FILEXFER_ATTR_PERMISSIONS;
	a.perm = st.st_mode & 0777;
	r = sftp_client_open(s->c, remote, SSH_FXF_WRITE | SSH_FXF_CREAT | (resume ? 0 : SSH_FXF_TRUNC),
	                     &a, &h);
	if (r != 0) {
		close(fd);
		return r < 0 ? r : sftp_files_report(s, "open remote", remote);
	}
	s->name = sftp_files_base_name(local);
	s->total = (uint64_t)st.st_size;
	clock_gettime(CLOCK_MONOTONIC, &s->start);
	r = sftp_client_upload(s->c, &h, fd, from, (uint64_t)st.st_size, sftp_files_show_progress, s);
	sftp_files_end_progress(s, (uint64_t)st.st_size);
	close(fd);
	if (r > 0)
		sftp_files_report(s, "write remote", remote);
	if (r == 0 && keep) {
		a.flags = SSH_FILEXFER_ATTR_PERMISSIONS | SSH_FILEXFER_ATTR_ACMODTIME;
		a.perm = st.st_mode & 07777;
		a.atime = (uint32_t)st.st_atime;
		a.mtime = (uint32_t)st.st_mtime;
		if ((r = sftp_client_fsetstat(s->c, &h, &a)) > 0)
			sftp_files_report(s, "setstat remote", remote);
	}
	if ((sftp_client_close(s->c, &h)) != 0 && r == 0)
		r = sftp_files_report(s, "close remote", remote);
	return r == 0 ? 0 : r < 0 ? r : -1;
}

int sftp_files_has_glob(const char *p)
{
	return strpbrk(p, "*?[") != NULL;
}

/* Remote names matching a pattern in one directory: the spec's client could not; this one can */
int sftp_files_remote_glob(struct sftp_files *s, const char *pattern, char ***out, size_t *count)
{
	char *dir = strdup(pattern), *slash = strrchr(dir, '/');
	const char *pat = slash ? slash + 1 : pattern;
	struct sftp_handle_ref h;
	struct sftp_name *names;
	size_t n;
	int r;

	*out = NULL;
	*count = 0;
	if (slash)
		*slash = 0;
	if ((r = sftp_client_opendir(s->c, slash ? (*dir ? dir : "/") : ".", &h)) != 0) {
		free(dir);
		return r;
	}
	while ((r = sftp_client_readdir(s->c, &h, &names, &n)) == 0 && n > 0) {
		for (size_t i = 0; i < n; i++) {
			char *full;

			if (names[i].name[0] == '.' && pat[0] != '.')
				continue;
			if ((names[i].attrs.flags & SSH_FILEXFER_ATTR_PERMISSIONS) && !S_ISREG(names[i].attrs.perm))
				continue; /* directories and the like are not fetched by a wildcard */
			if (fnmatch(pat, names[i].name, 0) != 0 ||
			    asprintf(&full, "%s%s%s", slash ? dir : "", slash ? "/" : "", names[i].name) < 0)
				continue;
			*out = realloc(*out, (*count + 1) * sizeof(**out));
			(*out)[(*count)++] = full;
		}
		sftp_names_free(names, n);
	}
	sftp_client_close(s->c, &h);
	free(dir);
	return r < 0 ? r : 0;
}

