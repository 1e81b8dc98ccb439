// SPDX-License-Identifier: MIT
/*
 * ksftp: the SFTP client. Interactive (a prompt), batch (-b file), or one-shot
 * (`ksftp user@host:path [local]`), and the spec's form
 * (`ksftp username U source-interface IF HOST:path local`). Wildcards work for
 * downloads and uploads alike.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kssh/version.h"
#include "kssh/err.h"
#include "kssh/sftp.h"
#include "log.h"
#include "sftp_channel.h"
#include "sftp_files.h"
#include "ssh.h"

#define LINE_MAX_LEN 4096
#define ARGS_MAX 8

static int cmd_get(struct sftp_files *s, char **argv, int argc, int resume)
{
	int keep = argc > 1 && strcmp(argv[1], "-p") == 0, i = 1 + keep, r = 0;
	char *remote, **matches = NULL, local[4096];
	size_t n = 0;

	if (i >= argc) {
		fprintf(stderr, "usage: get [-p] remote [local]\n");
		return -1;
	}
	if ((remote = sftp_files_remote_path(s, argv[i])) == NULL)
		return KSSH_ERR_ALLOC;
	if (sftp_files_has_glob(remote)) {
		if ((r = sftp_files_remote_glob(s, remote, &matches, &n)) != 0 || n == 0) {
			fprintf(stderr, "File \"%s\" not found.\n", remote);
			free(remote);
			return r < 0 ? r : -1;
		}
		for (size_t k = 0; k < n && r >= 0; k++) {
			snprintf(local, sizeof(local), "%s%s%s", i + 1 < argc ? argv[i + 1] : "",
			         i + 1 < argc ? "/" : "", sftp_files_base_name(matches[k]));
			r = sftp_files_get_one(s, matches[k], local, resume, keep) < 0 && r == 0 ? -1 : r;
		}
		for (size_t k = 0; k < n; k++)
			free(matches[k]);
		free(matches);
	} else {
		snprintf(local, sizeof(local), "%s", i + 1 < argc ? argv[i + 1] : sftp_files_base_name(remote));
		r = sftp_files_get_one(s, remote, local, resume, keep);
	}
	free(remote);
	return r;
}

static int cmd_put(struct sftp_files *s, char **argv, int argc, int resume)
{
	int keep = argc > 1 && strcmp(argv[1], "-p") == 0, i = 1 + keep, r = 0;
	glob_t g = { 0 };

	if (i >= argc) {
		fprintf(stderr, "usage: put [-p] local [remote]\n");
		return -1;
	}
	if (glob(argv[i], GLOB_NOCHECK, NULL, &g) != 0)
		return -1;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		char *target, *remote;
		int one = g.gl_pathc == 1 && i + 1 < argc;
		struct stat st;

		/* as OpenSSH's sftp: what a wildcard matches besides regular files is skipped */
		if (sftp_files_has_glob(argv[i]) && (stat(g.gl_pathv[k], &st) != 0 || !S_ISREG(st.st_mode))) {
			fprintf(stderr, "skipping non-regular file %s\n", g.gl_pathv[k]);
			continue;
		}
		target = one ? strdup(argv[i + 1]) : NULL;
		if (!one && i + 1 < argc && asprintf(&target, "%s/%s", argv[i + 1], sftp_files_base_name(g.gl_pathv[k])) < 0)
			target = NULL;
		remote = sftp_files_remote_path(s, target ? target : sftp_files_base_name(g.gl_pathv[k]));
		if (remote != NULL && sftp_files_put_one(s, g.gl_pathv[k], remote, resume, keep) != 0)
			r = -1;
		free(target);
		free(remote);
	}
	globfree(&g);
	return r;
}

