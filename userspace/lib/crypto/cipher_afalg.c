// SPDX-License-Identifier: MIT
/*
 * AF_ALG backend: the kernel's crypto API carries a direction's cipher and
 * MAC. aes-ctr through an skcipher socket (ctr(aes)), aes-gcm through an aead
 * socket (gcm(aes)), the HMACs through hash sockets (hmac(sha256), ...).
 *
 * The key goes into the kernel once (ALG_SET_KEY on the transform socket) and
 * is not kept here; every packet is one sendmsg with its IV in a control
 * message and one read of the result. The counter (ctr) and the invocation
 * counter (gcm) are tracked here, so nothing depends on how a driver chains
 * its IV between requests.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/if_alg.h>
#include <openssl/crypto.h>

#include "kssh/buf.h"
#include "kssh/cipher.h"
#include "kssh/err.h"

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

/* ctr requests are cut at this size, so no socket buffer limit is ever reached */
#define CTR_CHUNK (64u * 1024)
/* a whole gcm packet is one request: room for the largest packet, its AAD and tag */
#define AFALG_SOCKET_BUFFER (1 << 20)

struct afalg_cipher {
	int op;          /* the operation socket (first: see new_state) */
	uint8_t iv[16];  /* ctr: the counter block; gcm: fixed field and invocation counter */
};

struct afalg_mac {
	int op;          /* the operation socket (first: see new_state) */
};

/* A backend state whose first member is the operation socket, not yet open; NULL for names AF_ALG lacks. */
static void *new_state(const char *name, size_t size, int *err)
{
	int *op;

	if (name == NULL) {
		errno = EOPNOTSUPP;
		*err = KSSH_ERR_UNAVAILABLE;
		return NULL;
	}
	if ((op = calloc(1, size)) == NULL) {
		*err = KSSH_ERR_ALLOC;
		return NULL;
	}
	*op = -1;
	return op;
}

/* The kernel's name for an SSH algorithm's transform, or NULL when AF_ALG has no path for it. */
static const char *cipher_transform(const struct kssh_cipher_alg *alg)
{
	if (alg->flags & KSSH_CIPHER_CHACHAPOLY)
		return NULL;
	if (alg->flags & KSSH_CIPHER_AEAD)
		return strncmp(alg->name, "aes", 3) == 0 ? "gcm(aes)" : NULL;
	if (alg->flags & KSSH_CIPHER_CBC)
		return NULL;
	return strncmp(alg->name, "aes", 3) == 0 ? "ctr(aes)" : NULL;
}

static const char *mac_transform(const struct kssh_mac_alg *alg)
{
	if (strcmp(alg->digest, "SHA256") == 0)
		return "hmac(sha256)";
	if (strcmp(alg->digest, "SHA512") == 0)
		return "hmac(sha512)";
	if (strcmp(alg->digest, "SHA1") == 0)
		return "hmac(sha1)";
	return NULL;
}

/* A transform socket bound to name; KSSH_ERR_UNAVAILABLE (errno says why) when the kernel lacks it. */
static int bind_transform(const char *type, const char *name, int *fd)
{
	struct sockaddr_alg sa = { .salg_family = AF_ALG };
	int s, saved;

	snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s", type);
	snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s", name);
	if ((s = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) < 0)
		return KSSH_ERR_UNAVAILABLE;
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		saved = errno;
		close(s);
		errno = saved;
		return KSSH_ERR_UNAVAILABLE;
	}
	*fd = s;
	return 0;
}

/* Keys a transform and returns its operation socket; the transform socket is closed (the op socket holds it). */
static int open_op(const char *type, const char *name, const uint8_t *key, uint32_t key_len,
                   uint32_t authsize, int *op)
{
	int tfm, fd, size = AFALG_SOCKET_BUFFER, r, saved;

	if ((r = bind_transform(type, name, &tfm)) != 0)
		return r;
	r = KSSH_ERR_SYSTEM;
	if (setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, key_len) != 0)
		goto out;
	if (authsize && setsockopt(tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, authsize) != 0)
		goto out;
	if ((fd = accept4(tfm, NULL, 0, SOCK_CLOEXEC)) < 0)
		goto out;
	/* clamped by net.core.wmem_max/rmem_max and doubled: 416 KiB on a stock kernel */
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	*op = fd;
	r = 0;
out:
	saved = errno;
	close(tfm);
	errno = saved;
	return r;
}

