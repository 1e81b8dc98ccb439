/* SPDX-License-Identifier: MIT */
/* The SFTP server's state and reply helpers, shared by sftp_server.c, sftp_ops.c, sftp_ext.c. */
#ifndef KSSH_SFTP_INTERNAL_H
#define KSSH_SFTP_INTERNAL_H

#include <dirent.h>
#include <limits.h>

#include "kssh/sftp.h"

enum handle_kind { HANDLE_FREE, HANDLE_FILE, HANDLE_DIR };

struct sftp_handle {
	enum handle_kind kind;
	int fd;
	DIR *dir;
	char *path;
	uint32_t gen;       /* makes a stale handle string useless after CLOSE */
	uint64_t bytes_read, bytes_written; /* for the close's log line */
	int append;         /* opened with SSH_FXF_APPEND: the kernel picks where writes go */
	int storage;        /* sftp_batch.c: 0 not yet asked, else where the file lives */
};

enum sftp_uring_state { SFTP_URING_UNTRIED, SFTP_URING_READY, SFTP_URING_UNAVAILABLE };
struct sftp_uring;

struct sftp_server {
	struct sftp_server_config cfg;
	int rootfd;          /* every path resolves under this directory (sftp_path.c) */
	char root[PATH_MAX]; /* its real path, "/" without a configured root */
	char home[PATH_MAX]; /* the user's home and the start directory, as the client sees them */
	char cwd[PATH_MAX];
	char user[64];
	struct kssh_buf in, out;
	int version_sent;
	struct sftp_handle handles[SFTP_MAX_HANDLES];
	uint32_t next_gen;
	size_t reply_start;  /* offset of the reply being composed in out */
	/* zero copy: READ data left in its file, spliced into the output stream by the sender */
	int zero_copy;
	struct sftp_segment segs[SFTP_MAX_SEGMENTS];
	size_t seg_first, n_segs;
	uint64_t seg_bytes;  /* file bytes the segments still hold */
	char *allow, *deny;  /* the request lists, our copies */
	/* READs and WRITEs in flight together (sftp_batch.c), the ring made at the first batch */
	struct sftp_uring *uring;
	enum sftp_uring_state uring_state;
	uint64_t batches, batched_requests;
};

#define HANDLE_LEN 8

/* sftp_policy.c: the request lists and the log */
void sftp_log(struct sftp_server *s, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The request's name; NULL for one we do not know (answered OP_UNSUPPORTED anyway) */
const char *sftp_request_name(uint8_t type, const struct kssh_buf *req);
int sftp_request_permitted(const struct sftp_server *s, const char *name);
/* After a request was answered: its INFO line, as OpenSSH's sftp-server writes them */
void sftp_log_request(struct sftp_server *s, const char *name, const struct kssh_buf *req);

/* Replies: begin writes length (patched by end), type and id. */
int sftp_reply_begin(struct sftp_server *s, uint8_t type, uint32_t id);
int sftp_reply_end(struct sftp_server *s);
int sftp_reply_status(struct sftp_server *s, uint32_t id, int status, const char *msg);
int sftp_reply_errno(struct sftp_server *s, uint32_t id, int err);
int sftp_reply_read_only(struct sftp_server *s, uint32_t id); /* a change refused by -R */
int sftp_reply_attrs(struct sftp_server *s, uint32_t id, const struct stat *st);
int sftp_reply_name(struct sftp_server *s, uint32_t id, const char *name, const struct stat *st);

/* Handles */
int sftp_handle_new(struct sftp_server *s, enum handle_kind kind, int fd, DIR *dir,
                    const char *path);
struct sftp_handle *sftp_handle_get(struct sftp_server *s, struct kssh_buf *req,
                                    enum handle_kind kind);
int sftp_put_handle(struct sftp_server *s, int index);

/*
 * sftp_batch.c: serves the run of READs (or WRITEs) at the head of the input
 * together through io_uring; *served is the input they took, 0 when the head
 * is left to the ordinary path.
 */
int sftp_batch_serve(struct sftp_server *s, size_t out_limit, size_t *served);
void sftp_batch_free(struct sftp_server *s);

/* Requests: each parses the rest of its message and replies; an error means a malformed request. */
int sftp_op_open(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_close(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_read(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
/* sftp_zerocopy.c: a DATA reply whose data stays in the file; KSSH_ERR_AGAIN: no segment free, copy it */
int sftp_read_by_reference(struct sftp_server *s, int fd, uint32_t id, uint64_t offset, uint32_t len);
void sftp_segments_free(struct sftp_server *s);
int sftp_op_write(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_stat(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int follow);
int sftp_op_fstat(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_setstat(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int follow);
int sftp_op_fsetstat(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_opendir(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_readdir(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_remove(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_mkdir(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_rmdir(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_realpath(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_rename(struct sftp_server *s, uint32_t id, struct kssh_buf *req, int posix);
int sftp_op_readlink(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_hardlink(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_symlink(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
int sftp_op_extended(struct sftp_server *s, uint32_t id, struct kssh_buf *req);
/* The extensions VERSION announces */
int sftp_put_extensions(struct kssh_buf *b);

/* Paths resolved inside the root (sftp_path.c); each returns an fd or -1 with errno */
int sftp_path_open(struct sftp_server *s, const char *path, int flags, mode_t mode);
int sftp_path_parent(struct sftp_server *s, const char *path, char *base, size_t base_len);
int sftp_path_canonical(struct sftp_server *s, const char *path, char *out, size_t len);
int sftp_path_virtual(const struct sftp_server *s, const char *real_path, char *out, size_t len);
void sftp_path_of_fd(int fd, char *out, size_t len);
int sftp_path_setup(struct sftp_server *s, const char *root, const char *home, const char *start);

/* A path from the request: a C string without NULs */
int sftp_get_path(struct kssh_buf *req, char **path);
int sftp_apply_attrs(int fd, const struct sftp_attrs *a);

#endif
