// SPDX-License-Identifier: MIT
/*
 * The pre-authentication process's sandbox, entered after the fork and
 * before the first byte from the peer is read: resource limits (few
 * descriptors, no processes, no file growth), an empty root directory, an
 * unprivileged user (kssh if the system has it, else nobody), no_new_privs,
 * and a seccomp allow-list (libseccomp) that kills the process on any other
 * system call. What the process keeps: its socket and its monitor's (its
 * log lines go to the monitor; stdin, stdout and stderr become /dev/null).
 * When ksshd does not run as root only the limits, no_new_privs and the
 * filter apply.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "monitor.h"

#ifndef AF_ALG
#define AF_ALG 38
#endif

/* What the transport, the userauth parsing, OpenSSL, glibc's allocator and the log need */
static const int allowed[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(close), SCMP_SYS(shutdown),
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(getrandom), SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex), SCMP_SYS(getpid), SCMP_SYS(gettid),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn), SCMP_SYS(restart_syscall), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(lseek), SCMP_SYS(getsockopt),
	SCMP_SYS(sched_yield), SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	/* AF_ALG (crypto-offload af-alg): the transform and operation sockets at each NEWKEYS */
	SCMP_SYS(bind), SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(setsockopt),
};

static int filter(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int r = 0;

	if (ctx == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* new sockets: AF_ALG for the kernel's ciphers only */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_ALG));
	/* mprotect, but never to make memory executable */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		                     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	return r;
}

static int limits(void)
{
	struct rlimit none = { 0, 0 }, files = { 64, 64 };

	/* a few descriptors for AF_ALG's sockets; no processes; no file grows */
	if (setrlimit(RLIMIT_NOFILE, &files) != 0 || setrlimit(RLIMIT_NPROC, &none) != 0 ||
	    setrlimit(RLIMIT_FSIZE, &none) != 0)
		return -1;
	return 0;
}

/* stdin, stdout and stderr onto /dev/null: the log goes to the monitor, no file stays open */
static int quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (fd != i && dup2(fd, i) < 0)
			return -1;
	if (fd > 2)
		close(fd);
	return 0;
}

/* root: into the empty directory as the unprivileged user */
static int drop(const char *dir)
{
	struct passwd *pw = getpwnam(KSSHD_SANDBOX_USER);
	uid_t uid = 65534;
	gid_t gid = 65534;
	struct stat st;

	if (pw == NULL)
		pw = getpwnam("nobody");
	if (pw != NULL && pw->pw_uid != 0) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		kssh_log(LOG_ERR, "sandbox: %s must be a directory owned by root and writable by nobody else", dir);
		return -1;
	}
	if (chroot(dir) != 0 || chdir("/") != 0) {
		kssh_log(LOG_ERR, "sandbox: chroot %s: %s", dir, strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 || setresuid(uid, uid, uid) != 0) {
		kssh_log(LOG_ERR, "sandbox: cannot become uid %u: %s", (unsigned)uid, strerror(errno));
		return -1;
	}
	if (getuid() != uid || geteuid() != uid || getgid() != gid || setuid(0) == 0) {
		kssh_log(LOG_ERR, "sandbox: ids not all changed");
		return -1;
	}
	return 0;
}

int sshd_sandbox_enter(const struct sshd_options *o)
{
	struct tm tm;
	time_t now = time(NULL);
	pid_t monitor = getppid();
	int r;

	(void)o;
	localtime_r(&now, &tm); /* the time zone is read now, not from inside the empty root */
	if (quiet_stdio() != 0)
		return -1;
	if (getuid() == 0 && drop(KSSHD_SANDBOX_DIR) != 0)
		return -1;
	/* after the uid change (which clears it): the monitor gone, nothing is left to answer */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != monitor)
		return -1;
	if (limits() != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		kssh_log(LOG_ERR, "sandbox: limits: %s", strerror(errno));
		return -1;
	}
	if ((r = filter()) != 0) {
		kssh_log(LOG_ERR, "sandbox: seccomp filter: %s", strerror(-r));
		return -1;
	}
	return 0;
}
