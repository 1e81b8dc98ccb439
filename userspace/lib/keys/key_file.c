// SPDX-License-Identifier: MIT
/* OpenSSH key files: "openssh-key-v1" private keys (PROTOCOL.key) and public key lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "key_internal.h"

#define MAGIC "openssh-key-v1"
#define BEGIN_MARK "-----BEGIN OPENSSH PRIVATE KEY-----"
#define END_MARK "-----END OPENSSH PRIVATE KEY-----"
#define KEY_FILE_MAX (64 * 1024)
#define LINE_WIDTH 70

/* The private fields after the type name, as PROTOCOL.key orders them. */
static int put_private_fields(const struct kssh_key *k, struct kssh_buf *b)
{
	static const char *const dsa[] = { OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q,
	                                   OSSL_PKEY_PARAM_FFC_G, OSSL_PKEY_PARAM_PUB_KEY,
	                                   OSSL_PKEY_PARAM_PRIV_KEY, NULL };
	static const char *const rsa[] = { OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E,
	                                   OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	                                   OSSL_PKEY_PARAM_RSA_FACTOR1, OSSL_PKEY_PARAM_RSA_FACTOR2,
	                                   NULL };
	const char *const *names = k->type == KSSH_KEY_RSA ? rsa : dsa;
	uint8_t raw[64 + 160];
	size_t len, priv_len;
	BIGNUM *bn;
	int r;

	switch (k->type) {
	case KSSH_KEY_ED25519:
		/* string pk, string (seed || pk) */
		len = 32;
		priv_len = 32;
		if (EVP_PKEY_get_raw_public_key(k->pkey, raw + 32, &len) != 1 ||
		    EVP_PKEY_get_raw_private_key(k->pkey, raw, &priv_len) != 1)
			return KSSH_ERR_LIBCRYPTO;
		if ((r = kssh_buf_put_string(b, raw + 32, 32)) == 0)
			r = kssh_buf_put_string(b, raw, 64);
		OPENSSL_cleanse(raw, sizeof(raw));
		return r;
	case KSSH_KEY_ECDSA_P256:
	case KSSH_KEY_ECDSA_P384:
	case KSSH_KEY_ECDSA_P521:
		if ((r = key_ec_public_point(k, raw, sizeof(raw), &len)) != 0 ||
		    (r = kssh_buf_put_cstring(b, key_curve_ssh_name(k->type))) != 0 ||
		    (r = kssh_buf_put_string(b, raw, len)) != 0 ||
		    (r = key_get_param_bn(k, OSSL_PKEY_PARAM_PRIV_KEY, &bn)) != 0)
			return r;
		r = key_put_bn(b, bn);
		BN_clear_free(bn);
		return r;
	case KSSH_KEY_RSA:
	case KSSH_KEY_DSA:
		for (; *names != NULL; names++) {
			if ((r = key_get_param_bn(k, *names, &bn)) != 0)
				return r;
			r = key_put_bn(b, bn);
			BN_clear_free(bn);
			if (r != 0)
				return r;
		}
		return 0;
	default:
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	}
}

static int private_section(const struct kssh_key *k, const char *comment, struct kssh_buf *b)
{
	uint32_t check;
	int r;

	if (RAND_bytes((uint8_t *)&check, sizeof(check)) != 1)
		return KSSH_ERR_LIBCRYPTO;
	if ((r = kssh_buf_put_u32(b, check)) != 0 ||
	    (r = kssh_buf_put_u32(b, check)) != 0 ||
	    (r = kssh_buf_put_cstring(b, kssh_key_type_name(k->type))) != 0 ||
	    (r = put_private_fields(k, b)) != 0 ||
	    (r = kssh_buf_put_cstring(b, comment ? comment : "")) != 0)
		return r;
	for (uint8_t pad = 1; kssh_buf_len(b) % 8 != 0; pad++)
		if ((r = kssh_buf_put_u8(b, pad)) != 0)
			return r;
	return 0;
}