static int cmd_ls(struct sftp_files *s, char **argv, int argc)
{
	int lflag = argc > 1 && strcmp(argv[1], "-l") == 0, r;
	char *path = sftp_files_remote_path(s, argc > 1 + lflag ? argv[1 + lflag] : NULL);
	struct sftp_handle_ref h;
	struct sftp_name *names;
	size_t n;

	if (path == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = sftp_client_opendir(s->c, path, &h)) != 0) {
		r = r < 0 ? r : sftp_files_report(s, "ls", path);
		free(path);
		return r;
	}
	while ((r = sftp_client_readdir(s->c, &h, &names, &n)) == 0 && n > 0) {
		for (size_t i = 0; i < n; i++)
			if (names[i].name[0] != '.')
				printf("%s\n", lflag ? names[i].longname : names[i].name);
		sftp_names_free(names, n);
	}
	sftp_client_close(s->c, &h);
	free(path);
	return r < 0 ? r : 0;
}

static int cmd_cd(struct sftp_files *s, const char *arg)
{
	char *path = sftp_files_remote_path(s, arg ? arg : "."), *real = NULL;
	struct sftp_attrs a;
	int r;

	if (path == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = sftp_client_realpath(s->c, path, &real)) != 0 ||
	    (r = sftp_client_stat(s->c, real, 1, &a)) != 0) {
		r = r < 0 ? r : sftp_files_report(s, "cd", path);
	} else if (!S_ISDIR(a.perm)) {
		fprintf(stderr, "cd \"%s\": not a directory\n", path);
		r = -1;
	} else {
		free(s->cwd);
		s->cwd = real;
		real = NULL;
	}
	free(real);
	free(path);
	return r;
}

static int path_cmd(struct sftp_files *s, uint8_t type, const char *what, const char *a, const char *b,
                    const struct sftp_attrs *attrs)
{
	char *pa = sftp_files_remote_path(s, a), *pb = b ? sftp_files_remote_path(s, b) : NULL;
	int r;

	if (pa == NULL || (b && pb == NULL))
		r = KSSH_ERR_ALLOC;
	else if (type == SSH_FXP_RENAME)
		r = sftp_client_posix_rename(s->c, pa, pb);
	else if (type == SSH_FXP_SYMLINK) /* OpenSSH's order: target as given, then the link */
		r = sftp_client_path_op(s->c, type, a, pb, NULL);
	else
		r = sftp_client_path_op(s->c, type, pa, pb, attrs);
	if (r > 0)
		r = sftp_files_report(s, what, pa);
	free(pa);
	free(pb);
	return r;
}

static int cmd_df(struct sftp_files *s, const char *arg)
{
	char *path = sftp_files_remote_path(s, arg);
	uint64_t f[11];
	int r = path ? sftp_client_statvfs(s->c, path, f) : KSSH_ERR_ALLOC;

	if (r == 0) {
		uint64_t unit = f[1] ? f[1] : f[0];

		printf("%12s %12s %12s %12s %9s\n", "Size(KiB)", "Used", "Avail", "(root)", "%Capacity");
		printf("%12llu %12llu %12llu %12llu %8llu%%\n", (unsigned long long)(f[2] * unit / 1024),
		       (unsigned long long)((f[2] - f[3]) * unit / 1024),
		       (unsigned long long)(f[4] * unit / 1024), (unsigned long long)(f[3] * unit / 1024),
		       (unsigned long long)(f[2] ? (f[2] - f[3]) * 100 / f[2] : 0));
	} else if (r > 0) {
		r = sftp_files_report(s, "df", path);
	}
	free(path);
	return r;
}

static int split(char *line, char **argv)
{
	int n = 0;

	for (char *p = strtok(line, " \t\r\n"); p != NULL && n < ARGS_MAX; p = strtok(NULL, " \t\r\n"))
		argv[n++] = p;
	return n;
}

