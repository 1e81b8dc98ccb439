/* SPDX-License-Identifier: MIT */
/* Files over SFTP for the clients (ksftp, kscp): single-file get and put, remote wildcards, progress. */
#ifndef KSSH_SFTP_FILES_H
#define KSSH_SFTP_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "kssh/sftp.h"

struct sftp_files {
	struct sftp_client *c;
	char *cwd;             /* remote working directory */
	int progress;          /* a progress bar on the terminal */
	const char *name;      /* the file being moved, for the bar */
	uint64_t total;
	struct timespec start;
};

void sftp_files_show_progress(void *arg, uint64_t done);
void sftp_files_end_progress(struct sftp_files *s, uint64_t done);
char *sftp_files_remote_path(struct sftp_files *s, const char *p); /* relative to cwd; free it */
const char *sftp_files_base_name(const char *p);
int sftp_files_report(struct sftp_files *s, const char *what, const char *path);
/* 0, -1 for a failure already reported, or a connection error (< -1) */
int sftp_files_get_one(struct sftp_files *s, const char *remote, const char *local, int resume, int keep);
int sftp_files_put_one(struct sftp_files *s, const char *local, const char *remote, int resume, int keep);
int sftp_files_has_glob(const char *p);
/* Regular files matching a pattern in one remote directory */
int sftp_files_remote_glob(struct sftp_files *s, const char *pattern, char ***out, size_t *count);

#endif