static int wrap_armour(const struct kssh_buf *bin, char **text)
{
	char *b64 = kssh_base64_encode(kssh_buf_ptr(bin), kssh_buf_len(bin));
	struct kssh_buf out;
	size_t n;
	int r;

	if (b64 == NULL)
		return KSSH_ERR_ALLOC;
	kssh_buf_init(&out, 0);
	n = strlen(b64);
	r = kssh_buf_put(&out, BEGIN_MARK "\n", strlen(BEGIN_MARK) + 1);
	for (size_t i = 0; r == 0 && i < n; i += LINE_WIDTH) {
		size_t chunk = n - i < LINE_WIDTH ? n - i : LINE_WIDTH;

		if ((r = kssh_buf_put(&out, b64 + i, chunk)) == 0)
			r = kssh_buf_put_u8(&out, '\n');
	}
	if (r == 0)
		r = kssh_buf_put(&out, END_MARK "\n", strlen(END_MARK) + 2);
	free(b64);
	if (r != 0) {
		kssh_buf_release(&out);
		return r;
	}
	*text = (char *)out.data; /* NUL-terminated by END_MARK's "\n\0" */
	return 0;
}

int kssh_key_format_private(const struct kssh_key *k, const char *comment, char **text)
{
	struct kssh_buf bin, pub, priv;
	int r;

	kssh_buf_init(&bin, 0);
	kssh_buf_init(&pub, 0);
	kssh_buf_init(&priv, 0);
	if (!k->has_private) {
		r = KSSH_ERR_INVALID_ARGUMENT;
		goto out;
	}
	if ((r = kssh_buf_put(&bin, MAGIC, sizeof(MAGIC))) != 0 ||
	    (r = kssh_buf_put_cstring(&bin, "none")) != 0 ||
	    (r = kssh_buf_put_cstring(&bin, "none")) != 0 ||
	    (r = kssh_buf_put_string(&bin, NULL, 0)) != 0 ||
	    (r = kssh_buf_put_u32(&bin, 1)) != 0 ||
	    (r = kssh_key_to_blob(k, &pub)) != 0 ||
	    (r = kssh_buf_put_buf_string(&bin, &pub)) != 0 ||
	    (r = private_section(k, comment, &priv)) != 0 ||
	    (r = kssh_buf_put_buf_string(&bin, &priv)) != 0)
		goto out;
	r = wrap_armour(&bin, text);
out:
	kssh_buf_release(&bin);
	kssh_buf_release(&pub);
	kssh_buf_release(&priv);
	return r;
}

static int write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text);
	char tmp[4096];
	int fd, r = 0;

	/* write beside, then rename: a crash never leaves a half-written key */
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof(tmp))
		return KSSH_ERR_INVALID_ARGUMENT;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		return KSSH_ERR_SYSTEM;
	if (write(fd, text, len) != (ssize_t)len || fsync(fd) != 0)
		r = KSSH_ERR_SYSTEM;
	if (close(fd) != 0)
		r = KSSH_ERR_SYSTEM;
	if (r == 0 && rename(tmp, path) != 0)
		r = KSSH_ERR_SYSTEM;
	if (r != 0) {
		int saved = errno;

		unlink(tmp);
		errno = saved;
	}
	return r;
}

int kssh_key_save_private(const struct kssh_key *k, const char *path, const char *comment)
{
	char *text;
	int r;

	if ((r = kssh_key_format_private(k, comment, &text)) != 0)
		return r;
	r = write_file(path, text, 0600);
	OPENSSL_cleanse(text, strlen(text));
	free(text);
	return r;
}

static int ed25519_private(struct kssh_buf *b, struct kssh_key **out)
{
	const uint8_t *pk, *sk;
	size_t pk_len, sk_len;
	uint8_t derived[32];
	size_t derived_len = sizeof(derived);
	EVP_PKEY *pkey;
	int r;

	if ((r = kssh_buf_get_string_view(b, &pk, &pk_len)) != 0 ||
	    (r = kssh_buf_get_string_view(b, &sk, &sk_len)) != 0)
		return r;
	if (pk_len != 32 || sk_len != 64)
		return KSSH_ERR_KEY_INVALID;
	if ((pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32)) == NULL)
		return KSSH_ERR_KEY_INVALID;
	/* the stored public half must be the one the seed makes */
	if (EVP_PKEY_get_raw_public_key(pkey, derived, &derived_len) != 1 ||
	    memcmp(derived, pk, 32) != 0 || memcmp(sk + 32, pk, 32) != 0) {
		EVP_PKEY_free(pkey);
		return KSSH_ERR_KEY_INVALID;
	}
	if ((*out = key_wrap(KSSH_KEY_ED25519, pkey, 1)) == NULL)
		return KSSH_ERR_ALLOC;
	return 0;
}

