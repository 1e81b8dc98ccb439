/* SPDX-License-Identifier: MIT */
/*
 * Ciphers and MACs of the SSH binary packet protocol.
 *
 * Cipher and MAC contexts are driven through backends: OpenSSL EVP is the
 * default; AF_ALG (the kernel's crypto API) can take over a direction's keys
 * after NEWKEYS and after every rekey by being passed to kssh_cipher_init /
 * kssh_mac_init_backend with the same key and IV.
 */
#ifndef KSSH_CIPHER_H
#define KSSH_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#define KSSH_CIPHER_AEAD       0x1 /* carries its own tag; no separate MAC */
#define KSSH_CIPHER_CHACHAPOLY 0x2 /* chacha20-poly1305@openssh.com: encrypted length */
#define KSSH_CIPHER_CBC        0x4
#define KSSH_CIPHER_INSECURE   0x8 /* offered only when enabled explicitly */

struct kssh_cipher_alg {
	const char *name;
	uint32_t key_len;
	uint32_t iv_len;
	uint32_t block_size;
	uint32_t tag_len;
	uint32_t flags;
	const char *evp_name;  /* OpenSSL's name for the primitive */
	const char *enable_group; /* "aes-cbc" or "3des-cbc" for the spec's enable cipher */
};

struct kssh_mac_alg {
	const char *name;
	const char *digest;
	uint32_t key_len;
	uint32_t mac_len;
	int etm;
	int insecure;
};

struct kssh_cipher;

struct kssh_piece {
	const uint8_t *p;
	size_t len;
};

struct kssh_cipher_backend {
	const char *name;
	int (*init)(struct kssh_cipher *c, const uint8_t *key, const uint8_t *iv);
	/*
	 * OpenSSH's cipher_crypt contract: the first aadlen bytes of src are
	 * copied to dst and authenticated but not encrypted; len bytes follow,
	 * encrypted or decrypted; with authlen, a tag is appended (encrypt) or
	 * checked (decrypt) right after them.
	 */
	int (*crypt)(struct kssh_cipher *c, uint32_t seqnr, uint8_t *dst,
	             const uint8_t *src, uint32_t len, uint32_t aadlen,
	             uint32_t authlen);
	/* Decrypts the 4-byte length of chacha20-poly1305 without state change. */
	int (*get_length)(struct kssh_cipher *c, uint32_t seqnr,
	                  const uint8_t *src, uint32_t *plen);
	void (*cleanup)(struct kssh_cipher *c);
	/*
	 * AEAD encryption as crypt, with src in n pieces (the first holding the
	 * aadlen bytes at least) that together are aadlen + len bytes: a
	 * packet's payload encrypted from where it lies, with no copy to gather
	 * it first. NULL: the caller gathers and calls crypt.
	 */
	int (*encrypt_pieces)(struct kssh_cipher *c, uint32_t seqnr, uint8_t *dst,
	                      const struct kssh_piece *src, int n, uint32_t len, uint32_t aadlen);
	/* CBC: the chaining block where the stream stands (for moving a connection); NULL: not kept */
	int (*get_iv)(struct kssh_cipher *c, uint8_t *iv, size_t len);
};

struct kssh_cipher {
	const struct kssh_cipher_alg *alg;
	const struct kssh_cipher_backend *backend;
	int encrypt;
	void *state; /* the backend's */
};

const struct kssh_cipher_alg *kssh_cipher_by_name(const char *name);
/* Before forking children that will use them: the random generator and the listed ciphers made ready */
void kssh_crypto_warm_up(const char *cipher_list);
const struct kssh_cipher_alg *kssh_cipher_at(size_t i);
extern const struct kssh_cipher_backend kssh_cipher_backend_evp;
extern const struct kssh_cipher_backend kssh_cipher_backend_afalg;

int kssh_cipher_init(struct kssh_cipher *c, const struct kssh_cipher_alg *alg,
                     const struct kssh_cipher_backend *backend,
                     const uint8_t *key, const uint8_t *iv, int encrypt);
void kssh_cipher_cleanup(struct kssh_cipher *c);
/* aes-gcm@openssh.com: the IV's invocation counter after each packet, for every backend */
void kssh_cipher_gcm_next_iv(uint8_t iv[12]);

struct kssh_mac;

struct kssh_mac_backend {
	const char *name;
	int (*init)(struct kssh_mac *m, const uint8_t *key);
	/* the full MAC of seqnr || data; *out_len: room in, bytes written out */
	int (*compute)(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data, size_t len,
	               uint8_t *out, size_t *out_len);
	void (*cleanup)(struct kssh_mac *m);
};

struct kssh_mac {
	const struct kssh_mac_alg *alg;
	const struct kssh_mac_backend *backend;
	void *ctx; /* the backend's, keyed once and reused per packet */
};

extern const struct kssh_mac_backend kssh_mac_backend_evp;
extern const struct kssh_mac_backend kssh_mac_backend_afalg;

const struct kssh_mac_alg *kssh_mac_by_name(const char *name);
const struct kssh_mac_alg *kssh_mac_at(size_t i);
int kssh_mac_init(struct kssh_mac *m, const struct kssh_mac_alg *alg, const uint8_t *key);
/* backend NULL = OpenSSL */
int kssh_mac_init_backend(struct kssh_mac *m, const struct kssh_mac_alg *alg,
                          const struct kssh_mac_backend *backend, const uint8_t *key);
int kssh_mac_compute(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data,
                     size_t len, uint8_t *out);
int kssh_mac_verify(struct kssh_mac *m, uint32_t seqnr, const uint8_t *data,
                    size_t len, const uint8_t *expected);
void kssh_mac_cleanup(struct kssh_mac *m);

/*
 * 0 when the kernel's AF_ALG can carry cipher (and mac, unless the cipher is
 * an AEAD); KSSH_ERR_UNAVAILABLE otherwise, errno saying why (EAFNOSUPPORT:
 * no AF_ALG; ENOENT: no such transform; EOPNOTSUPP: no AF_ALG path for it).
 */
int kssh_afalg_probe(const struct kssh_cipher_alg *cipher, const struct kssh_mac_alg *mac);

#endif
