// SPDX-License-Identifier: MIT
/* Accounts: lookup, and the privilege drop that comes before anything the user controls runs. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sshd.h"

int sshd_user_lookup(const char *name, struct sshd_user *u)
{
	struct passwd *pw = getpwnam(name);

	memset(u, 0, sizeof(*u));
	if (pw == NULL || strlen(pw->pw_name) >= sizeof(u->name) ||
	    strlen(pw->pw_dir) >= sizeof(u->home) || strlen(pw->pw_shell) >= sizeof(u->shell))
		return -1;
	snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	snprintf(u->account, sizeof(u->account), "%s", pw->pw_name);
	snprintf(u->home, sizeof(u->home), "%s", pw->pw_dir);
	snprintf(u->shell, sizeof(u->shell), "%s", pw->pw_shell[0] ? pw->pw_shell : "/bin/sh");
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	return 0;
}

int sshd_user_drop_privileges(const struct sshd_user *u)
{
	if (getuid() == u->uid && geteuid() == u->uid)
		return 0; /* ksshd runs as this user already (make run as a normal user) */
	if (initgroups(u->account, u->gid) != 0 || setgid(u->gid) != 0 || setuid(u->uid) != 0) {
		kssh_log(LOG_ERR, "cannot become user '%s': %s", u->name, strerror(errno));
		return -1;
	}
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid) {
		kssh_log(LOG_ERR, "user '%s': ids not all changed", u->name);
		return -1;
	}
	/* root must not be recoverable */
	if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		kssh_log(LOG_ERR, "user '%s': root privileges could be regained", u->name);
		return -1;
	}
	return 0;
}

/* OpenSSH's path tokens (AuthorizedKeysFile, ChrootDirectory): %h home, %u user, %% a percent sign; relative to home */
void sshd_expand_user_path(const char *pattern, const struct sshd_user *u, char *out, size_t len)
{
	size_t n = 0;

	if (pattern[0] != '/' && pattern[0] != '%')
		n = (size_t)snprintf(out, len, "%s/", u->home);
	for (const char *p = pattern; *p && n + 1 < len; p++) {
		const char *add = NULL;

		if (p[0] == '%' && p[1] == 'h')
			add = u->home;
		else if (p[0] == '%' && p[1] == 'u')
			add = u->account;
		else if (p[0] == '%' && p[1] == '%')
			add = "%";
		if (add != NULL) {
			n += (size_t)snprintf(out + n, len - n, "%s", add);
			p++;
		} else {
			out[n++] = *p;
		}
		if (n >= len)
			n = len - 1;
	}
	out[n] = 0;
	if (strchr(out, '/') == NULL)
		snprintf(out, len, "/nonexistent");
}