static int ecdsa_private(struct kssh_buf *b, enum kssh_key_type type, OSSL_PARAM_BLD *bld,
                         BIGNUM **bns, struct kssh_key **out)
{
	const uint8_t *curve, *point;
	size_t curve_len, point_len;
	int r;

	if ((r = kssh_buf_get_string_view(b, &curve, &curve_len)) != 0 ||
	    (r = kssh_buf_get_string_view(b, &point, &point_len)) != 0 ||
	    (r = key_get_bn(b, &bns[0])) != 0)
		return r;
	if (curve_len != strlen(key_curve_ssh_name(type)) ||
	    memcmp(curve, key_curve_ssh_name(type), curve_len) != 0)
		return KSSH_ERR_KEY_INVALID;
	if (!OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	                                     key_curve_ossl_name(type), 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, point_len) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bns[0]))
		return KSSH_ERR_ALLOC;
	return key_from_params(type, "EC", bld, EVP_PKEY_KEYPAIR, out);
}

/* PROTOCOL.key stores n e d iqmp p q; OpenSSL also wants d mod (p-1) and d mod (q-1). */
static int rsa_private(struct kssh_buf *b, OSSL_PARAM_BLD *bld, BIGNUM **bns,
                       struct kssh_key **out)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_E, OSSL_PKEY_PARAM_RSA_D,
		OSSL_PKEY_PARAM_RSA_COEFFICIENT1, OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,
	};
	BN_CTX *ctx;
	BIGNUM *tmp;
	int r = 0;

	for (int i = 0; i < 6; i++) {
		if ((r = key_get_bn(b, &bns[i])) != 0)
			return r;
		if (!OSSL_PARAM_BLD_push_BN(bld, names[i], bns[i]))
			return KSSH_ERR_ALLOC;
	}
	bns[6] = BN_new();
	bns[7] = BN_new();
	tmp = BN_new();
	ctx = BN_CTX_new();
	if (bns[6] == NULL || bns[7] == NULL || tmp == NULL || ctx == NULL ||
	    !BN_sub(tmp, bns[4], BN_value_one()) || !BN_mod(bns[6], bns[2], tmp, ctx) ||
	    !BN_sub(tmp, bns[5], BN_value_one()) || !BN_mod(bns[7], bns[2], tmp, ctx) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT1, bns[6]) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_EXPONENT2, bns[7]))
		r = KSSH_ERR_LIBCRYPTO;
	BN_clear_free(tmp);
	BN_CTX_free(ctx);
	if (r != 0)
		return r;
	return key_from_params(KSSH_KEY_RSA, "RSA", bld, EVP_PKEY_KEYPAIR, out);
}

static int dsa_private(struct kssh_buf *b, OSSL_PARAM_BLD *bld, BIGNUM **bns,
                       struct kssh_key **out)
{
	static const char *const names[] = {
		OSSL_PKEY_PARAM_FFC_P, OSSL_PKEY_PARAM_FFC_Q, OSSL_PKEY_PARAM_FFC_G,
		OSSL_PKEY_PARAM_PUB_KEY, OSSL_PKEY_PARAM_PRIV_KEY,
	};
	int r;

	for (int i = 0; i < 5; i++) {
		if ((r = key_get_bn(b, &bns[i])) != 0)
			return r;
		if (!OSSL_PARAM_BLD_push_BN(bld, names[i], bns[i]))
			return KSSH_ERR_ALLOC;
	}
	return key_from_params(KSSH_KEY_DSA, "DSA", bld, EVP_PKEY_KEYPAIR, out);
}

/*
 * A private key must be a consistent pair before it is used: a bit flipped
 * in an RSA private exponent or prime makes wrong signatures, an EC or
 * Ed25519 secret that does not match the public half signs for another key.
 * The test is one signature, verified with the public half read from the
 * same file (milliseconds; OpenSSL's full RSA check, with its primality
 * tests, takes over 100 ms for a 3072-bit key, once per connection).
 */
static int check_pair(struct kssh_key *k)
{
	static const uint8_t probe[] = "kssh private key self-test";
	struct kssh_buf sig;
	const char *alg = kssh_key_type_name(k->type);
	int r;

	kssh_buf_init(&sig, 0);
	r = kssh_key_sign(k, alg, probe, sizeof(probe), &sig);
	if (r == 0 && kssh_key_verify(k, alg, kssh_buf_ptr(&sig), kssh_buf_len(&sig), probe, sizeof(probe)) != 0)
		r = KSSH_ERR_KEY_INVALID;
	kssh_buf_release(&sig);
	return r;
}

