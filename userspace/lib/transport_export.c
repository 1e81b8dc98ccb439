// SPDX-License-Identifier: MIT
/*
 * Moving an established transport to another process: ksshd's sandboxed
 * pre-authentication process hands the connection to its monitor after the
 * login. The state is what the next packet each way needs (keys, where each
 * cipher stands, sequence numbers, counters, the bytes not yet framed) and
 * what the next key exchange needs (both version strings, the session id).
 * The importer takes it from a less trusted process: every field is bounded
 * and checked against the algorithm it belongs to.
 */
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "transport_internal.h"

#define STATE_MAGIC "kssh-transport-state-1"
#define STATE_INPUT_MAX (KSSH_PACKET_INPUT_MAX + 4096)

static const char *name_or_empty(const char *name)
{
	return name ? name : "";
}

/* Where a direction's cipher stands: the IV or counter block its next packet starts from */
static int dir_position(const struct kssh_packet_dir *d, uint8_t iv[16])
{
	const struct kssh_cipher_alg *c = d->cipher;

	memcpy(iv, d->iv, 16);
	if (c->flags & KSSH_CIPHER_CHACHAPOLY)
		return 0; /* the nonce is the sequence number */
	if (c->flags & KSSH_CIPHER_AEAD) {
		kssh_packet_counter_add(iv + 4, 8, d->packets); /* RFC 5647's invocation counter */
		return 0;
	}
	if (strstr(c->name, "-ctr") != NULL) {
		kssh_packet_counter_add(iv, 16, d->ctr_blocks);
		return 0;
	}
	/* CBC: the last ciphertext block, which only the backend holds */
	if (d->cctx.backend->get_iv == NULL)
		return KSSH_ERR_UNAVAILABLE;
	return d->cctx.backend->get_iv((struct kssh_cipher *)&d->cctx, iv, c->iv_len);
}

static int put_dir(struct kssh_buf *b, const struct kssh_transport *t, enum kssh_direction dir)
{
	const struct kssh_packet_dir *d = &t->pkt.dir[dir];
	uint8_t iv[16];
	int r;

	if (d->cipher == NULL)
		return KSSH_ERR_PROTOCOL; /* before the first NEWKEYS there is nothing to move */
	if ((r = dir_position(d, iv)) != 0)
		return r;
	if ((r = kssh_buf_put_cstring(b, d->cipher->name)) != 0 ||
	    (r = kssh_buf_put_cstring(b, d->mac ? d->mac->name : "")) != 0 ||
	    (r = kssh_buf_put_string(b, d->key, d->cipher->key_len)) != 0 ||
	    (r = kssh_buf_put_string(b, d->iv, d->cipher->iv_len)) != 0 ||
	    (r = kssh_buf_put_string(b, iv, d->cipher->iv_len)) != 0 ||
	    (r = kssh_buf_put_string(b, d->mac_key, d->mac ? d->mac->key_len : 0)) != 0 ||
	    (r = kssh_buf_put_u32(b, d->seqnr)) != 0 || (r = kssh_buf_put_u64(b, d->packets)) != 0 ||
	    (r = kssh_buf_put_u64(b, d->bytes)) != 0 || (r = kssh_buf_put_u64(b, d->total_packets)) != 0 ||
	    (r = kssh_buf_put_u64(b, d->total_bytes)) != 0 || (r = kssh_buf_put_u64(b, d->ctr_blocks)) != 0 ||
	    (r = kssh_buf_put_u32(b, (uint32_t)t->afalg[dir])) != 0)
		return r;
	OPENSSL_cleanse(iv, sizeof(iv));
	return 0;
}

