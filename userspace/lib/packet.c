// SPDX-License-Identifier: MIT
/* SSH binary packet protocol: RFC 4253 section 6, OpenSSH's ETM and AEAD modes. */
#include <pthread.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "kssh/err.h"
#include "kssh/packet.h"

#define HEADER_LEN 5 /* uint32 packet_length, byte padding_length */
#define MIN_PADDING 4

int kssh_packet_init(struct kssh_packet *p)
{
	memset(p, 0, sizeof(*p));
	kssh_buf_init(&p->input, KSSH_PACKET_INPUT_MAX);
	kssh_buf_init(&p->output, 64u * 1024 * 1024);
	kssh_buf_init(&p->incoming, KSSH_PACKET_MAX_SIZE + 64);
	kssh_buf_init(&p->outgoing, KSSH_PACKET_MAX_SIZE);
	for (int d = 0; d < 2; d++)
		p->dir[d].block_size = 8;
	return 0;
}

static void dir_clear_keys(struct kssh_packet_dir *d)
{
	if (d->cipher != NULL)
		kssh_cipher_cleanup(&d->cctx);
	if (d->mac != NULL)
		kssh_mac_cleanup(&d->mctx);
	d->cipher = NULL;
	d->mac = NULL;
	OPENSSL_cleanse(d->key, sizeof(d->key));
	OPENSSL_cleanse(d->iv, sizeof(d->iv));
	OPENSSL_cleanse(d->mac_key, sizeof(d->mac_key));
	d->ctr_blocks = 0;
}

void kssh_packet_counter_add(uint8_t *ctr, size_t len, uint64_t n)
{
	for (size_t i = len; i-- > 0 && n != 0;) {
		uint64_t sum = ctr[i] + (n & 0xff);

		ctr[i] = (uint8_t)sum;
		n = (n >> 8) + (sum >> 8);
	}
}

void kssh_packet_free(struct kssh_packet *p)
{
	kssh_packet_kernel_drop_output(p);
	for (int d = 0; d < 2; d++)
		dir_clear_keys(&p->dir[d]);
	kssh_buf_release(&p->input);
	kssh_buf_release(&p->output);
	kssh_buf_release(&p->incoming);
	kssh_buf_release(&p->outgoing);
}

int kssh_packet_set_keys(struct kssh_packet *p, enum kssh_direction dir,
                         const struct kssh_cipher_alg *cipher,
                         const struct kssh_mac_alg *mac,
                         const uint8_t *key, const uint8_t *iv,
                         const uint8_t *mac_key,
                         const struct kssh_cipher_backend *backend,
                         const struct kssh_mac_backend *mac_backend)
{
	struct kssh_packet_dir *d = &p->dir[dir];
	int r;

	dir_clear_keys(d);
	if (cipher->flags & KSSH_CIPHER_AEAD)
		mac = NULL;
	if (cipher->key_len > sizeof(d->key) || cipher->iv_len > sizeof(d->iv) ||
	    (mac != NULL && mac->key_len > sizeof(d->mac_key)))
		return KSSH_ERR_INVALID_ARGUMENT;
	memcpy(d->key, key, cipher->key_len);
	memcpy(d->iv, iv, cipher->iv_len);
	if (mac != NULL)
		memcpy(d->mac_key, mac_key, mac->key_len);
	if (p->kernel.on) {
		/* the module takes them (conn_io), at the record boundary this marks */
		d->cipher = cipher;
		d->mac = mac;
		d->packets = d->bytes = 0;
		p->kernel.install[dir] = 1;
		if (dir == KSSH_DIR_OUT &&
		    ((r = kssh_buf_put_u8(&p->output, KSSH_REC_KEYS)) != 0 ||
		     (r = kssh_buf_put_u32(&p->output, 0)) != 0))
			return r;
		return 0;
	}
	if ((r = kssh_cipher_init(&d->cctx, cipher, backend, key, iv, dir == KSSH_DIR_OUT)) != 0)
		return r;
	d->cipher = cipher;
	if (mac != NULL) {
		if ((r = kssh_mac_init_backend(&d->mctx, mac, mac_backend, mac_key)) != 0) {
			dir_clear_keys(d);
			return r;
		}
		d->mac = mac;
	}
	d->block_size = cipher->block_size < 8 ? 8 : cipher->block_size;
	d->mac_len = mac ? mac->mac_len : cipher->tag_len;
	d->packets = d->bytes = 0;
	return 0;
}