int kssh_afalg_probe(const struct kssh_cipher_alg *cipher, const struct kssh_mac_alg *mac)
{
	const char *name = cipher_transform(cipher);
	int fd, r;

	if (name == NULL) {
		errno = EOPNOTSUPP;
		return KSSH_ERR_UNAVAILABLE;
	}
	if ((r = bind_transform(cipher->flags & KSSH_CIPHER_AEAD ? "aead" : "skcipher", name, &fd)) != 0)
		return r;
	close(fd);
	if (mac == NULL || (cipher->flags & KSSH_CIPHER_AEAD))
		return 0;
	if ((name = mac_transform(mac)) == NULL) {
		errno = EOPNOTSUPP;
		return KSSH_ERR_UNAVAILABLE;
	}
	if ((r = bind_transform("hash", name, &fd)) != 0)
		return r;
	close(fd);
	return 0;
}

/*
 * One request: src goes in with the operation, IV and AAD length as control
 * messages; out_len bytes come back into dst. Never blocks on a full socket
 * buffer: a request that does not fit fails (EMSGSIZE).
 */
static int request(int op, int encrypt, const uint8_t *iv, uint32_t iv_len, int aead,
                   uint32_t assoc_len, const uint8_t *src, size_t src_len, uint8_t *dst,
                   size_t out_len)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(struct af_alg_iv) + 16) +
		         CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = (void *)src, .iov_len = src_len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
	                      .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	struct af_alg_iv *alg_iv;
	uint32_t value;
	ssize_t n;

	memset(&control, 0, sizeof(control));
	if (!aead)
		msg.msg_controllen = CMSG_SPACE(sizeof(uint32_t)) + CMSG_SPACE(sizeof(*alg_iv) + iv_len);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_OP;
	cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
	value = encrypt ? ALG_OP_ENCRYPT : ALG_OP_DECRYPT;
	memcpy(CMSG_DATA(cm), &value, sizeof(value));
	cm = CMSG_NXTHDR(&msg, cm);
	cm->cmsg_level = SOL_ALG;
	cm->cmsg_type = ALG_SET_IV;
	cm->cmsg_len = CMSG_LEN(sizeof(*alg_iv) + iv_len);
	alg_iv = (struct af_alg_iv *)CMSG_DATA(cm);
	alg_iv->ivlen = iv_len;
	memcpy(alg_iv->iv, iv, iv_len);
	if (aead) {
		cm = CMSG_NXTHDR(&msg, cm);
		cm->cmsg_level = SOL_ALG;
		cm->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
		cm->cmsg_len = CMSG_LEN(sizeof(uint32_t));
		memcpy(CMSG_DATA(cm), &assoc_len, sizeof(assoc_len));
	}
	n = sendmsg(op, &msg, MSG_DONTWAIT);
	OPENSSL_cleanse(&control, sizeof(control));
	if (n < 0 || (size_t)n != src_len) {
		if (n >= 0 || errno == EAGAIN)
			errno = EMSGSIZE;
		return KSSH_ERR_SYSTEM;
	}
	do
		n = read(op, dst, out_len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EBADMSG ? KSSH_ERR_MAC_INVALID : KSSH_ERR_SYSTEM;
	return (size_t)n == out_len ? 0 : KSSH_ERR_SYSTEM;
}

static int afalg_init(struct kssh_cipher *c, const uint8_t *key, const uint8_t *iv)
{
	const struct kssh_cipher_alg *alg = c->alg;
	const char *name = cipher_transform(alg);
	int aead = (alg->flags & KSSH_CIPHER_AEAD) != 0, r;
	struct afalg_cipher *s;

	if ((s = new_state(name, sizeof(*s), &r)) == NULL)
		return r;
	c->state = s;
	memcpy(s->iv, iv, aead ? 12 : 16);
	return open_op(aead ? "aead" : "skcipher", name, key, alg->key_len, aead ? alg->tag_len : 0,
	               &s->op);
}

/* The 128-bit big-endian counter block advances by the blocks just used. */
static void ctr_advance(uint8_t ctr[16], uint32_t blocks)
{
	uint32_t carry = blocks;

	for (int i = 15; i >= 0 && carry != 0; i--) {
		carry += ctr[i];
		ctr[i] = (uint8_t)carry;
		carry >>= 8;
	}
}