static int parse_private_fields(struct kssh_buf *b, struct kssh_key **out)
{
	OSSL_PARAM_BLD *bld;
	BIGNUM *bns[8] = { 0 };
	enum kssh_key_type type;
	char *name = NULL;
	int r;

	if ((r = kssh_buf_get_cstring(b, &name, NULL)) != 0)
		return r;
	type = kssh_key_type_from_name(name);
	free(name);
	if (type == KSSH_KEY_UNSPEC)
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	if (type == KSSH_KEY_ED25519)
		return ed25519_private(b, out);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return KSSH_ERR_ALLOC;
	if (type == KSSH_KEY_RSA)
		r = rsa_private(b, bld, bns, out);
	else if (type == KSSH_KEY_DSA)
		r = dsa_private(b, bld, bns, out);
	else
		r = ecdsa_private(b, type, bld, bns, out);
	OSSL_PARAM_BLD_free(bld);
	for (int i = 0; i < 8; i++)
		BN_clear_free(bns[i]);
	return r;
}

static int parse_private_key(struct kssh_buf *b, int self_test, struct kssh_key **out)
{
	int r = parse_private_fields(b, out);

	if (r == 0 && self_test && (r = check_pair(*out)) != 0) {
		kssh_key_free(*out);
		*out = NULL;
	}
	return r;
}

static int dearmour(const char *text, size_t len, struct kssh_buf *bin)
{
	const char *begin, *end;

	if (len > KEY_FILE_MAX)
		return KSSH_ERR_FILE_FORMAT;
	begin = memmem(text, len, BEGIN_MARK, strlen(BEGIN_MARK));
	if (begin == NULL)
		return KSSH_ERR_FILE_FORMAT;
	begin += strlen(BEGIN_MARK);
	end = memmem(begin, len - (size_t)(begin - text), END_MARK, strlen(END_MARK));
	if (end == NULL)
		return KSSH_ERR_FILE_FORMAT;
	return kssh_base64_decode(begin, (size_t)(end - begin), bin) == 0 ? 0 : KSSH_ERR_FILE_FORMAT;
}

/* The clear parts of an "openssh-key-v1" file (PROTOCOL.key). */
struct key_file {
	const uint8_t *cipher, *kdf, *kdfopts, *pub, *section;
	size_t cipher_len, kdf_len, kdfopts_len, pub_len, section_len;
	struct kssh_buf bin;
};

static int parse_key_file(const char *text, size_t len, struct key_file *f)
{
	uint8_t magic[sizeof(MAGIC)];
	uint32_t nkeys;
	int r;

	kssh_buf_init(&f->bin, KEY_FILE_MAX);
	if ((r = dearmour(text, len, &f->bin)) != 0)
		return r;
	if (kssh_buf_get_bytes(&f->bin, magic, sizeof(magic)) != 0 ||
	    memcmp(magic, MAGIC, sizeof(MAGIC)) != 0 ||
	    kssh_buf_get_string_view(&f->bin, &f->cipher, &f->cipher_len) != 0 ||
	    kssh_buf_get_string_view(&f->bin, &f->kdf, &f->kdf_len) != 0 ||
	    kssh_buf_get_string_view(&f->bin, &f->kdfopts, &f->kdfopts_len) != 0 ||
	    kssh_buf_get_u32(&f->bin, &nkeys) != 0 || nkeys != 1 ||
	    kssh_buf_get_string_view(&f->bin, &f->pub, &f->pub_len) != 0 ||
	    kssh_buf_get_string_view(&f->bin, &f->section, &f->section_len) != 0)
		return KSSH_ERR_FILE_FORMAT;
	return 0;
}

static int is_none(const uint8_t *p, size_t n)
{
	return n == 4 && memcmp(p, "none", 4) == 0;
}

static int parse_section(const uint8_t *section, size_t len, const struct key_file *f, int self_test,
                         struct kssh_key **out)
{
	struct kssh_key *pubkey = NULL;
	struct kssh_buf priv;
	uint32_t check1, check2;
	int r;

