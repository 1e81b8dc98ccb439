// SPDX-License-Identifier: MIT
/*
 * The remote end of the classic scp protocol ("scp -t" receives, "scp -f"
 * sends), as OpenSSH's `scp -O` runs it through exec. ksshd serves it itself
 * in the session's child, after the privilege drop, so an appliance needs no
 * scp binary. The command line is split and expanded as a shell would
 * (wordexp, never running a command); anything that is not plainly such an
 * scp command goes to the user's shell as before.
 *
 * Records (one line each, every one answered by a status byte: 0 ok,
 * 1 warning + message line, 2 fatal + message line):
 *   C<mode> <size> <name>   a file; <size> bytes and a status byte follow
 *   D<mode> 0 <name>        a directory, until the matching E
 *   E                       end of directory
 *   T<mtime> 0 <atime> 0    times for the next C or D (-p)
 * A name from the peer is one component: no "/", not "." or "..", so a
 * hostile client cannot write outside the target it named.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wordexp.h>

#include "sshd.h"

#define SCP_LINE_MAX (PATH_MAX + 64)
#define SCP_CHUNK (256 * 1024)
#define SCP_DEPTH_MAX 64

struct scp {
	FILE *in, *out;
	int recursive, preserve, target_must_be_dir;
	int errors;
	uint8_t *chunk;
};

/* A warning to the peer (status 1) and to our stderr, which the client shows */
static void scp_warn(struct scp *c, const char *fmt, ...)
{
	char msg[SCP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(c->out, "\001scp: %s\n", msg);
	fflush(c->out);
	c->errors++;
}

static int send_ok(struct scp *c)
{
	return fputc(0, c->out) == EOF || fflush(c->out) != 0 ? -1 : 0;
}

/* The peer's status byte: 0 on ok, -1 when it reported an error (shown on stderr) or went away */
static int read_ack(struct scp *c)
{
	char line[SCP_LINE_MAX];
	int b = fgetc(c->in);

	if (b == 0)
		return 0;
	if (b == 1 || b == 2) {
		if (fgets(line, sizeof(line), c->in) != NULL)
			fprintf(stderr, "%s", line);
		c->errors++;
		if (b == 2)
			exit(1);
		return -1;
	}
	if (b != EOF)
		fprintf(stderr, "scp: protocol error: unexpected status byte %d\n", b);
	exit(1);
}

/* ---- source: -f ---- */

static int send_times(struct scp *c, const struct stat *st)
{
	fprintf(c->out, "T%" PRIu64 " 0 %" PRIu64 " 0\n", (uint64_t)st->st_mtim.tv_sec,
	        (uint64_t)st->st_atim.tv_sec);
	fflush(c->out);
	return read_ack(c);
}

static void source_path(struct scp *c, const char *path, int depth);

static void source_file(struct scp *c, const char *path, const char *name, int fd, const struct stat *st)
{
	uint64_t size = (uint64_t)st->st_size, done = 0;
	int read_error = 0;

	if (c->preserve && send_times(c, st) != 0)
		return;
	fprintf(c->out, "C%04o %" PRIu64 " %s\n", (unsigned)(st->st_mode & 07777), size, name);
	fflush(c->out);
	if (read_ack(c) != 0)
		return;
	/* exactly size bytes go out whatever happens: a read error is padded and then reported */
	while (done < size) {
		size_t want = size - done > SCP_CHUNK ? SCP_CHUNK : (size_t)(size - done);
		ssize_t n = read_error ? 0 : pread(fd, c->chunk, want, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!read_error)
				read_error = n < 0 ? errno : EIO; /* shrank while being sent */
			memset(c->chunk, 0, want);
			n = (ssize_t)want;
		}
		if (fwrite(c->chunk, 1, (size_t)n, c->out) != (size_t)n)
			exit(1);
		done += (uint64_t)n;
	}
	if (read_error)
		scp_warn(c, "%s: %s", path, strerror(read_error));
	else if (send_ok(c) != 0)
		exit(1);
	read_ack(c);
}

static void source_dir(struct scp *c, const char *path, const char *name, const struct stat *st, int depth)
{
	struct dirent *de;
	DIR *dir;

	if (depth >= SCP_DEPTH_MAX) {
		scp_warn(c, "%s: directories nested too deeply", path);
		return;
	}
	if ((dir = opendir(path)) == NULL) {
		scp_warn(c, "%s: %s", path, strerror(errno));
		return;
	}
	if ((c->preserve && send_times(c, st) != 0) ||
	    (fprintf(c->out, "D%04o 0 %s\n", (unsigned)(st->st_mode & 07777), name), fflush(c->out),
	     read_ack(c) != 0)) {
		closedir(dir);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		char child[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, de->d_name) >= sizeof(child)) {
			scp_warn(c, "%s/%s: name too long", path, de->d_name);
			continue;
		}
		source_path(c, child, depth + 1);
	}
	closedir(dir);
	fputs("E\n", c->out);
	fflush(c->out);
	read_ack(c);
}