static int crypt_ctr(struct kssh_cipher *c, struct afalg_cipher *s, uint8_t *dst,
                     const uint8_t *src, uint32_t len)
{
	int r;

	if (len % 16 != 0)
		return KSSH_ERR_INVALID_ARGUMENT;
	for (uint32_t done = 0; done < len;) {
		uint32_t n = len - done < CTR_CHUNK ? len - done : CTR_CHUNK;

		if ((r = request(s->op, c->encrypt, s->iv, 16, 0, 0, src + done, n, dst + done, n)) != 0)
			return r;
		ctr_advance(s->iv, n / 16);
		done += n;
	}
	return 0;
}

static int crypt_gcm(struct kssh_cipher *c, struct afalg_cipher *s, uint8_t *dst,
                     const uint8_t *src, uint32_t len, uint32_t aadlen)
{
	uint32_t tag = c->alg->tag_len;
	int r;

	/* in: AAD || text (|| tag to check); out: AAD || text (|| tag) */
	if (c->encrypt)
		r = request(s->op, 1, s->iv, 12, 1, aadlen, src, aadlen + len, dst, aadlen + len + tag);
	else
		r = request(s->op, 0, s->iv, 12, 1, aadlen, src, aadlen + len + tag, dst, aadlen + len);
	kssh_cipher_gcm_next_iv(s->iv);
	return r;
}

static int afalg_crypt(struct kssh_cipher *c, uint32_t seqnr, uint8_t *dst, const uint8_t *src,
                       uint32_t len, uint32_t aadlen, uint32_t authlen)
{
	struct afalg_cipher *s = c->state;
	uint8_t aad[4];

	(void)seqnr;
	(void)authlen;
	if (aadlen > sizeof(aad))
		return KSSH_ERR_INVALID_ARGUMENT;
	if (c->alg->flags & KSSH_CIPHER_AEAD) {
		int r;

		memcpy(aad, src, aadlen);
		if ((r = crypt_gcm(c, s, dst, src, len, aadlen)) == 0)
			memcpy(dst, aad, aadlen);
		return r;
	}
	if (aadlen > 0 && dst != src)
		memcpy(dst, src, aadlen);
	return crypt_ctr(c, s, dst + aadlen, src + aadlen, len);
}

static int afalg_get_length(struct kssh_cipher *c, uint32_t seqnr, const uint8_t *src,
                            uint32_t *plen)
{
	(void)c;
	(void)seqnr;
	(void)src;
	(void)plen;
	return KSSH_ERR_INVALID_ARGUMENT; /* only chacha20-poly1305 encrypts its length apart */
}

static void afalg_cleanup(struct kssh_cipher *c)
{
	struct afalg_cipher *s = c->state;

	if (s == NULL)
		return;
	if (s->op >= 0)
		close(s->op);
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
	c->state = NULL;
}

const struct kssh_cipher_backend kssh_cipher_backend_afalg = {
	.name = "af-alg",
	.init = afalg_init,
	.crypt = afalg_crypt,
	.get_length = afalg_get_length,
	.cleanup = afalg_cleanup,
};

static int afalg_mac_init(struct kssh_mac *m, const uint8_t *key)
{
	const char *name = mac_transform(m->alg);
	struct afalg_mac *s;
	int r;

	if ((s = new_state(name, sizeof(*s), &r)) == NULL)
		return r;
	m->ctx = s;
	return open_op("hash", name, key, m->alg->key_len, 0, &s->op);
}

/* RFC 4253 6.4: MAC(key, sequence_number || data), one hash request of two pieces. */
static int afalg_mac_compute(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data, size_t len,
                             uint8_t *out, size_t *out_len)
{
	struct afalg_mac *s = m->ctx;
	uint8_t seq[4];
	struct iovec iov[2] = { { seq, 4 }, { (void *)data, len } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	ssize_t n;

	kssh_poke_u32(seq, seqnr);
	if ((n = sendmsg(s->op, &msg, 0)) < 0 || (size_t)n != 4 + len)
		return KSSH_ERR_SYSTEM;
	do
		n = read(s->op, out, *out_len);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return KSSH_ERR_SYSTEM;
	*out_len = (size_t)n;
	return 0;
}

static void afalg_mac_cleanup(struct kssh_mac *m)
{
	struct afalg_mac *s = m->ctx;

	if (s == NULL)
		return;
	if (s->op >= 0)
		close(s->op);
	free(s);
	m->ctx = NULL;
}

const struct kssh_mac_backend kssh_mac_backend_afalg = {
	.name = "af-alg",
	.init = afalg_mac_init,
	.compute = afalg_mac_compute,
	.cleanup = afalg_mac_cleanup,
};
