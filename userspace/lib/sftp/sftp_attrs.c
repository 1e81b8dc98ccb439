// SPDX-License-Identifier: MIT
/* SFTP v3 file attributes (filexfer-02 section 5), ls-style long names, errno mapping. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "kssh/err.h"
#include "kssh/sftp.h"

#define EXTENDED_MAX 64

int sftp_attrs_decode(struct kssh_buf *b, struct sftp_attrs *a)
{
	uint32_t count;
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = kssh_buf_get_u32(b, &a->flags)) != 0)
		return r;
	if ((a->flags & SSH_FILEXFER_ATTR_SIZE) && (r = kssh_buf_get_u64(b, &a->size)) != 0)
		return r;
	if ((a->flags & SSH_FILEXFER_ATTR_UIDGID) &&
	    ((r = kssh_buf_get_u32(b, &a->uid)) != 0 || (r = kssh_buf_get_u32(b, &a->gid)) != 0))
		return r;
	if ((a->flags & SSH_FILEXFER_ATTR_PERMISSIONS) && (r = kssh_buf_get_u32(b, &a->perm)) != 0)
		return r;
	if ((a->flags & SSH_FILEXFER_ATTR_ACMODTIME) &&
	    ((r = kssh_buf_get_u32(b, &a->atime)) != 0 || (r = kssh_buf_get_u32(b, &a->mtime)) != 0))
		return r;
	if (!(a->flags & SSH_FILEXFER_ATTR_EXTENDED))
		return 0;
	/* extended pairs carry nothing we act on; they are checked and skipped */
	if ((r = kssh_buf_get_u32(b, &count)) != 0)
		return r;
	if (count > EXTENDED_MAX)
		return KSSH_ERR_INVALID_FORMAT;
	for (uint32_t i = 0; i < count; i++)
		if ((r = kssh_buf_get_string_view(b, NULL, NULL)) != 0 ||
		    (r = kssh_buf_get_string_view(b, NULL, NULL)) != 0)
			return r;
	return 0;
}

int sftp_attrs_encode(struct kssh_buf *b, const struct sftp_attrs *a)
{
	uint32_t flags = a->flags & ~SSH_FILEXFER_ATTR_EXTENDED;
	int r;

	if ((r = kssh_buf_put_u32(b, flags)) != 0)
		return r;
	if ((flags & SSH_FILEXFER_ATTR_SIZE) && (r = kssh_buf_put_u64(b, a->size)) != 0)
		return r;
	if ((flags & SSH_FILEXFER_ATTR_UIDGID) &&
	    ((r = kssh_buf_put_u32(b, a->uid)) != 0 || (r = kssh_buf_put_u32(b, a->gid)) != 0))
		return r;
	if ((flags & SSH_FILEXFER_ATTR_PERMISSIONS) && (r = kssh_buf_put_u32(b, a->perm)) != 0)
		return r;
	if ((flags & SSH_FILEXFER_ATTR_ACMODTIME) &&
	    ((r = kssh_buf_put_u32(b, a->atime)) != 0 || (r = kssh_buf_put_u32(b, a->mtime)) != 0))
		return r;
	return 0;
}

void sftp_attrs_from_stat(const struct stat *st, struct sftp_attrs *a)
{
	a->flags = SSH_FILEXFER_ATTR_SIZE | SSH_FILEXFER_ATTR_UIDGID | SSH_FILEXFER_ATTR_PERMISSIONS |
	           SSH_FILEXFER_ATTR_ACMODTIME;
	a->size = (uint64_t)st->st_size;
	a->uid = st->st_uid;
	a->gid = st->st_gid;
	a->perm = st->st_mode;
	a->atime = (uint32_t)st->st_atime;
	a->mtime = (uint32_t)st->st_mtime;
}

