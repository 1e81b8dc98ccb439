// SPDX-License-Identifier: GPL-2.0
/*
 * The ciphers of a direction: aes-gcm@openssh.com (RFC 5647: the packet
 * length is the AAD, the 64-bit invocation counter advances per packet) and
 * aes-ctr with an encrypt-then-MAC HMAC (OpenSSH's -etm MACs: the length in
 * clear, the MAC over sequence number, length and ciphertext; the counter
 * block runs on across packets). Keys are checked field by field on install
 * and wiped when the transforms go.
 */
#include <crypto/aead.h>
#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <crypto/skcipher.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kssh_ulp.h"

/* Frees the transforms: the direction has no keys until the next install (NEWKEYS, close) */
void kssh_ulp_dir_end_keys(struct kssh_ulp_dir *dir)
{
	WRITE_ONCE(dir->keyed, false);
	if (dir->req)
		aead_request_free(dir->req);
	if (dir->aead)
		crypto_free_aead(dir->aead);
	if (dir->sreq)
		skcipher_request_free(dir->sreq);
	if (dir->ctr)
		crypto_free_skcipher(dir->ctr);
	kfree_sensitive(dir->desc);
	if (dir->hmac)
		crypto_free_shash(dir->hmac);
	dir->req = NULL;
	dir->aead = NULL;
	dir->sreq = NULL;
	dir->ctr = NULL;
	dir->desc = NULL;
	dir->hmac = NULL;
	memzero_explicit(dir->iv, sizeof(dir->iv));
}

void kssh_ulp_dir_clear(struct kssh_ulp_dir *dir)
{
	kssh_ulp_dir_end_keys(dir);
	memzero_explicit(dir, sizeof(*dir));
}

static int kssh_ulp_key_len(u16 cipher)
{
	switch (cipher) {
	case KSSH_ULP_AES128_GCM:
	case KSSH_ULP_AES128_CTR:
		return 16;
	case KSSH_ULP_AES192_CTR:
		return 24;
	case KSSH_ULP_AES256_GCM:
	case KSSH_ULP_AES256_CTR:
		return 32;
	default:
		return -EINVAL;
	}
}

static bool kssh_ulp_is_gcm(u16 cipher)
{
	return cipher == KSSH_ULP_AES128_GCM || cipher == KSSH_ULP_AES256_GCM;
}

static int kssh_ulp_install_gcm(struct kssh_ulp_dir *dir, const struct kssh_ulp_crypto_info *info,
				int key_len)
{
	struct crypto_aead *aead;
	int err;

	if (info->mac || memchr_inv(info->ctr, 0, sizeof(info->ctr)) ||
	    memchr_inv(info->mac_key, 0, sizeof(info->mac_key)))
		return -EINVAL;
	/* async allowed: the SIMD drivers (AES-NI, CLMUL) register that way; we wait for them */
	aead = crypto_alloc_aead("gcm(aes)", 0, 0);
	if (IS_ERR(aead))
		return PTR_ERR(aead);
	dir->aead = aead;
	err = crypto_aead_setkey(aead, info->key, key_len);
	if (!err)
		err = crypto_aead_setauthsize(aead, KSSH_ULP_GCM_TAG_LEN);
	if (err)
		return err;
	dir->req = aead_request_alloc(aead, GFP_KERNEL);
	if (!dir->req)
		return -ENOMEM;
	memcpy(dir->iv, info->iv, sizeof(info->iv));
	dir->tag_len = KSSH_ULP_GCM_TAG_LEN;
	return 0;
}

