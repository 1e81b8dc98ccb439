// SPDX-License-Identifier: MIT
/* The client side of ssh-agent's protocol (draft-miller-ssh-agent): list keys, sign. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "kssh/err.h"
#include "ssh.h"
#include "conn_io.h"

#define AGENT_FAILURE 5
#define AGENTC_REQUEST_IDENTITIES 11
#define AGENT_IDENTITIES_ANSWER 12
#define AGENTC_SIGN_REQUEST 13
#define AGENT_SIGN_RESPONSE 14
#define AGENT_RSA_SHA2_256 2
#define AGENT_RSA_SHA2_512 4
#define AGENT_REPLY_MAX (256 * 1024)
#define AGENT_KEYS_MAX 128

int agent_connect(void)
{
	const char *path = getenv("SSH_AUTH_SOCK");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (path == NULL || *path == 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Sends one request (its length is prefixed here) and reads one reply into reply. */
static int transact(int fd, const struct kssh_buf *req, struct kssh_buf *reply)
{
	uint8_t len[4];
	uint8_t *dst;
	uint32_t n;
	int r;

	kssh_poke_u32(len, (uint32_t)kssh_buf_len(req));
	if ((r = conn_fd_all(fd, len, 4, 1)) != 0 ||
	    (r = conn_fd_all(fd, (void *)kssh_buf_ptr(req), kssh_buf_len(req), 1)) != 0 ||
	    (r = conn_fd_all(fd, len, 4, 0)) != 0)
		return r;
	n = kssh_peek_u32(len);
	if (n == 0 || n > AGENT_REPLY_MAX)
		return KSSH_ERR_INVALID_FORMAT;
	if ((r = kssh_buf_reserve(reply, n, &dst)) != 0)
		return r;
	return conn_fd_all(fd, dst, n, 0);
}

int agent_list(int fd, struct kssh_buf *blobs, size_t *n)
{
	struct kssh_buf req, reply;
	uint32_t count;
	uint8_t type;
	int r;

	*n = 0;
	kssh_buf_init(&req, 16);
	kssh_buf_init(&reply, AGENT_REPLY_MAX);
	if ((r = kssh_buf_put_u8(&req, AGENTC_REQUEST_IDENTITIES)) != 0 ||
	    (r = transact(fd, &req, &reply)) != 0 || (r = kssh_buf_get_u8(&reply, &type)) != 0)
		goto out;
	if (type != AGENT_IDENTITIES_ANSWER || (r = kssh_buf_get_u32(&reply, &count)) != 0 ||
	    count > AGENT_KEYS_MAX) {
		r = r ? r : KSSH_ERR_INVALID_FORMAT;
		goto out;
	}
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *blob, *comment;
		size_t bl, cl;

		if ((r = kssh_buf_get_string_view(&reply, &blob, &bl)) != 0 ||
		    (r = kssh_buf_get_string_view(&reply, &comment, &cl)) != 0 ||
		    (r = kssh_buf_put_string(blobs, blob, bl)) != 0 ||
		    (r = kssh_buf_put_string(blobs, comment, cl)) != 0)
			goto out;
	}
	*n = count;
out:
	kssh_buf_release(&req);
	kssh_buf_release(&reply);
	return r;
}

int agent_sign(int fd, const uint8_t *blob, size_t blob_len, const char *alg,
               const uint8_t *data, size_t len, struct kssh_buf *sig)
{
	struct kssh_buf req, reply;
	const uint8_t *s;
	size_t sl;
	uint32_t flags = strcmp(alg, "rsa-sha2-256") == 0 ? AGENT_RSA_SHA2_256
	                 : strcmp(alg, "rsa-sha2-512") == 0 ? AGENT_RSA_SHA2_512 : 0;
	uint8_t type;
	int r;

	kssh_buf_init(&req, 0);
	kssh_buf_init(&reply, AGENT_REPLY_MAX);
	if ((r = kssh_buf_put_u8(&req, AGENTC_SIGN_REQUEST)) != 0 ||
	    (r = kssh_buf_put_string(&req, blob, blob_len)) != 0 ||
	    (r = kssh_buf_put_string(&req, data, len)) != 0 ||
	    (r = kssh_buf_put_u32(&req, flags)) != 0 ||
	    (r = transact(fd, &req, &reply)) != 0 || (r = kssh_buf_get_u8(&reply, &type)) != 0)
		goto out;
	if (type != AGENT_SIGN_RESPONSE) {
		r = KSSH_ERR_SIGNATURE_INVALID;
		goto out;
	}
	if ((r = kssh_buf_get_string_view(&reply, &s, &sl)) == 0)
		r = kssh_buf_put(sig, s, sl);
out:
	kssh_buf_release(&req);
	kssh_buf_release(&reply);
	return r;
}