static void source_path(struct scp *c, const char *path, int depth)
{
	const char *name = strrchr(path, '/');
	struct stat st;
	int fd;

	name = name && name[1] ? name + 1 : path;
	if (strchr(name, '\n') != NULL) {
		scp_warn(c, "%s: a name with a newline cannot be sent", path);
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0 || fstat(fd, &st) != 0) {
		scp_warn(c, "%s: %s", path, strerror(errno));
	} else if (S_ISDIR(st.st_mode)) {
		if (c->recursive)
			source_dir(c, path, name, &st, depth);
		else
			scp_warn(c, "%s: not a regular file", path);
	} else if (!S_ISREG(st.st_mode)) {
		scp_warn(c, "%s: not a regular file", path);
	} else {
		source_file(c, path, name, fd, &st);
	}
	if (fd >= 0)
		close(fd);
}

/* ---- sink: -t ---- */

struct record {
	char type;
	unsigned mode;
	uint64_t size;
	char name[NAME_MAX + 1];
};

/* "C0644 123 name" / "D0755 0 name": mode, size, one path component */
static int parse_record(const char *line, struct record *r)
{
	char *end;
	size_t n;

	r->type = line[0];
	if (strlen(line) < 6 || strspn(line + 1, "01234567") != 4 || line[5] != ' ')
		return -1;
	r->mode = (unsigned)strtoul(line + 1, NULL, 8) & 07777;
	errno = 0;
	if (line[6] < '0' || line[6] > '9')
		return -1;
	r->size = strtoull(line + 6, &end, 10);
	if (errno || *end != ' ' || r->size > INT64_MAX)
		return -1;
	n = strlen(end + 1);
	if (n == 0 || n > NAME_MAX || strchr(end + 1, '/') || strcmp(end + 1, ".") == 0 ||
	    strcmp(end + 1, "..") == 0)
		return -1;
	memcpy(r->name, end + 1, n + 1);
	return 0;
}

static int read_line(struct scp *c, char *line, size_t len)
{
	size_t n;

	if (fgets(line, (int)len, c->in) == NULL)
		return -1;
	n = strlen(line);
	if (n == 0 || line[n - 1] != '\n')
		return -1; /* too long, or cut short */
	line[n - 1] = 0;
	return 0;
}

static void set_times(const char *path, int fd, const struct timespec ts[2])
{
	if (fd >= 0)
		futimens(fd, ts);
	else
		utimensat(AT_FDCWD, path, ts, 0);
}

/* Reads the file's bytes (all of them, whatever fails) and its trailing status byte */
static void sink_file(struct scp *c, const char *path, const struct record *r,
                      const struct timespec *times)
{
	uint64_t done = 0;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, r->mode | 0200);
	if (fd < 0)
		err = errno;
	if (send_ok(c) != 0)
		exit(1);
	while (done < r->size) {
		size_t want = r->size - done > SCP_CHUNK ? SCP_CHUNK : (size_t)(r->size - done);
		size_t got = fread(c->chunk, 1, want, c->in);

		if (got == 0) {
			fprintf(stderr, "scp: %s: the connection ended in the middle of the file\n", path);
			exit(1);
		}
		for (size_t off = 0; fd >= 0 && !err && off < got;) {
			ssize_t n = pwrite(fd, c->chunk + off, got - off, (off_t)(done + off));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				err = n < 0 ? errno : ENOSPC;
			else
				off += (size_t)n;
		}
		done += got;
	}
	if (fd >= 0 && !err && ftruncate(fd, (off_t)r->size) != 0 && errno != EINVAL)
		err = errno; /* EINVAL: a device or pipe, which has no length to set */
	if (fd >= 0 && !err && c->preserve && fchmod(fd, r->mode) != 0)
		err = errno;
	if (fd >= 0 && !err && times != NULL)
		set_times(path, fd, times);
	if (fd >= 0 && close(fd) != 0 && !err)
		err = errno;
	read_ack(c); /* the source's word that it sent the whole file */
	if (err)
		scp_warn(c, "%s: %s", path, strerror(err));
	else if (send_ok(c) != 0)
		exit(1);
}

static int sink(struct scp *c, const char *target, int depth);

static void sink_dir(struct scp *c, const char *path, const struct record *r,
                     const struct timespec *times, int depth)
{
	struct stat st;

	if (!c->recursive) {
		scp_warn(c, "received directory without -r");
		exit(1);
	}
	if (stat(path, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			scp_warn(c, "%s: not a directory", path);
			exit(1);
		}
	} else if (mkdir(path, r->mode | 0700) != 0) {
		scp_warn(c, "%s: %s", path, strerror(errno));
		exit(1);
	}
	if (send_ok(c) != 0)
		exit(1);
	sink(c, path, depth + 1);
	if (c->preserve && chmod(path, r->mode) != 0)
		scp_warn(c, "%s: %s", path, strerror(errno));
	if (times != NULL)
		set_times(path, -1, times);
}

