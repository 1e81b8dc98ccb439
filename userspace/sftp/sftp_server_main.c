// SPDX-License-Identifier: MIT
/*
 * ksftp-server: the SFTP server on stdin/stdout, for any SSH server's
 * "Subsystem sftp" line and for OpenSSH's `sftp -D`. ksshd itself serves
 * SFTP in-process and does not use this program.
 */
#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kssh/err.h"
#include "kssh/sftp.h"

#define OUTPUT_HIGH (4u * 1024 * 1024)

static void usage(void)
{
	fprintf(stderr, "usage: ksftp-server [-R] [-d start-directory] [-r root-directory]\n"
	                "  -R  read-only: refuse every request that would change a file\n"
	                "  -r  every path resolves inside this directory, which the client sees as /\n");
}

static int write_all(int fd, struct kssh_buf *out)
{
	while (kssh_buf_len(out) > 0) {
		ssize_t n = write(fd, kssh_buf_ptr(out), kssh_buf_len(out));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		kssh_buf_consume(out, (size_t)n);
	}
	kssh_buf_reset(out);
	return 0;
}

static int serve(struct sftp_server *srv)
{
	struct kssh_buf *in = sftp_server_input(srv), *out = sftp_server_output(srv);

	for (;;) {
		size_t room;
		uint8_t *dst;
		ssize_t n;
		int r;

		size_t before;

		/* answer everything complete before waiting for more: the client may be waiting too */
		do {
			before = kssh_buf_len(in);
			if ((r = sftp_server_process(srv, OUTPUT_HIGH)) != 0) {
				fprintf(stderr, "ksftp-server: %s\n", kssh_strerror(r));
				return 1;
			}
			if (write_all(1, out) != 0)
				return 1;
		} while (kssh_buf_len(in) < before);
		room = in->max - kssh_buf_len(in);
		if (room > 65536)
			room = 65536;
		if (room == 0 || kssh_buf_reserve(in, room, &dst) != 0)
			return 1;
		n = read(0, dst, room);
		kssh_buf_consume_end(in, n > 0 ? room - (size_t)n : room);
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return 1;
	}
}

int main(int argc, char **argv)
{
	struct passwd *pw = getpwuid(getuid());
	struct sftp_server_config cfg = { .home = pw ? pw->pw_dir : "/", .user = pw ? pw->pw_name : "" };
	struct sftp_server *srv;
	int c, r;

	while ((c = getopt(argc, argv, "Rd:r:h")) != -1) {
		switch (c) {
		case 'R': cfg.read_only = 1; break;
		case 'd': cfg.start = optarg; break;
		case 'r': cfg.root = optarg; break;
		default: usage(); return 2;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	/* relative paths start where the SSH server started us (the home, for OpenSSH's sshd) */
	if (cfg.start == NULL)
		cfg.start = ".";
	if (access(cfg.start, X_OK) != 0) {
		fprintf(stderr, "ksftp-server: %s: %s\n", cfg.start, strerror(errno));
		return 1;
	}
	if ((srv = sftp_server_new(&cfg)) == NULL) {
		fprintf(stderr, "ksftp-server: root directory %s: %s\n", cfg.root ? cfg.root : "/", strerror(errno));
		return 1;
	}
	r = serve(srv);
	sftp_server_free(srv);
	return r;
}