const char *kssh_packet_backend(const struct kssh_packet *p, enum kssh_direction d)
{
	if (p->dir[d].cipher == NULL)
		return "none";
	return p->kernel.on ? "kernel" : p->dir[d].cctx.backend->name;
}

void kssh_packet_reset_seqnr(struct kssh_packet *p, enum kssh_direction d)
{
	p->dir[d].seqnr = 0;
}

/* Length, AEAD or ETM: the packet length travels unencrypted (or, chacha, separately). */
static int length_is_clear(const struct kssh_packet_dir *d)
{
	return d->cipher != NULL &&
	       ((d->cipher->flags & KSSH_CIPHER_AEAD) || (d->mac && d->mac->etm));
}

static void account(struct kssh_packet_dir *d, size_t wire_len)
{
	d->seqnr++;
	d->packets++;
	d->bytes += wire_len;
	d->total_packets++;
	d->total_bytes += wire_len;
}

struct kssh_buf *kssh_packet_begin(struct kssh_packet *p, uint8_t type)
{
	uint8_t *hdr;

	kssh_buf_reset(&p->outgoing);
	if (kssh_buf_reserve(&p->outgoing, HEADER_LEN, &hdr) != 0 ||
	    kssh_buf_put_u8(&p->outgoing, type) != 0)
		return NULL;
	return &p->outgoing;
}

/*
 * Random padding from a per-thread pool filled 4 KiB at a time: a DRBG call
 * (and OpenSSL's fork check, a getpid) for every packet was a visible part
 * of small requests' cost. A forked child forgets what it inherited, so
 * parent and child never send the same bytes.
 */
static __thread struct {
	uint8_t bytes[4096];
	size_t left;
} pad_pool;

static void pad_pool_forget(void)
{
	pad_pool.left = 0;
}

static void pad_pool_setup(void)
{
	pthread_atfork(NULL, NULL, pad_pool_forget);
}

int kssh_packet_random_padding(uint8_t *dst, size_t n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, pad_pool_setup);
	if (n > sizeof(pad_pool.bytes))
		return KSSH_ERR_INVALID_ARGUMENT;
	if (pad_pool.left < n) {
		if (RAND_bytes(pad_pool.bytes, sizeof(pad_pool.bytes)) != 1)
			return KSSH_ERR_LIBCRYPTO;
		pad_pool.left = sizeof(pad_pool.bytes);
	}
	memcpy(dst, pad_pool.bytes + sizeof(pad_pool.bytes) - pad_pool.left, n);
	pad_pool.left -= n;
	return 0;
}

/* Pads so that the encrypted part is a whole number of blocks (RFC 4253 6). */
static int add_padding(struct kssh_packet *p, struct kssh_packet_dir *d, size_t tail,
                       uint32_t *packet_length)
{
	size_t payload = kssh_buf_len(&p->outgoing) - HEADER_LEN + tail;
	size_t aligned = 1 + payload + (length_is_clear(d) ? 0 : 4);
	uint32_t pad = d->block_size - (uint32_t)(aligned % d->block_size);
	uint8_t *hdr, *padding;
	int r;

	if (pad < MIN_PADDING)
		pad += d->block_size;
	if ((r = kssh_buf_reserve(&p->outgoing, pad, &padding)) != 0)
		return r;
	if (d->cipher == NULL)
		memset(padding, 0, pad);
	else if ((r = kssh_packet_random_padding(padding, pad)) != 0)
		return r;
	*packet_length = (uint32_t)(1 + payload + pad);
	hdr = kssh_buf_mutable_ptr(&p->outgoing);
	kssh_poke_u32(hdr, *packet_length);
	hdr[4] = (uint8_t)pad;
	return 0;
}