	if (len % 8 != 0)
		return KSSH_ERR_FILE_FORMAT;
	kssh_buf_view(&priv, section, len);
	if ((r = kssh_buf_get_u32(&priv, &check1)) != 0 ||
	    (r = kssh_buf_get_u32(&priv, &check2)) != 0)
		return KSSH_ERR_FILE_FORMAT;
	/* PROTOCOL.key: equal check words prove the passphrase was right */
	if (check1 != check2)
		return is_none(f->cipher, f->cipher_len) ? KSSH_ERR_FILE_FORMAT : KSSH_ERR_KEY_ENCRYPTED;
	if ((r = parse_private_key(&priv, self_test, out)) != 0 ||
	    (r = kssh_buf_get_string_view(&priv, NULL, NULL)) != 0)
		return r ? r : KSSH_ERR_FILE_FORMAT;
	/* the public key in the clear must be the private key's own */
	if ((r = kssh_key_from_blob(f->pub, f->pub_len, &pubkey)) != 0 ||
	    !kssh_key_equal_public(pubkey, *out))
		r = r ? r : KSSH_ERR_KEY_INVALID;
	kssh_key_free(pubkey);
	return r;
}

static int parse_private(const char *text, size_t len, const char *passphrase, int self_test,
                         struct kssh_key **out)
{
	struct key_file f;
	struct kssh_buf plain;
	int r;

	*out = NULL;
	kssh_buf_init(&plain, KEY_FILE_MAX);
	if ((r = parse_key_file(text, len, &f)) != 0)
		goto out;
	if (is_none(f.cipher, f.cipher_len)) {
		r = is_none(f.kdf, f.kdf_len) ? parse_section(f.section, f.section_len, &f, self_test, out)
		                              : KSSH_ERR_FILE_FORMAT;
	} else if (passphrase == NULL) {
		r = KSSH_ERR_KEY_ENCRYPTED;
	} else if ((r = key_file_decrypt(f.cipher, f.cipher_len, f.kdf, f.kdf_len, f.kdfopts,
	                                 f.kdfopts_len, passphrase, f.section, f.section_len,
	                                 &f.bin, &plain)) == 0) {
		r = parse_section(kssh_buf_ptr(&plain), kssh_buf_len(&plain), &f, self_test, out);
	}
out:
	if (r != 0) {
		kssh_key_free(*out);
		*out = NULL;
	}
	kssh_buf_release(&plain);
	kssh_buf_release(&f.bin);
	return r;
}

int kssh_key_parse_private_passphrase(const char *text, size_t len, const char *passphrase,
                                      struct kssh_key **out)
{
	return parse_private(text, len, passphrase, 1, out);
}

int kssh_key_parse_private(const char *text, size_t len, struct kssh_key **out)
{
	return kssh_key_parse_private_passphrase(text, len, NULL, out);
}

int kssh_key_parse_private_public(const char *text, size_t len, struct kssh_key **out)
{
	struct key_file f;
	int r;

	*out = NULL;
	if ((r = parse_key_file(text, len, &f)) == 0)
		r = kssh_key_from_blob(f.pub, f.pub_len, out);
	kssh_buf_release(&f.bin);
	return r;
}

/* Reads a private key file, refusing one that others can read (as OpenSSH does). */
static int read_private_file(const char *path, char *text, size_t size, size_t *len)
{
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? KSSH_ERR_NOT_FOUND : KSSH_ERR_SYSTEM;
	if (fstat(fd, &st) != 0) {
		close(fd);
		return KSSH_ERR_SYSTEM;
	}
	if ((st.st_mode & 077) != 0) {
		close(fd);
		return KSSH_ERR_KEY_PERMISSIONS;
	}
	n = read(fd, text, size);
	close(fd);
	if (n < 0)
		return KSSH_ERR_SYSTEM;
	if ((size_t)n >= size)
		return KSSH_ERR_FILE_FORMAT;
	text[n] = 0;
	*len = (size_t)n;
	return 0;
}

/* digest NULL: none taken, the pair proved; else the text's SHA-256, the proof skipped when it equals known */
static int load_private(const char *path, const char *passphrase, const uint8_t *known, uint8_t *digest,
                        struct kssh_key **out)
{
	char text[KEY_FILE_MAX + 1];
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = read_private_file(path, text, sizeof(text), &n)) != 0)
		return r;
	if (digest != NULL && EVP_Digest(text, n, digest, NULL, EVP_sha256(), NULL) != 1)
		r = KSSH_ERR_LIBCRYPTO;
	else
		r = parse_private(text, n, passphrase,
		                  digest == NULL || known == NULL || CRYPTO_memcmp(known, digest, 32) != 0, out);
	OPENSSL_cleanse(text, n);
	return r;
}