int kssh_transport_export(const struct kssh_transport *t, struct kssh_buf *out)
{
	const struct kex_choice *c = &t->current;
	struct kssh_buf blob;
	int r;

	if (!t->initial_done || transport_kex_in_progress(t) || t->pkt.kernel.on ||
	    kssh_buf_len(&t->pkt.output) > 0 || kssh_buf_len(&t->held) > 0 || t->pkt.recv_first_block_done)
		return KSSH_ERR_AGAIN;
	kssh_buf_init(&blob, 0);
	if (t->cfg.is_server && t->initial_host_key != NULL &&
	    (r = kssh_key_to_blob(t->initial_host_key, &blob)) != 0)
		goto out;
	if ((r = kssh_buf_put_cstring(out, STATE_MAGIC)) != 0 ||
	    (r = kssh_buf_put_u32(out, (uint32_t)t->cfg.is_server)) != 0 ||
	    (r = kssh_buf_put_cstring(out, t->my_version)) != 0 ||
	    (r = kssh_buf_put_cstring(out, name_or_empty(t->peer_version))) != 0 ||
	    (r = kssh_buf_put_u32(out, (uint32_t)t->phase)) != 0 ||
	    (r = kssh_buf_put_u32(out, (uint32_t)t->strict)) != 0 ||
	    (r = kssh_buf_put_u32(out, (uint32_t)t->peer_ext_info)) != 0 ||
	    (r = kssh_buf_put_u32(out, t->kex_count)) != 0 ||
	    (r = kssh_buf_put_u64(out, t->kex_done_at)) != 0 ||
	    (r = kssh_buf_put_string(out, t->session_id, t->session_id_len)) != 0 ||
	    (r = kssh_buf_put_cstring(out, c->method ? c->method->name : "")) != 0 ||
	    (r = kssh_buf_put_cstring(out, c->hostkey ? c->hostkey->name : "")) != 0 ||
	    (r = kssh_buf_put_buf_string(out, &blob)) != 0 ||
	    (r = put_dir(out, t, KSSH_DIR_IN)) != 0 || (r = put_dir(out, t, KSSH_DIR_OUT)) != 0 ||
	    (r = kssh_buf_put_string(out, kssh_buf_ptr(&t->pkt.input), kssh_buf_len(&t->pkt.input))) != 0)
		goto out;
out:
	kssh_buf_release(&blob);
	return r;
}

/* ---- import: every field is checked ---- */

/* A string of exactly want bytes into dst */
static int get_exact(struct kssh_buf *b, uint8_t *dst, size_t want)
{
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = kssh_buf_get_string_view(b, &p, &n)) != 0)
		return r;
	if (n != want)
		return KSSH_ERR_INVALID_FORMAT;
	if (n > 0)
		memcpy(dst, p, n);
	return 0;
}

static int get_dir(struct kssh_buf *b, struct kssh_transport *t, enum kssh_direction dir)
{
	struct kssh_packet_dir *d = &t->pkt.dir[dir];
	const struct kssh_cipher_alg *cipher;
	const struct kssh_mac_alg *mac = NULL;
	char cname[64], mname[64];
	uint8_t key[64], first_iv[16] = { 0 }, iv[16] = { 0 }, mac_key[64];
	uint64_t packets, bytes, total_packets, total_bytes, ctr_blocks;
	uint32_t seqnr, afalg;
	int r;

	if ((r = kssh_buf_get_name(b, cname, sizeof(cname))) != 0 || (r = kssh_buf_get_name(b, mname, sizeof(mname))) != 0)
		return r;
	if ((cipher = kssh_cipher_by_name(cname)) == NULL ||
	    (!(cipher->flags & KSSH_CIPHER_AEAD) && (mac = kssh_mac_by_name(mname)) == NULL) ||
	    ((cipher->flags & KSSH_CIPHER_AEAD) && mname[0] != 0) ||
	    cipher->key_len > sizeof(key) || cipher->iv_len > sizeof(iv) || (mac && mac->key_len > sizeof(mac_key)))
		return KSSH_ERR_INVALID_FORMAT;
	if ((r = get_exact(b, key, cipher->key_len)) != 0 || (r = get_exact(b, first_iv, cipher->iv_len)) != 0 ||
	    (r = get_exact(b, iv, cipher->iv_len)) != 0 || (r = get_exact(b, mac_key, mac ? mac->key_len : 0)) != 0 ||
	    (r = kssh_buf_get_u32(b, &seqnr)) != 0 || (r = kssh_buf_get_u64(b, &packets)) != 0 ||
	    (r = kssh_buf_get_u64(b, &bytes)) != 0 || (r = kssh_buf_get_u64(b, &total_packets)) != 0 ||
	    (r = kssh_buf_get_u64(b, &total_bytes)) != 0 || (r = kssh_buf_get_u64(b, &ctr_blocks)) != 0 ||
	    (r = kssh_buf_get_u32(b, &afalg)) != 0)
		goto out;
	r = KSSH_ERR_INVALID_FORMAT;
	if (afalg > 1 || packets > total_packets || bytes > total_bytes)
		goto out;
	t->afalg[dir] = (int)afalg;
	if ((r = transport_offload_set_keys(t, dir, cipher, mac, key, iv, mac_key)) != 0)
		goto out;
	/* as if these keys had carried the packets so far: the first IV stays for kernel/'s export */
	memcpy(d->iv, first_iv, sizeof(first_iv));
	d->seqnr = seqnr;
	d->packets = packets;
	d->bytes = bytes;
	d->total_packets = total_packets;
	d->total_bytes = total_bytes;
	d->ctr_blocks = ctr_blocks;
	t->current.cipher[(dir == KSSH_DIR_IN) == t->cfg.is_server ? 0 : 1] = cipher;
	t->current.mac[(dir == KSSH_DIR_IN) == t->cfg.is_server ? 0 : 1] = mac;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(iv, sizeof(iv));
	OPENSSL_cleanse(first_iv, sizeof(first_iv));
	OPENSSL_cleanse(mac_key, sizeof(mac_key));
	return r;
}