/* One directory level: records until E (or the end of input at the top) */
static int sink(struct scp *c, const char *target, int depth)
{
	char line[SCP_LINE_MAX], path[PATH_MAX];
	struct timespec times[2];
	int have_times = 0, target_is_dir;
	struct stat st;

	target_is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	if (depth >= SCP_DEPTH_MAX) {
		scp_warn(c, "%s: directories nested too deeply", target);
		exit(1);
	}
	for (;;) {
		struct record r;
		int b = fgetc(c->in);

		if (b == EOF) {
			if (depth > 0)
				fprintf(stderr, "scp: the connection ended inside a directory\n");
			return depth > 0 ? -1 : 0;
		}
		line[0] = (char)b;
		if (b != '\n' && read_line(c, line + 1, sizeof(line) - 1) != 0) {
			fprintf(stderr, "scp: protocol error: a record line too long or cut short\n");
			exit(1);
		}
		if (b == 1 || b == 2) {
			fprintf(stderr, "%s\n", line + 1);
			c->errors++;
			if (b == 2)
				exit(1);
			continue;
		}
		if (b == 'E' && line[1] == 0 && depth > 0) {
			if (send_ok(c) != 0)
				exit(1);
			return 0;
		}
		if (b == 'T') {
			unsigned long long mt, mu, at, au;
			char extra;

			if (sscanf(line, "T%llu %llu %llu %llu%c", &mt, &mu, &at, &au, &extra) != 4 ||
			    mu > 999999 || au > 999999 || mt > INT64_MAX || at > INT64_MAX) {
				scp_warn(c, "protocol error: bad time record");
				exit(1);
			}
			times[0] = (struct timespec){ .tv_sec = (time_t)at, .tv_nsec = (long)au * 1000 };
			times[1] = (struct timespec){ .tv_sec = (time_t)mt, .tv_nsec = (long)mu * 1000 };
			have_times = 1;
			if (send_ok(c) != 0)
				exit(1);
			continue;
		}
		if ((b != 'C' && b != 'D') || parse_record(line, &r) != 0) {
			scp_warn(c, "protocol error: unexpected record '%.40s'", line);
			exit(1);
		}
		if (target_is_dir)
			snprintf(path, sizeof(path), "%s%s%s", target,
			         target[strlen(target) - 1] == '/' ? "" : "/", r.name);
		else if (c->target_must_be_dir)
			scp_warn(c, "%s: not a directory", target), exit(1);
		else
			snprintf(path, sizeof(path), "%s", target);
		if (r.type == 'D')
			sink_dir(c, path, &r, have_times && c->preserve ? times : NULL, depth);
		else
			sink_file(c, path, &r, have_times && c->preserve ? times : NULL);
		have_times = 0;
	}
}

/* "scp [-r] [-p] [-d] [-v] [-q] -t|-f [--] path...": the arguments after the flags, or -1 */
static int parse_command(char **argv, int argc, struct scp *c, int *sink_mode)
{
	int i, mode = 0;

	if (argc < 2 || strcmp(argv[0], "scp") != 0)
		return -1;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		for (const char *f = argv[i] + 1; *f; f++) {
			switch (*f) {
			case 'r': c->recursive = 1; break;
			case 'p': c->preserve = 1; break;
			case 'd': c->target_must_be_dir = 1; break;
			case 'v': case 'q': break;
			case 't': case 'f':
				if (mode != 0 && mode != *f)
					return -1;
				mode = *f;
				break;
			default: return -1; /* an option we do not know: the real scp may */
			}
		}
	}
	if (mode == 0 || i >= argc)
		return -1;
	*sink_mode = mode == 't';
	return i;
}

int scp_server_try(const char *command)
{
	struct scp c = { .in = stdin, .out = stdout };
	int first, sink_mode;
	wordexp_t we;

	if (strncmp(command, "scp ", 4) != 0 || wordexp(command, &we, WRDE_NOCMD) != 0)
		return -1;
	if ((first = parse_command(we.we_wordv, (int)we.we_wordc, &c, &sink_mode)) < 0) {
		wordfree(&we);
		return -1;
	}
	if ((c.chunk = malloc(SCP_CHUNK)) == NULL)
		return 1;
	setvbuf(stdin, NULL, _IOFBF, SCP_CHUNK);
	setvbuf(stdout, NULL, _IOFBF, SCP_CHUNK);
	if (sink_mode && we.we_wordc - (size_t)first != 1) {
		/* as OpenSSH's: an unquoted name with a space reaches us as two */
		fprintf(stderr, "scp: ambiguous target\n");
		return 1;
	}
	if (sink_mode) {
		if (send_ok(&c) != 0)
			return 1;
		sink(&c, we.we_wordv[first], 0);
	} else {
		if (read_ack(&c) != 0)
			return 1;
		for (size_t i = (size_t)first; i < we.we_wordc; i++)
			source_path(&c, we.we_wordv[i], 0);
	}
	fflush(stdout);
	return c.errors ? 1 : 0;
}
