// SPDX-License-Identifier: MIT
/*
 * A test peer in the middle: flip_proxy LISTEN_PORT TARGET_PORT OFFSET
 * accepts one connection on 127.0.0.1:LISTEN_PORT, connects it to
 * 127.0.0.1:TARGET_PORT and copies both ways, flipping the lowest bit of the
 * byte at OFFSET of the client-to-server stream (a corrupted packet for the
 * server to catch). Prints "listening" when it is; ends when either side
 * closes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int tcp_socket(unsigned port, int listening)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listening ? bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 1) != 0
	              : connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One read from src to dst; 0 at the end of either side */
static int copy(int src, int dst, unsigned long long *pos, unsigned long long flip_at)
{
	unsigned char buf[65536];
	ssize_t n = read(src, buf, sizeof(buf)), off = 0;

	if (n <= 0)
		return 0;
	if (pos != NULL) {
		if (flip_at >= *pos && flip_at < *pos + (unsigned long long)n)
			buf[flip_at - *pos] ^= 1;
		*pos += (unsigned long long)n;
	}
	while (off < n) {
		ssize_t w = write(dst, buf + off, (size_t)(n - off));

		if (w <= 0)
			return 0;
		off += w;
	}
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long long pos = 0, flip_at;
	int lfd, client, server;

	if (argc != 4) {
		fprintf(stderr, "usage: flip_proxy LISTEN_PORT TARGET_PORT OFFSET\n");
		return 2;
	}
	flip_at = strtoull(argv[3], NULL, 10);
	if ((lfd = tcp_socket((unsigned)atoi(argv[1]), 1)) < 0) {
		perror("flip_proxy: listen");
		return 1;
	}
	/* the one connection it serves is the test's: say when to make it, rather than be probed */
	printf("listening\n");
	fflush(stdout);
	if ((client = accept(lfd, NULL, NULL)) < 0 || (server = tcp_socket((unsigned)atoi(argv[2]), 0)) < 0) {
		perror("flip_proxy: accept or connect");
		return 1;
	}
	close(lfd);
	for (;;) {
		struct pollfd pfd[2] = { { .fd = client, .events = POLLIN }, { .fd = server, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0)
			return 1;
		if (pfd[0].revents && !copy(client, server, &pos, flip_at))
			break;
		if (pfd[1].revents && !copy(server, client, NULL, 0))
			break;
	}
	fprintf(stderr, "flip_proxy: %llu bytes client to server, bit flipped at %llu\n", pos, flip_at);
	return 0;
}