static void mode_string(mode_t m, char *s)
{
	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b'
	       : S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : '-';
	s[1] = m & S_IRUSR ? 'r' : '-';
	s[2] = m & S_IWUSR ? 'w' : '-';
	s[3] = m & S_ISUID ? (m & S_IXUSR ? 's' : 'S') : (m & S_IXUSR ? 'x' : '-');
	s[4] = m & S_IRGRP ? 'r' : '-';
	s[5] = m & S_IWGRP ? 'w' : '-';
	s[6] = m & S_ISGID ? (m & S_IXGRP ? 's' : 'S') : (m & S_IXGRP ? 'x' : '-');
	s[7] = m & S_IROTH ? 'r' : '-';
	s[8] = m & S_IWOTH ? 'w' : '-';
	s[9] = m & S_ISVTX ? (m & S_IXOTH ? 't' : 'T') : (m & S_IXOTH ? 'x' : '-');
	s[10] = 0;
}

/*
 * A listing names the same few owners over and over, and each getpwuid and
 * getgrgid reads the account databases again (through NSS: a file opened and
 * parsed, an nscd socket tried): a small table remembers the answers,
 * unknown ids too, for the life of the process (OpenSSH's sftp-server does
 * the same).
 */
#define ID_CACHE 16

const char *sftp_id_name(int group, uint32_t id)
{
	static struct {
		uint32_t id;
		int used, known;
		char name[256]; /* LOGIN_NAME_MAX */
	} cache[2][ID_CACHE];
	typeof(cache[0][0]) *e = &cache[group != 0][id % ID_CACHE];

	if (!e->used || e->id != id) {
		struct passwd *pw = group ? NULL : getpwuid(id);
		struct group *gr = group ? getgrgid(id) : NULL;
		const char *name = pw ? pw->pw_name : gr ? gr->gr_name : NULL;

		e->used = 1;
		e->id = id;
		e->known = name != NULL && strlen(name) < sizeof(e->name);
		snprintf(e->name, sizeof(e->name), "%s", e->known ? name : "");
	}
	return e->known ? e->name : NULL;
}

void sftp_longname(const char *name, const struct stat *st, char *out, size_t len)
{
	char mode[11], user[32], group[32], when[32];
	const char *u = sftp_id_name(0, st->st_uid), *g = sftp_id_name(1, st->st_gid);
	time_t now = time(NULL), mtime = st->st_mtime;
	struct tm tm;

	mode_string(st->st_mode, mode);
	if (u != NULL)
		snprintf(user, sizeof(user), "%.31s", u);
	else
		snprintf(user, sizeof(user), "%u", (unsigned)st->st_uid);
	if (g != NULL)
		snprintf(group, sizeof(group), "%.31s", g);
	else
		snprintf(group, sizeof(group), "%u", (unsigned)st->st_gid);
	localtime_r(&mtime, &tm);
	/* as ls: the year instead of the time for files older than six months */
	strftime(when, sizeof(when), now - mtime > 182 * 86400 || mtime > now ? "%b %e  %Y" : "%b %e %H:%M",
	         &tm);
	snprintf(out, len, "%s %4u %-8s %-8s %8llu %s %s", mode, (unsigned)st->st_nlink, user, group,
	         (unsigned long long)st->st_size, when, name);
}

int sftp_status_from_errno(int err)
{
	switch (err) {
	case 0:
		return SSH_FX_OK;
	case ENOENT: case ENOTDIR: case EBADF: case ELOOP:
		return SSH_FX_NO_SUCH_FILE;
	case EPERM: case EACCES: case EFAULT:
		return SSH_FX_PERMISSION_DENIED;
	case ENAMETOOLONG: case EINVAL:
		return SSH_FX_BAD_MESSAGE;
	case ENOSYS:
		return SSH_FX_OP_UNSUPPORTED;
	default:
		return SSH_FX_FAILURE;
	}
}

const char *sftp_status_message(int status)
{
	static const char *msgs[] = {
		"Success", "End of file", "No such file", "Permission denied", "Failure",
		"Bad message", "No connection", "Connection lost", "Operation unsupported",
	};

	return status >= 0 && status <= SSH_FX_OP_UNSUPPORTED ? msgs[status] : "Unknown error";
}
