// SPDX-License-Identifier: MIT
/*
 * Durable configuration, as on the spec's routers: every commit is written
 * to the file ksshd started from (a new file, fsync, rename over the old
 * one, fsync of the directory: a reader sees the old file or the new one,
 * never half of one; mode 0600), and kept in a commit history beside it
 * (FILE.commits/ID, the whole running configuration of that commit, the
 * last KEEP of them) that `show configuration commit list|changes` reads
 * and `rollback configuration last N|to ID` goes back to.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sshd.h"

#define FIRST_ID 1000000000ul /* the configuration ksshd started with */
#define KEEP 50
#define MAX_COMMITS 256

static void history_dir(const struct sshd_options *o, char *out, size_t len)
{
	snprintf(out, len, "%s.commits", o->config_file);
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* path gets text whole or not at all */
static int write_atomically(const char *path, const char *text)
{
	char tmp[4096], dir[4096];
	int fd, dfd, r = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.new.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -1;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return -1;
	if (write_all(fd, text, strlen(text)) != 0 || fchmod(fd, 0600) != 0 || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		r = fsync(dfd);
		close(dfd);
	}
	return r;
}

/*
 * The running configuration as saved: without a port that came from -p
 * (any port is allowed there, the language allows 22 and 5520-5529, and
 * the command line sets it again at the next start).
 */
static char *running_text(const struct sshd_options *o)
{
	char *text = NULL, port_line[48];
	size_t len = 0, n;
	FILE *mem = open_memstream(&text, &len);
	char *p;

	if (mem == NULL)
		return NULL;
	sshd_config_reveal_secrets = 1; /* the saved file keeps the secrets; show output masks them */
	sshd_config_print(o, NULL, mem);
	sshd_config_reveal_secrets = 0;
	fclose(mem);
	n = (size_t)snprintf(port_line, sizeof(port_line), "ssh server port %u\n", o->port);
	if (o->port_from_cli && text != NULL && (p = strstr(text, port_line)) != NULL &&
	    (p == text || p[-1] == '\n'))
		memmove(p, p + n, strlen(p + n) + 1);
	return text;
}

static int cmp_ids(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

/* The commit ids, oldest first */
static size_t list_ids(const struct sshd_options *o, unsigned long *ids, size_t max)
{
	char dir[4096];
	struct dirent *e;
	size_t n = 0;
	DIR *d;

	history_dir(o, dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		char *end;
		unsigned long id = strtoul(e->d_name, &end, 10);

		if (*end == 0 && id >= FIRST_ID)
			ids[n++] = id;
	}
	closedir(d);
	qsort(ids, n, sizeof(ids[0]), cmp_ids);
	return n;
}

static int record(const struct sshd_options *o, unsigned long id, const char *user, int lines, const char *text)
{
	char dir[4096], path[4200], *body = NULL;
	int r;

	history_dir(o, dir, sizeof(dir));
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%lu", dir, id);
	if (asprintf(&body, "! commit %lu\n! user %s\n! time %lld\n! lines %d\n%s", id, user, (long long)time(NULL),
	             lines, text) < 0)
		return -1;
	r = write_atomically(path, body);
	free(body);
	return r;
}

int sshd_config_store_init(const struct sshd_options *o)
{
	unsigned long ids[MAX_COMMITS];
	char *text;
	int r;

	if (o->config_file == NULL || list_ids(o, ids, MAX_COMMITS) > 0)
		return 0;
	/* the history starts with the configuration as ksshd found it */
	if ((text = running_text(o)) == NULL)
		return -1;
	r = record(o, FIRST_ID, "startup", 0, text);
	free(text);
	return r;
}

int sshd_config_store_commit(const struct sshd_options *o, const char *user, int lines, char *msg, size_t msglen)
{
	unsigned long ids[MAX_COMMITS], id;
	size_t n;
	char *text;

	if (o->config_file == NULL) {
		snprintf(msg, msglen, "not saved: ksshd started without a configuration file (-f); "
		                      "the change lasts until it stops");
		return 0;
	}
	if ((text = running_text(o)) == NULL || write_atomically(o->config_file, text) != 0) {
		snprintf(msg, msglen, "could not save %s: %s", o->config_file, strerror(errno));
		free(text);
		return -1;
	}
	n = list_ids(o, ids, MAX_COMMITS);
	id = n ? ids[n - 1] + 1 : FIRST_ID + 1;
	if (record(o, id, user, lines, text) != 0) {
		snprintf(msg, msglen, "saved to %s, but the commit history could not be written: %s", o->config_file,
		         strerror(errno));
		free(text);
		return -1;
	}
	free(text);
	/* prune: the oldest go, the newest KEEP stay */
	for (size_t i = 0; n + 1 > KEEP && i < n + 1 - KEEP; i++) {
		char dir[4096], path[4200];

		history_dir(o, dir, sizeof(dir));
		snprintf(path, sizeof(path), "%s/%lu", dir, ids[i]);
		unlink(path);
	}
	snprintf(msg, msglen, "commit %lu saved to %s", id, o->config_file);
	return 0;
}

/* A commit's file: its header fields and its configuration lines */
static char *read_commit(const struct sshd_options *o, unsigned long id)
{
	char dir[4096], path[4200], *text;
	struct stat st;
	FILE *f;

	history_dir(o, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/%lu", dir, id);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size > 1 << 20 || (text = calloc(1, (size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(text, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static const char *header(const char *text, const char *field, char *out, size_t len)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "! %s ", field);
	out[0] = 0;
	if ((p = strstr(text, key)) != NULL)
		snprintf(out, len, "%.*s", (int)strcspn(p + strlen(key), "\n"), p + strlen(key));
	return out;
}

/* The configuration lines of a commit (its header skipped) */
static const char *body_of(const char *text)
{
	while (text[0] == '!' && strchr(text, '\n') != NULL)
		text = strchr(text, '\n') + 1;
	return text;
}

void sshd_config_store_list(const struct sshd_options *o, FILE *out)
{
	unsigned long ids[MAX_COMMITS];
	size_t n = list_ids(o, ids, MAX_COMMITS);

	if (o->config_file == NULL) {
		fprintf(out, "no commit history: ksshd started without a configuration file\n");
		return;
	}
	fprintf(out, "SNo. Label/ID     User       Lines  Client   Time Stamp\n");
	fprintf(out, "~~~~ ~~~~~~~~     ~~~~       ~~~~~  ~~~~~~   ~~~~~~~~~~\n");
	for (size_t i = 0; i < n; i++) {
		char *text = read_commit(o, ids[n - 1 - i]), user[64], lines[16], when[32], stamp[64] = "";
		time_t t;

		if (text == NULL)
			continue;
		t = (time_t)strtoll(header(text, "time", when, sizeof(when)), NULL, 10);
		strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", localtime(&t));
		fprintf(out, "%-4zu %-12lu %-10s %-6s %-8s %s\n", i + 1, ids[n - 1 - i], header(text, "user", user, sizeof(user)),
		        header(text, "lines", lines, sizeof(lines)), ids[n - 1 - i] == FIRST_ID ? "startup" : "ksshctl",
		        stamp);
		free(text);
	}
}

static int has_line(const char *text, const char *line, size_t len)
{
	for (const char *p = text; *p;) {
		size_t k = strcspn(p, "\n");

		if (k == len && strncmp(p, line, len) == 0)
			return 1;
		p += k + (p[k] == '\n');
	}
	return 0;
}

/* Lines of from that are not in to, each prefixed */
static void lines_missing(const char *from, const char *to, const char *prefix, FILE *out)
{
	for (const char *p = from; *p;) {
		size_t k = strcspn(p, "\n");

		if (k > 0 && !has_line(to, p, k))
			sshd_print_masked(out, prefix, p, k);
		p += k + (p[k] == '\n');
	}
}

int sshd_config_store_changes(const struct sshd_options *o, unsigned long id, FILE *out)
{
	unsigned long ids[MAX_COMMITS];
	size_t n = list_ids(o, ids, MAX_COMMITS), i;
	char *now, *before = NULL;

	for (i = 0; i < n && ids[i] != id; i++)
		;
	if (i == n || (now = read_commit(o, id)) == NULL) {
		fprintf(out, "no commit %lu (show configuration commit list)\n", id);
		return 0;
	}
	if (i > 0)
		before = read_commit(o, ids[i - 1]);
	fprintf(out, "Building configuration...\n!! commit %lu\n", id);
	lines_missing(body_of(before ? before : ""), body_of(now), "- ", out);
	lines_missing(body_of(now), body_of(before ? before : ""), "+ ", out);
	fprintf(out, "end\n");
	free(now);
	free(before);
	return 1;
}

/*
 * The lines that take the running configuration to a commit's: a `no` for
 * each line it lacks, then its lines. NULL (with why) when there is no such commit.
 */
char *sshd_config_store_rollback_lines(const struct sshd_options *o, int last, unsigned long arg, char *why,
                                       size_t whylen)
{
	unsigned long ids[MAX_COMMITS], id;
	size_t n = list_ids(o, ids, MAX_COMMITS), len = 0;
	char *target, *now, *lines = NULL;
	FILE *mem;

	if (o->config_file == NULL) {
		snprintf(why, whylen, "no commit history: ksshd started without a configuration file");
		return NULL;
	}
	if (last) {
		if (arg == 0 || arg >= n) {
			snprintf(why, whylen, "last %lu: there are %zu earlier configurations", arg, n ? n - 1 : 0);
			return NULL;
		}
		id = ids[n - 1 - arg];
	} else {
		id = arg;
	}
	if ((target = read_commit(o, id)) == NULL) {
		snprintf(why, whylen, "no commit %lu (show configuration commit list)", id);
		return NULL;
	}
	if ((now = running_text(o)) == NULL || (mem = open_memstream(&lines, &len)) == NULL) {
		free(target);
		free(now);
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	lines_missing(now, body_of(target), "no ", mem);
	fputs(body_of(target), mem);
	fclose(mem);
	free(target);
	free(now);
	return lines;
}

char *sshd_config_store_lines_to(const struct sshd_options *o, const char *text)
{
	char *now = running_text(o), *lines = NULL;
	size_t len = 0;
	FILE *mem;

	if (now == NULL || (mem = open_memstream(&lines, &len)) == NULL) {
		free(now);
		return NULL;
	}
	lines_missing(now, text, "no ", mem);
	fputs(text, mem);
	fclose(mem);
	free(now);
	return lines;
}