static int kssh_ulp_install_ctr(struct kssh_ulp_dir *dir, const struct kssh_ulp_crypto_info *info,
				int key_len)
{
	const char *hmac_name;
	int mac_key_len, err;

	switch (info->mac) {
	case KSSH_ULP_HMAC_SHA2_256_ETM:
		hmac_name = "hmac(sha256)";
		mac_key_len = 32;
		break;
	case KSSH_ULP_HMAC_SHA2_512_ETM:
		hmac_name = "hmac(sha512)";
		mac_key_len = 64;
		break;
	default:
		return -EINVAL;
	}
	if (memchr_inv(info->iv, 0, sizeof(info->iv)) ||
	    memchr_inv(info->mac_key + mac_key_len, 0, sizeof(info->mac_key) - mac_key_len))
		return -EINVAL;
	dir->ctr = crypto_alloc_skcipher("ctr(aes)", 0, 0);
	if (IS_ERR(dir->ctr)) {
		err = PTR_ERR(dir->ctr);
		dir->ctr = NULL;
		return err;
	}
	err = crypto_skcipher_setkey(dir->ctr, info->key, key_len);
	if (err)
		return err;
	dir->sreq = skcipher_request_alloc(dir->ctr, GFP_KERNEL);
	if (!dir->sreq)
		return -ENOMEM;
	dir->hmac = crypto_alloc_shash(hmac_name, 0, 0);
	if (IS_ERR(dir->hmac)) {
		err = PTR_ERR(dir->hmac);
		dir->hmac = NULL;
		return err;
	}
	err = crypto_shash_setkey(dir->hmac, info->mac_key, mac_key_len);
	if (err)
		return err;
	dir->desc = kzalloc(sizeof(*dir->desc) + crypto_shash_descsize(dir->hmac), GFP_KERNEL);
	if (!dir->desc)
		return -ENOMEM;
	dir->desc->tfm = dir->hmac;
	memcpy(dir->iv, info->ctr, sizeof(info->ctr));
	dir->tag_len = crypto_shash_digestsize(dir->hmac);
	return 0;
}

/* The state userspace hands over: checked field by field, the keys put into transforms. */
int kssh_ulp_dir_install(struct kssh_ulp_dir *dir, const struct kssh_ulp_crypto_info *info)
{
	int key_len, err;

	if (info->version != KSSH_ULP_VERSION || info->reserved || info->reserved2 || info->reserved3 ||
	    memchr_inv(info->pad, 0, sizeof(info->pad)) ||
	    (info->flags & ~KSSH_ULP_F_STRICT_KEX))
		return -EINVAL;
	key_len = kssh_ulp_key_len(info->cipher);
	if (key_len < 0)
		return key_len;
	if (kssh_ulp_is_gcm(info->cipher))
		err = kssh_ulp_install_gcm(dir, info, key_len);
	else
		err = kssh_ulp_install_ctr(dir, info, key_len);
	if (err) {
		kssh_ulp_dir_end_keys(dir);
		return err;
	}
	dir->cipher = info->cipher;
	dir->mac = info->mac;
	dir->seqnr = info->seqnr;
	dir->flags = info->flags;
	dir->packets_since_keys = dir->blocks_since_keys = 0;
	WRITE_ONCE(dir->keyed, true);
	return 0;
}

/* RFC 5647 7.1 */
static void kssh_ulp_gcm_next_iv(u8 iv[16])
{
	int i;

	for (i = 11; i >= 4; i--)
		if (++iv[i] != 0)
			break;
}

/* The counter block after n more blocks (a 128-bit big-endian number) */
static void kssh_ulp_ctr_add(u8 ctr[16], u32 blocks)
{
	u32 carry = blocks;
	int i;

	for (i = 15; i >= 0 && carry; i--) {
		u32 sum = ctr[i] + (carry & 0xff);

		ctr[i] = sum & 0xff;
		carry = (carry >> 8) + (sum >> 8);
	}
}

/* The ETM MAC of sequence number || length || ciphertext (data: 4 + packet_len bytes) into out */
static int kssh_ulp_mac(struct kssh_ulp_dir *dir, const u8 *data, u32 packet_len, u8 *out)
{
	__be32 seqnr = cpu_to_be32(dir->seqnr);
	int err;

	err = crypto_shash_init(dir->desc);
	if (!err)
		err = crypto_shash_update(dir->desc, (const u8 *)&seqnr, sizeof(seqnr));
	if (!err)
		err = crypto_shash_update(dir->desc, data, 4 + packet_len);
	if (!err)
		err = crypto_shash_final(dir->desc, out);
	return err;
}

