/* SPDX-License-Identifier: MIT */
/*
 * SFTP version 3 (draft-ietf-secsh-filexfer-02) and OpenSSH's extensions
 * (PROTOCOL, section 4). The server turns request bytes into reply bytes with
 * no I/O of its own beyond the file system: ksshd feeds it channel data in
 * the session's own process, ksftp-server feeds it stdin.
 */
#ifndef KSSH_SFTP_H
#define KSSH_SFTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "kssh/buf.h"

#define SFTP_VERSION 3

enum sftp_type {
	SSH_FXP_INIT = 1, SSH_FXP_VERSION = 2, SSH_FXP_OPEN = 3, SSH_FXP_CLOSE = 4,
	SSH_FXP_READ = 5, SSH_FXP_WRITE = 6, SSH_FXP_LSTAT = 7, SSH_FXP_FSTAT = 8,
	SSH_FXP_SETSTAT = 9, SSH_FXP_FSETSTAT = 10, SSH_FXP_OPENDIR = 11, SSH_FXP_READDIR = 12,
	SSH_FXP_REMOVE = 13, SSH_FXP_MKDIR = 14, SSH_FXP_RMDIR = 15, SSH_FXP_REALPATH = 16,
	SSH_FXP_STAT = 17, SSH_FXP_RENAME = 18, SSH_FXP_READLINK = 19, SSH_FXP_SYMLINK = 20,
	SSH_FXP_STATUS = 101, SSH_FXP_HANDLE = 102, SSH_FXP_DATA = 103, SSH_FXP_NAME = 104,
	SSH_FXP_ATTRS = 105, SSH_FXP_EXTENDED = 200, SSH_FXP_EXTENDED_REPLY = 201,
};

enum sftp_status {
	SSH_FX_OK = 0, SSH_FX_EOF = 1, SSH_FX_NO_SUCH_FILE = 2, SSH_FX_PERMISSION_DENIED = 3,
	SSH_FX_FAILURE = 4, SSH_FX_BAD_MESSAGE = 5, SSH_FX_NO_CONNECTION = 6,
	SSH_FX_CONNECTION_LOST = 7, SSH_FX_OP_UNSUPPORTED = 8,
};

#define SSH_FILEXFER_ATTR_SIZE 0x00000001
#define SSH_FILEXFER_ATTR_UIDGID 0x00000002
#define SSH_FILEXFER_ATTR_PERMISSIONS 0x00000004
#define SSH_FILEXFER_ATTR_ACMODTIME 0x00000008
#define SSH_FILEXFER_ATTR_EXTENDED 0x80000000

#define SSH_FXF_READ 0x01
#define SSH_FXF_WRITE 0x02
#define SSH_FXF_APPEND 0x04
#define SSH_FXF_CREAT 0x08
#define SSH_FXF_TRUNC 0x10
#define SSH_FXF_EXCL 0x20

/* What we accept and announce through limits@openssh.com */
#define SFTP_MAX_PACKET (1024u * 1024 + 1024)
#define SFTP_MAX_READ (1024u * 1024)
#define SFTP_MAX_WRITE (1024u * 1024)
#define SFTP_MAX_HANDLES 512

struct sftp_attrs {
	uint32_t flags;
	uint64_t size;
	uint32_t uid, gid, perm, atime, mtime;
};

int sftp_attrs_decode(struct kssh_buf *b, struct sftp_attrs *a);
int sftp_attrs_encode(struct kssh_buf *b, const struct sftp_attrs *a);
void sftp_attrs_from_stat(const struct stat *st, struct sftp_attrs *a);
/* "-rw-r--r--    1 user     group        1234 Jan  1 12:00 name", as ls -l and OpenSSH print */
void sftp_longname(const char *name, const struct stat *st, char *out, size_t len);
/* The user (group != 0: group) name of an id, or NULL when it has none; remembered, as ls does */
const char *sftp_id_name(int group, uint32_t id);
int sftp_status_from_errno(int err);
const char *sftp_status_message(int status);

struct sftp_server_config {
	const char *home;       /* the user's home: relative paths start here, "~" names it */
	const char *start;      /* relative paths start here instead, when set */
	const char *root;       /* when set, every path resolves inside this directory, which the client sees as "/" */
	const char *user;       /* for home-directory and ~ expansion */
	int read_only;
	/*
	 * OpenSSH sftp-server's -p and -P: comma-separated request names (as
	 * sftp_request_names lists them, extensions included). A request the
	 * deny list names, or that an allow list leaves out, is refused with
	 * SSH_FX_PERMISSION_DENIED and logged. NULL: no list.
	 */
	const char *allow_requests, *deny_requests;
	/* Where the log lines go (syslog priorities: LOG_INFO for what changed or was read, LOG_DEBUG for each request) */
	void (*log)(void *arg, int priority, const char *line);
	void *log_arg;
	int log_max; /* lines of a priority above this are not even made (most requests are DEBUG); 0: all, negative: none */
	int no_io_uring; /* serve READs and WRITEs one by one with pread/pwrite, as where io_uring is missing */
};