/* One command; <0 for a failure (a connection error is fatal), 1 to quit */
static int run_command(struct sftp_files *s, char *line)
{
	char *argv[ARGS_MAX];
	int argc = split(line, argv);
	char *cmd = argc ? argv[0] : "";
	struct sftp_attrs a = { .flags = SSH_FILEXFER_ATTR_PERMISSIONS };

	if (argc == 0 || cmd[0] == '#')
		return 0;
	if (!strcmp(cmd, "quit") || !strcmp(cmd, "exit") || !strcmp(cmd, "bye"))
		return 1;
	if (!strcmp(cmd, "get") || !strcmp(cmd, "reget"))
		return cmd_get(s, argv, argc, cmd[0] == 'r');
	if (!strcmp(cmd, "put") || !strcmp(cmd, "reput"))
		return cmd_put(s, argv, argc, cmd[0] == 'r');
	if (!strcmp(cmd, "ls") || !strcmp(cmd, "dir"))
		return cmd_ls(s, argv, argc);
	if (!strcmp(cmd, "pwd"))
		return printf("Remote working directory: %s\n", s->cwd) < 0 ? -1 : 0;
	if (!strcmp(cmd, "cd"))
		return cmd_cd(s, argc > 1 ? argv[1] : NULL);
	if (!strcmp(cmd, "lcd"))
		return argc > 1 && chdir(argv[1]) == 0 ? 0 : (perror("lcd"), -1);
	if (!strcmp(cmd, "lpwd")) {
		char cwd[4096];

		return getcwd(cwd, sizeof(cwd)) ? printf("Local working directory: %s\n", cwd) * 0 : -1;
	}
	if (!strcmp(cmd, "df"))
		return cmd_df(s, argc > 1 ? argv[1] : NULL);
	if (argc >= 2 && !strcmp(cmd, "mkdir"))
		return a.perm = 0777, path_cmd(s, SSH_FXP_MKDIR, "mkdir", argv[1], NULL, &a);
	if (argc >= 2 && !strcmp(cmd, "rmdir"))
		return path_cmd(s, SSH_FXP_RMDIR, "rmdir", argv[1], NULL, NULL);
	if (argc >= 2 && !strcmp(cmd, "rm"))
		return path_cmd(s, SSH_FXP_REMOVE, "rm", argv[1], NULL, NULL);
	if (argc >= 3 && !strcmp(cmd, "rename"))
		return path_cmd(s, SSH_FXP_RENAME, "rename", argv[1], argv[2], NULL);
	if (argc >= 4 && !strcmp(cmd, "ln") && !strcmp(argv[1], "-s"))
		return path_cmd(s, SSH_FXP_SYMLINK, "ln -s", argv[2], argv[3], NULL);
	if (argc >= 3 && !strcmp(cmd, "ln")) {
		char *from = sftp_files_remote_path(s, argv[1]), *to = sftp_files_remote_path(s, argv[2]);
		int r = from && to ? sftp_client_hardlink(s->c, from, to) : KSSH_ERR_ALLOC;

		r = r > 0 ? sftp_files_report(s, "ln", from) : r;
		free(from);
		free(to);
		return r;
	}
	if (argc >= 3 && !strcmp(cmd, "chmod"))
		return a.perm = (uint32_t)strtoul(argv[1], NULL, 8) & 07777,
		       path_cmd(s, SSH_FXP_SETSTAT, "chmod", argv[2], NULL, &a);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "?")) {
		printf("ls [-l] [path], cd, lcd, pwd, lpwd, get [-p] remote [local], reget,\n"
		       "put [-p] local [remote], reput, mkdir, rmdir, rm, rename, ln [-s], chmod MODE path,\n"
		       "df [path], quit. get and put take wildcards.\n");
		return 0;
	}
	fprintf(stderr, "Invalid command or arguments: %s\n", cmd);
	return -1;
}

/* Batch (or interactive): a '-' before a command lets it fail without stopping the batch */
static int run_script(struct sftp_files *s, FILE *in, int interactive, int batch)
{
	char line[LINE_MAX_LEN];
	int status = 0;

	for (;;) {
		char *p = line;
		int r, tolerate;

		if (interactive) {
			fprintf(stderr, "ksftp> ");
			fflush(stderr);
		}
		if (fgets(line, sizeof(line), in) == NULL)
			break;
		while (*p == ' ' || *p == '\t')
			p++;
		tolerate = *p == '-';
		p += tolerate;
		if (batch && *p && *p != '\n')
			printf("ksftp> %s", p);
		fflush(stdout);
		r = run_command(s, p);
		if (r == 1)
			break;
		if (r < -1)
			return 2; /* the connection failed */
		if (r < 0 && !tolerate) {
			status = 1;
			if (batch)
				break;
		}
	}
	return status;
}