int kssh_packet_finish(struct kssh_packet *p)
{
	struct kssh_packet_dir *d = &p->dir[KSSH_DIR_OUT];
	uint32_t packet_length, total;
	const uint8_t *src;
	uint8_t *dst;
	int r;

	if (p->kernel.on)
		return kssh_packet_kernel_finish(p);
	if ((r = add_padding(p, d, 0, &packet_length)) != 0)
		return r;
	total = 4 + packet_length;
	src = kssh_buf_ptr(&p->outgoing);
	if ((r = kssh_buf_reserve(&p->output, total + d->mac_len, &dst)) != 0)
		return r;
	if (d->cipher == NULL) {
		memcpy(dst, src, total);
	} else if (d->cipher->flags & KSSH_CIPHER_AEAD) {
		r = d->cctx.backend->crypt(&d->cctx, d->seqnr, dst, src,
		                           packet_length, 4, d->mac_len);
	} else if (d->mac->etm) {
		if ((r = d->cctx.backend->crypt(&d->cctx, d->seqnr, dst, src,
		                                packet_length, 4, 0)) == 0)
			r = kssh_mac_compute(&d->mctx, d->seqnr, dst, total, dst + total);
		d->ctr_blocks += packet_length / d->block_size;
	} else {
		if ((r = kssh_mac_compute(&d->mctx, d->seqnr, src, total, dst + total)) == 0)
			r = d->cctx.backend->crypt(&d->cctx, d->seqnr, dst, src, total, 0, 0);
		d->ctr_blocks += total / d->block_size;
	}
	if (r != 0) {
		kssh_buf_consume_end(&p->output, total + d->mac_len);
		return r;
	}
	account(d, total + d->mac_len);
	kssh_buf_reset(&p->outgoing);
	return 0;
}

/*
 * As kssh_packet_finish, for a payload whose last tail_len bytes are not in
 * the outgoing buffer but at tail (a channel's data where it lies): an AEAD
 * cipher encrypts them from there; otherwise they are appended and the
 * packet finished as usual.
 */
int kssh_packet_finish_tail(struct kssh_packet *p, const uint8_t *tail, size_t tail_len)
{
	struct kssh_packet_dir *d = &p->dir[KSSH_DIR_OUT];
	const struct kssh_cipher_backend *be = d->cipher != NULL ? d->cctx.backend : NULL;
	struct kssh_piece piece[3];
	size_t head = kssh_buf_len(&p->outgoing);
	uint32_t packet_length, total;
	uint8_t *dst;
	int r;

	if (p->kernel.on || be == NULL || be->encrypt_pieces == NULL ||
	    !(d->cipher->flags & KSSH_CIPHER_AEAD) || head + tail_len + 256 > KSSH_PACKET_MAX_SIZE) {
		if ((r = kssh_buf_put(&p->outgoing, tail, tail_len)) != 0)
			return r;
		return kssh_packet_finish(p);
	}
	if ((r = add_padding(p, d, tail_len, &packet_length)) != 0)
		return r;
	total = 4 + packet_length;
	if ((r = kssh_buf_reserve(&p->output, total + d->mac_len, &dst)) != 0)
		return r;
	piece[0] = (struct kssh_piece){ kssh_buf_ptr(&p->outgoing), head };
	piece[1] = (struct kssh_piece){ tail, tail_len };
	piece[2] = (struct kssh_piece){ kssh_buf_ptr(&p->outgoing) + head, kssh_buf_len(&p->outgoing) - head };
	if ((r = be->encrypt_pieces(&d->cctx, d->seqnr, dst, piece, 3, packet_length, 4)) != 0) {
		kssh_buf_consume_end(&p->output, total + d->mac_len);
		return r;
	}
	account(d, total + d->mac_len);
	kssh_buf_reset(&p->outgoing);
	return 0;
}

static int check_length(const struct kssh_packet_dir *d, uint32_t len)
{
	uint32_t aligned = length_is_clear(d) ? len : len + 4;

	if (len < 1 + MIN_PADDING || len > KSSH_PACKET_MAX_SIZE)
		return KSSH_ERR_PACKET_LENGTH;
	if (aligned % d->block_size != 0)
		return KSSH_ERR_PACKET_LENGTH;
	return 0;
}