/* The request names, as OpenSSH's sftp-server -Q requests prints them; NULL-terminated */
const char *const *sftp_request_names(void);
/* 0 when every name in the comma-separated list is a request name; else -1 with the bad one in bad */
int sftp_request_list_check(const char *list, char *bad, size_t badlen);

struct sftp_server;

/* NULL when the root (or memory) is missing: errno says why */
struct sftp_server *sftp_server_new(const struct sftp_server_config *cfg);
void sftp_server_free(struct sftp_server *s);
struct kssh_buf *sftp_server_input(struct sftp_server *s);
struct kssh_buf *sftp_server_output(struct sftp_server *s);
/*
 * Answers the complete requests in the input while the output holds less than
 * out_limit bytes. Returns 0, or an error when the stream is not SFTP (a bad
 * length): the session should then end.
 */
int sftp_server_process(struct sftp_server *s, size_t out_limit);

/* How READs and WRITEs were served: batches through io_uring, and the requests they held */
struct sftp_io_stats {
	int io_uring; /* a ring is in use */
	uint64_t batches, batched_requests;
};
void sftp_server_io_stats(const struct sftp_server *s, struct sftp_io_stats *st);

/*
 * Zero copy, for a sender that can splice file bytes into the stream
 * (sendfile over kernel/'s record layer): READ replies put their header in
 * the output and leave their data in the file as a segment. The output
 * stream is then the output buffer with each segment's bytes inserted at
 * pos (bytes of the buffer before it).
 */
#define SFTP_MAX_SEGMENTS 256
struct sftp_segment {
	size_t pos;
	int fd;            /* the server's own descriptor, closed when the segment is done */
	uint64_t offset;
	uint32_t len;
};
void sftp_server_set_zero_copy(struct sftp_server *s, int on);
/* The next segment in the stream, or NULL */
const struct sftp_segment *sftp_server_segment(const struct sftp_server *s);
/* n bytes of the output buffer were sent (never past the next segment's pos) */
void sftp_server_output_sent(struct sftp_server *s, size_t n);
/* n bytes of the next segment were sent */
void sftp_server_segment_sent(struct sftp_server *s, uint32_t n);

/*
 * The client side. The library composes requests into `out` and parses
 * replies from `in`; the caller's io function sends what is in out and
 * blocks until more bytes arrive in in (over a channel, or pipes).
 */
typedef int (*sftp_io_fn)(void *arg, struct kssh_buf *out, struct kssh_buf *in);

#define SFTP_HANDLE_MAX 256

struct sftp_handle_ref {
	uint8_t data[SFTP_HANDLE_MAX];
	size_t len;
};

struct sftp_name {
	char *name, *longname;
	struct sftp_attrs attrs;
};

struct sftp_client;

struct sftp_client *sftp_client_new(sftp_io_fn io, void *arg);
void sftp_client_free(struct sftp_client *c);
/* INIT, VERSION, and the server's limits when it offers limits@openssh.com */
int sftp_client_init(struct sftp_client *c);
/* The last STATUS (code and message) a request got */
int sftp_client_status(const struct sftp_client *c);
const char *sftp_client_message(const struct sftp_client *c);
int sftp_client_has_extension(const struct sftp_client *c, const char *name);

int sftp_client_realpath(struct sftp_client *c, const char *path, char **out);
int sftp_client_stat(struct sftp_client *c, const char *path, int follow, struct sftp_attrs *a);
int sftp_client_open(struct sftp_client *c, const char *path, uint32_t pflags,
                     const struct sftp_attrs *a, struct sftp_handle_ref *h);
int sftp_client_opendir(struct sftp_client *c, const char *path, struct sftp_handle_ref *h);
/* One batch of entries; *n is 0 at the end of the directory. Free with sftp_names_free. */
int sftp_client_readdir(struct sftp_client *c, const struct sftp_handle_ref *h,
                        struct sftp_name **names, size_t *n);
void sftp_names_free(struct sftp_name *names, size_t n);
int sftp_client_close(struct sftp_client *c, const struct sftp_handle_ref *h);
int sftp_client_fsetstat(struct sftp_client *c, const struct sftp_handle_ref *h,
                         const struct sftp_attrs *a);
/* Requests answered by a STATUS: REMOVE, MKDIR, RMDIR, SYMLINK, RENAME, SETSTAT, ... */
int sftp_client_path_op(struct sftp_client *c, uint8_t type, const char *a, const char *b,
                        const struct sftp_attrs *attrs);
int sftp_client_posix_rename(struct sftp_client *c, const char *from, const char *to);
int sftp_client_hardlink(struct sftp_client *c, const char *from, const char *to);
int sftp_client_statvfs(struct sftp_client *c, const char *path, uint64_t fields[11]);

/* Pipelined transfers: many requests in flight; progress(arg, bytes so far) after each reply */
typedef void (*sftp_progress_fn)(void *arg, uint64_t done);
int sftp_client_download(struct sftp_client *c, const struct sftp_handle_ref *h, int fd,
                         uint64_t offset, sftp_progress_fn progress, void *arg);
int sftp_client_upload(struct sftp_client *c, const struct sftp_handle_ref *h, int fd,
                       uint64_t offset, uint64_t size, sftp_progress_fn progress, void *arg);

#endif