static void usage(void)
{
	fprintf(stderr, "usage: ksftp [-vCV] [-P port] [-i identity] [-c cipher] [-o Option=value]\n"
	                "             [-b batchfile] [user@]host[:path [local]]\n"
	                "       ksftp [username U] [source-interface IF] host:path [local]\n");
}

/* "[user@]host[:path]" */
static void split_target(struct client_options *o, char *arg, char **path)
{
	char *at = strrchr(arg, '@'), *colon;

	o->host = arg;
	if (at) {
		*at = 0;
		o->user = arg;
		o->host = at + 1;
	}
	*path = NULL;
	if (o->host[0] != '[' && (colon = strchr(o->host, ':')) != NULL) {
		*colon = 0;
		*path = colon + 1;
	}
}

static int parse_args(struct client_options *o, int argc, char **argv, const char **batch,
                      char **path, const char **local)
{
	int c;

	while ((c = getopt(argc, argv, "+vCVP:i:c:o:b:h")) != -1) {
		switch (c) {
		case 'v': o->verbose++; break;
		case 'C': break; /* compression: not offered, as the spec's server */
		case 'P': o->port = (unsigned)atoi(optarg); break;
		case 'i': if (client_add_identity(o, optarg) != 0) return -1; break;
		case 'c': o->ciphers = optarg; break;
		case 'o': if (client_set_option(o, optarg) != 0) return -1; break;
		case 'b': *batch = optarg; o->batch = 1; break;
		case 'V': kssh_print_version("ksftp", stdout); exit(0);
		default: usage(); return -1;
		}
	}
	/* the spec's words before the target */
	while (optind + 1 < argc && (!strcmp(argv[optind], "username") ||
	                             !strcmp(argv[optind], "source-interface"))) {
		if (!strcmp(argv[optind], "username"))
			o->user = argv[optind + 1];
		else
			o->source_interface = argv[optind + 1];
		optind += 2;
	}
	if (optind >= argc) {
		usage();
		return -1;
	}
	split_target(o, argv[optind++], path);
	*local = optind < argc ? argv[optind] : NULL;
	return o->port == 0 || o->port > 65535 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct client_options o = { .port = 22, .strict = STRICT_ASK, .connect_timeout = 30,
	                            .password_prompts = 3, .use_agent = 1, .no_command = 1 };
	const char *home = getenv("HOME"), *batch = NULL, *local = NULL;
	struct sftp_files s = { 0 };
	struct sftp_channel ch = { 0 };
	struct kssh_conn c;
	char *path = NULL;
	int status = 2, r;

	snprintf(o.known_hosts, sizeof(o.known_hosts), "%s/.ssh/known_hosts", home ? home : ".");
	client_read_config(&o);
	if (parse_args(&o, argc, argv, &batch, &path, &local) != 0 || client_check_lists(&o) != 0)
		return 2;
	if (o.user == NULL && (o.user = getenv("USER")) == NULL)
		o.user = "root";
	kssh_log_open("ksftp", 1, 0, o.verbose > 1 ? LOG_DEBUG : LOG_WARNING);
	if (sftp_session_start(&o, &c, &ch, &s.c, &s.cwd) != 0)
		goto out;
	s.progress = isatty(2) && batch == NULL;
	if (path != NULL && *path) {
		/* one-shot: fetch host:path (wildcards too) into local */
		char line[LINE_MAX_LEN];

		snprintf(line, sizeof(line), "get %s %s", path, local ? local : ".");
		if (local == NULL)
			snprintf(line, sizeof(line), "get %s", path);
		r = run_command(&s, line);
		status = r == 0 ? 0 : 1;
	} else if (batch != NULL) {
		FILE *f = strcmp(batch, "-") ? fopen(batch, "re") : stdin;

		if (f == NULL) {
			fprintf(stderr, "ksftp: %s: %s\n", batch, strerror(errno));
			goto out;
		}
		status = run_script(&s, f, 0, 1);
		if (f != stdin)
			fclose(f);
	} else {
		status = run_script(&s, stdin, isatty(0), 0);
	}
out:
	free(s.cwd);
	sftp_client_free(s.c);
	sftp_channel_close(&ch);
	client_close(&c);
	free(o.command_joined);
	return status;
}