static int kssh_ulp_ctr_crypt(struct kssh_ulp_dir *dir, struct scatterlist *src, struct scatterlist *dst,
			      u32 len, bool encrypt)
{
	u8 iv[16];
	int err;

	DECLARE_CRYPTO_WAIT(wait);

	memcpy(iv, dir->iv, sizeof(iv));
	skcipher_request_set_callback(dir->sreq, CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	skcipher_request_set_crypt(dir->sreq, src, dst, len, iv);
	err = crypto_wait_req(encrypt ? crypto_skcipher_encrypt(dir->sreq) : crypto_skcipher_decrypt(dir->sreq),
			      &wait);
	memzero_explicit(iv, sizeof(iv));
	if (!err)
		kssh_ulp_ctr_add(dir->iv, len / KSSH_ULP_BLOCK);
	return err;
}

/* One AES-GCM request (AAD: the 4-byte length), then the invocation counter steps on success */
static int kssh_ulp_gcm_crypt(struct kssh_ulp_dir *dir, struct scatterlist *src, struct scatterlist *dst,
			      u32 len, bool encrypt)
{
	int err;

	DECLARE_CRYPTO_WAIT(wait);

	aead_request_set_tfm(dir->req, dir->aead);
	aead_request_set_callback(dir->req, CRYPTO_TFM_REQ_MAY_BACKLOG, crypto_req_done, &wait);
	aead_request_set_ad(dir->req, 4);
	aead_request_set_crypt(dir->req, src, dst, len, dir->iv);
	err = crypto_wait_req(encrypt ? crypto_aead_encrypt(dir->req) : crypto_aead_decrypt(dir->req), &wait);
	if (!err)
		kssh_ulp_gcm_next_iv(dir->iv);
	return err;
}

/*
 * Seals a packet into record: its length (4 bytes, already in record) then
 * packet_len bytes, encrypted, then the tag or MAC. src NULL: the packet is
 * in record already (in place); else src[0] holds the 4-byte length and
 * src[1..] the rest, scattered (a file's page).
 */
int kssh_ulp_seal(struct kssh_ulp_dir *tx, struct scatterlist *src, u8 *record, u32 packet_len)
{
	struct scatterlist dst;
	int err;

	if (tx->aead) {
		sg_init_one(&dst, record, 4 + packet_len + tx->tag_len);
		return kssh_ulp_gcm_crypt(tx, src ? src : &dst, &dst, packet_len, true);
	}
	sg_init_one(&dst, record + 4, packet_len);
	err = kssh_ulp_ctr_crypt(tx, src ? &src[1] : &dst, &dst, packet_len, true);
	if (!err)
		err = kssh_ulp_mac(tx, record, packet_len, record + 4 + packet_len);
	return err;
}

/* Checks and decrypts the packet in buf (length, packet_len bytes, tag or MAC) in place: 0 or -EBADMSG */
int kssh_ulp_open(struct kssh_ulp_dir *rx, u8 *buf, u32 packet_len)
{
	struct scatterlist sg;
	u8 mac[KSSH_ULP_MAX_TAG_LEN];
	int err;

	if (rx->aead) {
		sg_init_one(&sg, buf, 4 + packet_len + rx->tag_len);
		return kssh_ulp_gcm_crypt(rx, &sg, &sg, packet_len + rx->tag_len, false) ? -EBADMSG : 0;
	}
	/* encrypt-then-MAC: nothing is decrypted before the MAC is right */
	err = kssh_ulp_mac(rx, buf, packet_len, mac);
	if (err || crypto_memneq(mac, buf + 4 + packet_len, rx->tag_len))
		err = -EBADMSG;
	memzero_explicit(mac, sizeof(mac));
	if (err)
		return err;
	sg_init_one(&sg, buf + 4, packet_len);
	return kssh_ulp_ctr_crypt(rx, &sg, &sg, packet_len, false) ? -EBADMSG : 0;
}