static int get_host_key(struct kssh_buf *b, struct kssh_transport *t)
{
	struct kssh_key *key = NULL;
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = kssh_buf_get_string_view(b, &p, &n)) != 0)
		return r;
	if (n == 0)
		return t->cfg.is_server ? KSSH_ERR_INVALID_FORMAT : 0;
	if ((r = kssh_key_from_blob(p, n, &key)) != 0)
		return r;
	for (size_t i = 0; i < t->cfg.n_host_keys; i++)
		if (kssh_key_equal_public(t->cfg.host_keys[i], key))
			t->initial_host_key = t->cfg.host_keys[i];
	kssh_key_free(key);
	return t->initial_host_key ? 0 : KSSH_ERR_HOST_KEY_UNKNOWN;
}

static int import_state(struct kssh_transport *t, struct kssh_buf *b)
{
	char magic[32], version[256], kex[64], hostkey[64];
	uint32_t is_server, phase, strict, ext_info;
	const uint8_t *p;
	size_t n;
	int r;

	if ((r = kssh_buf_get_name(b, magic, sizeof(magic))) != 0)
		return r;
	if (strcmp(magic, STATE_MAGIC) != 0)
		return KSSH_ERR_INVALID_FORMAT;
	if ((r = kssh_buf_get_u32(b, &is_server)) != 0 ||
	    (r = kssh_buf_get_name(b, t->my_version, sizeof(t->my_version))) != 0 ||
	    (r = kssh_buf_get_name(b, version, sizeof(version))) != 0 || (r = kssh_buf_get_u32(b, &phase)) != 0 ||
	    (r = kssh_buf_get_u32(b, &strict)) != 0 || (r = kssh_buf_get_u32(b, &ext_info)) != 0 ||
	    (r = kssh_buf_get_u32(b, &t->kex_count)) != 0 || (r = kssh_buf_get_u64(b, &t->kex_done_at)) != 0 ||
	    (r = kssh_buf_get_string_view(b, &p, &n)) != 0)
		return r;
	if (is_server != (uint32_t)t->cfg.is_server || phase > KSSH_PHASE_CONNECTION || strict > 1 ||
	    ext_info > 1 || t->kex_count == 0 || n == 0 || n > sizeof(t->session_id) ||
	    strncmp(version, "SSH-2.0-", 8) != 0 || strncmp(t->my_version, "SSH-2.0-", 8) != 0)
		return KSSH_ERR_INVALID_FORMAT;
	memcpy(t->session_id, p, n);
	t->session_id_len = (uint32_t)n;
	if ((t->peer_version = strdup(version)) == NULL)
		return KSSH_ERR_ALLOC;
	t->phase = (enum kssh_phase)phase;
	t->strict = (int)strict;
	t->peer_ext_info = (int)ext_info;
	if ((r = kssh_buf_get_name(b, kex, sizeof(kex))) != 0 || (r = kssh_buf_get_name(b, hostkey, sizeof(hostkey))) != 0)
		return r;
	if ((t->current.method = kex_method_by_name(kex)) == NULL ||
	    (t->current.hostkey = kssh_sig_alg_by_name(hostkey)) == NULL)
		return KSSH_ERR_INVALID_FORMAT;
	if ((r = get_host_key(b, t)) != 0 || (r = get_dir(b, t, KSSH_DIR_IN)) != 0 ||
	    (r = get_dir(b, t, KSSH_DIR_OUT)) != 0 || (r = kssh_buf_get_string_view(b, &p, &n)) != 0)
		return r;
	if (n > STATE_INPUT_MAX || kssh_buf_len(b) != 0)
		return KSSH_ERR_INVALID_FORMAT;
	t->choice = t->current;
	return kssh_buf_put(&t->pkt.input, p, n);
}

struct kssh_transport *kssh_transport_import(const struct kssh_transport_config *cfg, const uint8_t *state,
                                             size_t len, int *err)
{
	struct kssh_transport *t = kssh_transport_new(cfg);
	struct kssh_buf b;
	int r;

	if (t == NULL) {
		*err = KSSH_ERR_ALLOC;
		return NULL;
	}
	kssh_buf_reset(&t->pkt.output); /* the version line went out from the exporter */
	kssh_buf_view(&b, state, len);
	if ((r = import_state(t, &b)) != 0) {
		*err = r;
		kssh_transport_free(t);
		return NULL;
	}
	t->version_done = 1;
	t->initial_done = 1;
	t->volume_limit = transport_rekey_limit(t);
	return t;
}
