// SPDX-License-Identifier: MIT
/*
 * kscp: copies files to or from a host over SFTP (as OpenSSH 9's scp does by
 * default). Names come from our own directory listings, never from a stream
 * the server composes, and each is checked before it is used locally: no
 * '/', no "." or "..", so a server cannot write outside the target (the class
 * of CVE-2019-6111).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kssh/version.h"
#include "kssh/err.h"
#include "log.h"
#include "sftp_channel.h"
#include "sftp_files.h"

struct copy {
	struct sftp_files f;
	int recursive, keep;
	int errors;
};

static void usage(void)
{
	fprintf(stderr, "usage: kscp [-rpqvV] [-P port] [-i identity] [-c cipher] [-o Option=value]\n"
	                "            source ... target     (one side [user@]host:path)\n");
}

/* A name from a remote listing that is safe to create locally */
static int safe_name(const char *name)
{
	return *name && strchr(name, '/') == NULL && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static char *join(const char *dir, const char *name)
{
	char *out;

	return asprintf(&out, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name) < 0 ? NULL : out;
}

static int download(struct copy *cp, const char *remote, const char *local);

static int download_dir(struct copy *cp, const char *remote, const char *local)
{
	struct sftp_handle_ref h;
	struct sftp_name *names;
	size_t n;
	int r;

	if (mkdir(local, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "kscp: %s: %s\n", local, strerror(errno));
		return -1;
	}
	if ((r = sftp_client_opendir(cp->f.c, remote, &h)) != 0)
		return r < 0 ? r : sftp_files_report(&cp->f, "opendir", remote);
	while ((r = sftp_client_readdir(cp->f.c, &h, &names, &n)) == 0 && n > 0) {
		for (size_t i = 0; i < n && r >= -1; i++) {
			char *rp, *lp;

			if (!strcmp(names[i].name, ".") || !strcmp(names[i].name, ".."))
				continue;
			if (!safe_name(names[i].name)) {
				fprintf(stderr, "kscp: refusing unsafe name from the server: \"%s\"\n", names[i].name);
				cp->errors++;
				continue;
			}
			rp = join(remote, names[i].name);
			lp = join(local, names[i].name);
			r = rp && lp ? download(cp, rp, lp) : KSSH_ERR_ALLOC;
			free(rp);
			free(lp);
		}
		sftp_names_free(names, n);
		if (r < -1)
			break;
	}
	sftp_client_close(cp->f.c, &h);
	return r < -1 ? r : 0;
}

static int download(struct copy *cp, const char *remote, const char *local)
{
	struct sftp_attrs a;
	int r;

	if ((r = sftp_client_stat(cp->f.c, remote, 1, &a)) != 0)
		return r < 0 ? r : (cp->errors++, sftp_files_report(&cp->f, "kscp", remote), -1);
	if (S_ISDIR(a.perm)) {
		if (!cp->recursive) {
			fprintf(stderr, "kscp: %s: not a regular file\n", remote);
			cp->errors++;
			return -1;
		}
		return download_dir(cp, remote, local);
	}
	if ((r = sftp_files_get_one(&cp->f, remote, local, 0, cp->keep)) == -1)
		cp->errors++;
	return r;
}

static int upload(struct copy *cp, const char *local, const char *remote)
{
	struct sftp_attrs a = { .flags = SSH_FILEXFER_ATTR_PERMISSIONS }, ra;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0;

	if (stat(local, &st) != 0) {
		fprintf(stderr, "kscp: %s: %s\n", local, strerror(errno));
		cp->errors++;
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if ((r = sftp_files_put_one(&cp->f, local, remote, 0, cp->keep)) == -1)
			cp->errors++;
		return r;
	}
	if (!cp->recursive) {
		fprintf(stderr, "kscp: %s: not a regular file\n", local);
		cp->errors++;
		return -1;
	}
	a.perm = st.st_mode & 0777;
	if (sftp_client_stat(cp->f.c, remote, 1, &ra) != 0 &&
	    (r = sftp_client_path_op(cp->f.c, SSH_FXP_MKDIR, remote, NULL, &a)) != 0)
		return r < 0 ? r : (cp->errors++, sftp_files_report(&cp->f, "mkdir", remote), -1);
	if ((d = opendir(local)) == NULL) {
		fprintf(stderr, "kscp: %s: %s\n", local, strerror(errno));
		cp->errors++;
		return -1;
	}
	while ((de = readdir(d)) != NULL && r >= -1) {
		char *lp, *rp;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		lp = join(local, de->d_name);
		rp = join(remote, de->d_name);
		r = lp && rp ? upload(cp, lp, rp) : KSSH_ERR_ALLOC;
		free(lp);
		free(rp);
	}
	closedir(d);
	return r < -1 ? r : 0;
}

/* "[user@]host:path" (a ':' before any '/'); NULL for a local path */
static char *remote_part(char *arg, char **host)
{
	char *colon = strchr(arg, ':'), *slash = strchr(arg, '/');

	if (colon == NULL || colon == arg || (slash != NULL && slash < colon))
		return NULL;
	*colon = 0;
	*host = arg;
	return colon + 1;
}

/* The target for one source: into a directory, or the name given */
static char *target_for(struct copy *cp, const char *target, int target_is_dir, const char *source,
                        int remote_target)
{
	const char *base = sftp_files_base_name(source);

	if (!target_is_dir)
		return remote_target ? sftp_files_remote_path(&cp->f, target) : strdup(target);
	if (remote_target) {
		char *dir = sftp_files_remote_path(&cp->f, target), *out = dir ? join(dir, base) : NULL;

		free(dir);
		return out;
	}
	return join(target, base);
}

static int run(struct copy *cp, char **sources, int nsrc, const char *target, int download_mode)
{
	struct sftp_attrs a;
	struct stat st;
	int target_is_dir, r = 0;

	if (download_mode) {
		target_is_dir = stat(target, &st) == 0 && S_ISDIR(st.st_mode);
	} else {
		char *t = sftp_files_remote_path(&cp->f, target);

		target_is_dir = t && sftp_client_stat(cp->f.c, t, 1, &a) == 0 && S_ISDIR(a.perm);
		free(t);
	}
	if (nsrc > 1 && !target_is_dir) {
		fprintf(stderr, "kscp: %s: not a directory (several sources)\n", target);
		return 1;
	}
	for (int i = 0; i < nsrc && r >= -1; i++) {
		if (download_mode) {
			char *remote = sftp_files_remote_path(&cp->f, sources[i]), **matches = NULL;
			size_t n = 0;

			if (remote && sftp_files_has_glob(remote)) {
				if ((r = sftp_files_remote_glob(&cp->f, remote, &matches, &n)) == 0 && n == 0) {
					fprintf(stderr, "kscp: %s: no match\n", remote);
					cp->errors++;
				}
				for (size_t k = 0; k < n; k++) {
					char *dst = target_is_dir || n > 1 ? join(target, sftp_files_base_name(matches[k]))
					                                   : strdup(target);

					if (r >= -1)
						r = dst ? download(cp, matches[k], dst) : KSSH_ERR_ALLOC;
					free(dst);
					free(matches[k]);
				}
				free(matches);
			} else if (remote) {
				char *dst = target_for(cp, target, target_is_dir, remote, 0);

				r = dst ? download(cp, remote, dst) : KSSH_ERR_ALLOC;
				free(dst);
			}
			free(remote);
		} else {
			char *dst = target_for(cp, target, target_is_dir, sources[i], 1);

			r = dst ? upload(cp, sources[i], dst) : KSSH_ERR_ALLOC;
			free(dst);
		}
	}
	return r < -1 ? 2 : cp->errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct client_options o = { .port = 22, .strict = STRICT_ASK, .connect_timeout = 30,
	                            .password_prompts = 3, .use_agent = 1, .no_command = 1 };
	const char *home = getenv("HOME");
	struct copy cp = { 0 };
	struct sftp_channel ch = { 0 };
	struct kssh_conn c = { .fd = -1 };
	char *host = NULL, *target_path, **sources;
	int quiet = 0, opt, nsrc, download_mode, status = 2;

	snprintf(o.known_hosts, sizeof(o.known_hosts), "%s/.ssh/known_hosts", home ? home : ".");
	client_read_config(&o);
	while ((opt = getopt(argc, argv, "rpqvVP:i:c:o:h")) != -1) {
		switch (opt) {
		case 'r': cp.recursive = 1; break;
		case 'p': cp.keep = 1; break;
		case 'q': quiet = 1; break;
		case 'v': o.verbose++; break;
		case 'P': o.port = (unsigned)atoi(optarg); break;
		case 'i': if (client_add_identity(&o, optarg) != 0) return 2; break;
		case 'c': o.ciphers = optarg; break;
		case 'o': if (client_set_option(&o, optarg) != 0) return 2; break;
		case 'V': kssh_print_version("kscp", stdout); exit(0);
		default: usage(); return 2;
		}
	}
	if (argc - optind < 2) {
		usage();
		return 2;
	}
	sources = argv + optind;
	nsrc = argc - optind - 1;
	target_path = remote_part(argv[argc - 1], &host);
	download_mode = target_path == NULL;
	for (int i = 0; i < nsrc; i++) {
		char *h = NULL, *p = remote_part(sources[i], &h);

		if ((p != NULL) != download_mode || (p && host && strcmp(h, host) != 0)) {
			fprintf(stderr, "kscp: one side must be remote, the other local (and one host)\n");
			return 2;
		}
		if (p != NULL) {
			host = h;
			sources[i] = *p ? p : ".";
		}
	}
	if (host == NULL || o.port == 0 || o.port > 65535 || client_check_lists(&o) != 0) {
		usage();
		return 2;
	}
	{
		char *at = strrchr(host, '@');

		o.host = at ? at + 1 : host;
		if (at) {
			*at = 0;
			o.user = host;
		}
	}
	if (o.user == NULL && (o.user = getenv("USER")) == NULL)
		o.user = "root";
	kssh_log_open("kscp", 1, 0, o.verbose > 1 ? LOG_DEBUG : LOG_WARNING);
	cp.f.progress = !quiet && isatty(2);
	if (sftp_session_start(&o, &c, &ch, &cp.f.c, &cp.f.cwd) == 0)
		status = run(&cp, sources, nsrc, download_mode ? argv[argc - 1] : (*target_path ? target_path : "."),
		             download_mode);
	free(cp.f.cwd);
	sftp_client_free(cp.f.c);
	sftp_channel_close(&ch);
	client_close(&c);
	return status;
}