int kssh_key_load_private_passphrase(const char *path, const char *passphrase, struct kssh_key **out)
{
	return load_private(path, passphrase, NULL, NULL, out);
}

int kssh_key_load_private_known(const char *path, const uint8_t known[32], uint8_t digest[32],
                                struct kssh_key **out)
{
	return load_private(path, NULL, known, digest, out);
}

int kssh_key_load_private(const char *path, struct kssh_key **out)
{
	return kssh_key_load_private_passphrase(path, NULL, out);
}

int kssh_key_load_private_public(const char *path, struct kssh_key **out)
{
	char text[KEY_FILE_MAX + 1];
	size_t n = 0;
	int r;

	*out = NULL;
	if ((r = read_private_file(path, text, sizeof(text), &n)) != 0)
		return r;
	r = kssh_key_parse_private_public(text, n, out);
	OPENSSL_cleanse(text, n);
	return r;
}

int kssh_key_load_public(const char *path, struct kssh_key **out)
{
	char line[KEY_FILE_MAX];
	FILE *f = fopen(path, "re");
	int r = KSSH_ERR_FILE_FORMAT;

	*out = NULL;
	if (f == NULL)
		return errno == ENOENT ? KSSH_ERR_NOT_FOUND : KSSH_ERR_SYSTEM;
	if (fgets(line, sizeof(line), f) != NULL)
		r = kssh_key_parse_public_line(line, out);
	fclose(f);
	return r;
}

int kssh_key_public_line(const struct kssh_key *k, const char *comment, char **line)
{
	struct kssh_buf blob;
	char *b64;
	size_t n;
	int r;

	kssh_buf_init(&blob, 0);
	if ((r = kssh_key_to_blob(k, &blob)) != 0)
		goto out;
	if ((b64 = kssh_base64_encode(kssh_buf_ptr(&blob), kssh_buf_len(&blob))) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	n = strlen(kssh_key_type_name(k->type)) + strlen(b64) + (comment ? strlen(comment) : 0) + 4;
	if ((*line = malloc(n)) == NULL)
		r = KSSH_ERR_ALLOC;
	else
		snprintf(*line, n, "%s %s%s%s", kssh_key_type_name(k->type), b64,
		         comment && *comment ? " " : "", comment ? comment : "");
	free(b64);
out:
	kssh_buf_release(&blob);
	return r;
}

/* "type base64 [comment]": the type named must be the blob's own. */
int kssh_key_parse_public_line(const char *line, struct kssh_key **out)
{
	const char *type_end, *b64, *b64_end;
	struct kssh_buf blob;
	int r;

	*out = NULL;
	while (*line == ' ' || *line == '\t')
		line++;
	type_end = line + strcspn(line, " \t");
	b64 = type_end + strspn(type_end, " \t");
	b64_end = b64 + strcspn(b64, " \t\r\n");
	if (type_end == line || b64_end == b64)
		return KSSH_ERR_FILE_FORMAT;
	kssh_buf_init(&blob, KEY_FILE_MAX);
	if ((r = kssh_base64_decode(b64, (size_t)(b64_end - b64), &blob)) == 0 &&
	    (r = kssh_key_from_blob(kssh_buf_ptr(&blob), kssh_buf_len(&blob), out)) == 0 &&
	    (strlen(kssh_key_type_name((*out)->type)) != (size_t)(type_end - line) ||
	     strncmp(kssh_key_type_name((*out)->type), line, (size_t)(type_end - line)) != 0)) {
		kssh_key_free(*out);
		*out = NULL;
		r = KSSH_ERR_KEY_INVALID;
	}
	kssh_buf_release(&blob);
	return r;
}

int kssh_key_save_public(const struct kssh_key *k, const char *path, const char *comment)
{
	char *line, *text;
	size_t n;
	int r;

	if ((r = kssh_key_public_line(k, comment, &line)) != 0)
		return r;
	n = strlen(line) + 2;
	if ((text = malloc(n)) == NULL) {
		free(line);
		return KSSH_ERR_ALLOC;
	}
	snprintf(text, n, "%s\n", line);
	r = write_file(path, text, 0644);
	free(line);
	free(text);
	return r;
}