/* Plain and non-ETM block modes: the length is inside the first block. */
static int read_block_mode(struct kssh_packet *p, struct kssh_packet_dir *d)
{
	const uint8_t *in = kssh_buf_ptr(&p->input);
	size_t have = kssh_buf_len(&p->input), total;
	uint32_t bs = d->block_size;
	uint8_t *dst;
	int r;

	if (!p->recv_first_block_done) {
		if (have < bs)
			return KSSH_ERR_AGAIN;
		kssh_buf_reset(&p->incoming);
		if ((r = kssh_buf_reserve(&p->incoming, bs, &dst)) != 0)
			return r;
		if (d->cipher == NULL)
			memcpy(dst, in, bs);
		else if ((r = d->cctx.backend->crypt(&d->cctx, d->seqnr, dst, in, bs, 0, 0)) != 0)
			return r;
		else
			d->ctr_blocks++;
		p->recv_packet_length = kssh_peek_u32(dst);
		if ((r = check_length(d, p->recv_packet_length)) != 0)
			return r;
		p->recv_first_block_done = 1;
	}
	total = 4 + (size_t)p->recv_packet_length;
	if (have < total + d->mac_len)
		return KSSH_ERR_AGAIN;
	if ((r = kssh_buf_reserve(&p->incoming, total - bs, &dst)) != 0)
		return r;
	if (d->cipher == NULL)
		memcpy(dst, in + bs, total - bs);
	else if ((r = d->cctx.backend->crypt(&d->cctx, d->seqnr, dst, in + bs,
	                                     (uint32_t)(total - bs), 0, 0)) != 0)
		return r;
	else
		d->ctr_blocks += (total - bs) / bs;
	if (d->mac != NULL &&
	    (r = kssh_mac_verify(&d->mctx, d->seqnr, kssh_buf_ptr(&p->incoming),
	                         total, in + total)) != 0)
		return r;
	p->recv_first_block_done = 0;
	return kssh_buf_consume(&p->input, total + d->mac_len);
}

/* AEAD and ETM: authenticate everything before decrypting anything. */
static int read_clear_length(struct kssh_packet *p, struct kssh_packet_dir *d)
{
	const uint8_t *in = kssh_buf_ptr(&p->input);
	size_t have = kssh_buf_len(&p->input), total;
	uint32_t len;
	uint8_t *dst;
	int r;

	if (have < 4)
		return KSSH_ERR_AGAIN;
	if (d->cipher->flags & KSSH_CIPHER_CHACHAPOLY) {
		if ((r = d->cctx.backend->get_length(&d->cctx, d->seqnr, in, &len)) != 0)
			return r;
	} else {
		len = kssh_peek_u32(in);
	}
	if ((r = check_length(d, len)) != 0)
		return r;
	total = 4 + (size_t)len;
	if (have < total + d->mac_len)
		return KSSH_ERR_AGAIN;
	if (d->mac != NULL && (r = kssh_mac_verify(&d->mctx, d->seqnr, in, total, in + total)) != 0)
		return r;
	kssh_buf_reset(&p->incoming);
	if ((r = kssh_buf_reserve(&p->incoming, total, &dst)) != 0)
		return r;
	if ((r = d->cctx.backend->crypt(&d->cctx, d->seqnr, dst, in, len, 4,
	                                d->mac ? 0 : d->mac_len)) != 0)
		return r;
	kssh_poke_u32(dst, len); /* chacha: store the decrypted length */
	if (d->mac != NULL)
		d->ctr_blocks += len / d->block_size;
	return kssh_buf_consume(&p->input, total + d->mac_len);
}

int kssh_packet_read(struct kssh_packet *p, uint8_t *type, struct kssh_buf *payload)
{
	struct kssh_packet_dir *d = &p->dir[KSSH_DIR_IN];
	const uint8_t *pkt;
	uint32_t len;
	uint8_t pad;
	int r;

	if (p->kernel.on)
		return kssh_packet_kernel_read(p, type, payload);
	r = length_is_clear(d) ? read_clear_length(p, d) : read_block_mode(p, d);
	if (r != 0)
		return r;
	pkt = kssh_buf_ptr(&p->incoming);
	len = kssh_peek_u32(pkt);
	pad = pkt[4];
	/* RFC 4253 6: at least 4 bytes of padding, and a payload of at least a type byte */
	if (pad < MIN_PADDING || (uint32_t)pad + 2 > len)
		return KSSH_ERR_PADDING;
	account(d, 4 + (size_t)len + d->mac_len);
	kssh_buf_view(payload, pkt + HEADER_LEN, len - pad - 1);
	*type = pkt[HEADER_LEN];
	return 0;
}
