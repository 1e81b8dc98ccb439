// SPDX-License-Identifier: MIT
/* Asking the user: on the terminal with echo off, or through SSH_ASKPASS as OpenSSH does. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ssh.h"

#define ANSWER_MAX 1024

static char *askpass(const char *program, const char *prompt)
{
	char answer[ANSWER_MAX];
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (pipe(p) != 0)
		return NULL;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp(program, program, prompt, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while (got < (ssize_t)sizeof(answer) - 1 &&
	       ((n = read(p[0], answer + got, sizeof(answer) - 1 - (size_t)got)) > 0 ||
	        (n < 0 && errno == EINTR)))
		got += n > 0 ? n : 0;
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	answer[got] = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	answer[strcspn(answer, "\r\n")] = 0;
	return strdup(answer);
}

static char *from_tty(const char *prompt, int echo)
{
	char answer[ANSWER_MAX];
	struct termios old, quiet;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC), restore = 0;
	ssize_t n, got = 0;
	char c;

	if (fd < 0)
		return NULL;
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return NULL;
	}
	if (!echo && tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
		restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
	}
	while ((n = read(fd, &c, 1)) == 1 && c != '\n' && c != '\r')
		if (got < (ssize_t)sizeof(answer) - 1)
			answer[got++] = c;
	answer[got] = 0;
	if (restore) {
		tcsetattr(fd, TCSAFLUSH, &old);
		if (write(fd, "\n", 1) < 0)
			n = -1;
	}
	close(fd);
	return n < 0 ? NULL : strdup(answer);
}

char *client_prompt(const struct client_options *o, const char *prompt, int echo)
{
	const char *program = getenv("SSH_ASKPASS");
	const char *require = getenv("SSH_ASKPASS_REQUIRE");
	int have_tty = access("/dev/tty", R_OK | W_OK) == 0;

	if (o->batch)
		return NULL;
	if (require != NULL && strcmp(require, "never") == 0)
		program = NULL;
	if (program != NULL && *program &&
	    ((require != NULL && strcmp(require, "force") == 0) || !have_tty || !isatty(0)))
		return askpass(program, prompt);
	return from_tty(prompt, echo);
}
