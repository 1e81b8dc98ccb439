// SPDX-License-Identifier: MIT
/*
 * Kernel mode of the packet layer: once kernel/ holds a connection's keys,
 * packets are framed, encrypted and checked there, and the buffers carry
 * records (packet.h) that conn_io moves with sendmsg, write, sendfile and
 * recvmsg. Channel data for the bound channel becomes a data record whose
 * bytes the module frames itself; everything else is a whole payload.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "kssh/err.h"
#include "kssh/kssh_ulp.h"
#include "kssh/msg.h"
#include "kssh/packet.h"

/* length, padding length, at most two blocks of padding, a tag or MAC: for rekey volume */
#define WIRE_OVERHEAD (5 + 32 + 32)

static void kernel_account(struct kssh_packet_dir *d, size_t payload)
{
	d->seqnr++;
	d->packets++;
	d->bytes += payload + WIRE_OVERHEAD;
	d->total_packets++;
	d->total_bytes += payload + WIRE_OVERHEAD;
}

static const struct {
	const char *name;
	uint16_t id;
} kernel_ciphers[] = {
	{ "aes128-gcm@openssh.com", KSSH_ULP_AES128_GCM },
	{ "aes256-gcm@openssh.com", KSSH_ULP_AES256_GCM },
	{ "aes128-ctr", KSSH_ULP_AES128_CTR },
	{ "aes192-ctr", KSSH_ULP_AES192_CTR },
	{ "aes256-ctr", KSSH_ULP_AES256_CTR },
};

int kssh_packet_kernel_export(const struct kssh_packet *p, enum kssh_direction dir,
                              uint32_t seqnr, int strict, struct kssh_ulp_crypto_info *info)
{
	const struct kssh_packet_dir *d = &p->dir[dir];
	size_t i;

	if (d->cipher == NULL)
		return KSSH_ERR_UNAVAILABLE;
	memset(info, 0, sizeof(*info));
	for (i = 0; i < sizeof(kernel_ciphers) / sizeof(kernel_ciphers[0]); i++)
		if (strcmp(d->cipher->name, kernel_ciphers[i].name) == 0)
			info->cipher = kernel_ciphers[i].id;
	if (info->cipher == 0)
		return KSSH_ERR_UNAVAILABLE;
	info->version = KSSH_ULP_VERSION;
	info->flags = strict ? KSSH_ULP_F_STRICT_KEX : 0;
	info->seqnr = seqnr;
	memcpy(info->key, d->key, d->cipher->key_len);
	/*
	 * Where the cipher stands: RFC 5647's invocation counter has moved on
	 * once per packet, AES-CTR's counter once per block, under these keys
	 * in userspace; in kernel mode new keys go to the module before their
	 * first packet (records queued behind the install are the module's).
	 */
	if (d->cipher->flags & KSSH_CIPHER_AEAD) {
		memcpy(info->iv, d->iv, sizeof(info->iv));
		kssh_packet_counter_add(info->iv + 4, 8, p->kernel.on ? 0 : d->packets);
		return 0;
	}
	if (d->mac == NULL || !d->mac->etm)
		return KSSH_ERR_UNAVAILABLE;
	if (strcmp(d->mac->name, "hmac-sha2-256-etm@openssh.com") == 0)
		info->mac = KSSH_ULP_HMAC_SHA2_256_ETM;
	else if (strcmp(d->mac->name, "hmac-sha2-512-etm@openssh.com") == 0)
		info->mac = KSSH_ULP_HMAC_SHA2_512_ETM;
	else
		return KSSH_ERR_UNAVAILABLE;
	memcpy(info->ctr, d->iv, sizeof(info->ctr));
	kssh_packet_counter_add(info->ctr, sizeof(info->ctr), p->kernel.on ? 0 : d->ctr_blocks);
	memcpy(info->mac_key, d->mac_key, d->mac->key_len);
	return 0;
}

void kssh_packet_kernel_installed(struct kssh_packet *p, enum kssh_direction d)
{
	p->kernel.install[d] = 0;
	OPENSSL_cleanse(p->dir[d].key, sizeof(p->dir[d].key));
	OPENSSL_cleanse(p->dir[d].iv, sizeof(p->dir[d].iv));
	OPENSSL_cleanse(p->dir[d].mac_key, sizeof(p->dir[d].mac_key));
}

void kssh_packet_kernel_start(struct kssh_packet *p, uint32_t recipient, uint32_t local)
{
	for (int d = 0; d < 2; d++) {
		struct kssh_packet_dir *dir = &p->dir[d];

		/* the module has the keys: ours go, the algorithm stays for show and export */
		if (dir->cctx.backend != NULL)
			kssh_cipher_cleanup(&dir->cctx);
		if (dir->mctx.backend != NULL)
			kssh_mac_cleanup(&dir->mctx);
		kssh_packet_kernel_installed(p, (enum kssh_direction)d);
		dir->packets = dir->bytes = 0;
	}
	kssh_buf_reset(&p->input);
	p->kernel = (struct kssh_packet_kernel){ .on = 1, .recipient = recipient, .local = local };
}

static int put_record(struct kssh_packet *p, uint8_t kind, const uint8_t *body, size_t len)
{
	int r;

	if ((r = kssh_buf_put_u8(&p->output, kind)) != 0 ||
	    (r = kssh_buf_put_u32(&p->output, (uint32_t)len)) != 0 ||
	    (r = kssh_buf_put(&p->output, body, len)) != 0)
		return r;
	return 0;
}

int kssh_packet_kernel_finish(struct kssh_packet *p)
{
	const uint8_t *msg = kssh_buf_ptr(&p->outgoing) + KSSH_REC_HEADER;
	size_t len = kssh_buf_len(&p->outgoing) - KSSH_REC_HEADER;
	int r;

	/* the bound channel's data: the module frames it and counts the window */
	if (len >= 9 && msg[0] == SSH_MSG_CHANNEL_DATA && kssh_peek_u32(msg + 1) == p->kernel.recipient &&
	    kssh_peek_u32(msg + 5) == len - 9)
		r = put_record(p, KSSH_REC_DATA, msg + 9, len - 9);
	else
		r = put_record(p, KSSH_REC_MESSAGE, msg, len);
	if (r != 0)
		return r;
	kernel_account(&p->dir[KSSH_DIR_OUT], len);
	kssh_buf_reset(&p->outgoing);
	return 0;
}

int kssh_packet_kernel_file(struct kssh_packet *p, int fd, uint64_t offset, uint32_t len)
{
	uint8_t body[12];
	int own, r;

	if (len == 0)
		return 0;
	if ((own = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return KSSH_ERR_SYSTEM;
	kssh_poke_u32(body, (uint32_t)own);
	kssh_poke_u32(body + 4, (uint32_t)(offset >> 32));
	kssh_poke_u32(body + 8, (uint32_t)offset);
	if ((r = kssh_buf_put_u8(&p->output, KSSH_REC_FILE)) != 0 ||
	    (r = kssh_buf_put_u32(&p->output, len)) != 0 ||
	    (r = kssh_buf_put(&p->output, body, sizeof(body))) != 0) {
		close(own);
		return r;
	}
	kernel_account(&p->dir[KSSH_DIR_OUT], len);
	return 0;
}

void kssh_packet_kernel_drop_output(struct kssh_packet *p)
{
	struct kssh_buf out = p->output;
	uint8_t kind;
	uint32_t len;

	if (!p->kernel.on)
		return;
	while (kssh_buf_get_u8(&out, &kind) == 0 && kssh_buf_get_u32(&out, &len) == 0) {
		size_t body = kind == KSSH_REC_FILE ? 12 : len;

		if (kind == KSSH_REC_FILE && kssh_buf_len(&out) >= 4)
			close((int)kssh_peek_u32(kssh_buf_ptr(&out)));
		if (kssh_buf_consume(&out, body) != 0)
			break;
	}
	kssh_buf_reset(&p->output);
}

/*
 * A data record's next piece as the CHANNEL_DATA it came in (our channels
 * take 32 KiB packets), framed in place: the 9 bytes before the piece are the
 * record's header and room (first piece) or data already taken. The payload
 * is a view into the input, valid until the next read or the next append to
 * the input (consumed bytes stay where they are until then).
 */
static int take_data(struct kssh_packet *p, uint8_t *rec, struct kssh_buf *payload)
{
	uint32_t len = p->kernel.data_len;
	size_t n = len - p->kernel.taken;
	uint8_t *piece = rec + KSSH_REC_IN_HEADER + p->kernel.taken - 9;

	if (n > KSSH_REC_DATA_PIECE)
		n = KSSH_REC_DATA_PIECE;
	piece[0] = SSH_MSG_CHANNEL_DATA;
	kssh_poke_u32(piece + 1, p->kernel.local);
	kssh_poke_u32(piece + 5, (uint32_t)n);
	p->kernel.taken += n;
	if (p->kernel.taken == len) {
		kssh_buf_consume(&p->input, KSSH_REC_IN_HEADER + (size_t)len);
		p->kernel.taken = 0;
	}
	kernel_account(&p->dir[KSSH_DIR_IN], 9 + n);
	kssh_buf_view(payload, piece, 9 + n);
	return 0;
}

/* Input records (conn_io wrote them): messages whole, the bound channel's data in pieces; its WINDOW_ADJUST is noted for the module. */
int kssh_packet_kernel_read(struct kssh_packet *p, uint8_t *type, struct kssh_buf *payload)
{
	uint8_t *in = kssh_buf_mutable_ptr(&p->input);
	size_t have = kssh_buf_len(&p->input);
	uint32_t len;
	uint8_t *dst;
	int r;

	*type = SSH_MSG_CHANNEL_DATA;
	if (p->kernel.taken > 0)
		return take_data(p, in, payload);
	if (have < KSSH_REC_IN_HEADER)
		return KSSH_ERR_AGAIN;
	len = kssh_peek_u32(in + 1);
	if ((in[0] != KSSH_REC_MESSAGE && in[0] != KSSH_REC_DATA) || len == 0 || len > KSSH_PACKET_INPUT_MAX)
		return KSSH_ERR_PACKET_LENGTH;
	if (have < KSSH_REC_IN_HEADER + (size_t)len)
		return KSSH_ERR_AGAIN;
	if (in[0] == KSSH_REC_DATA) {
		p->kernel.data_len = len;
		return take_data(p, in, payload);
	}
	if (len > KSSH_PACKET_MAX_SIZE)
		return KSSH_ERR_PACKET_LENGTH;
	/* messages are copied: they are small, and the channel layer may keep one past the next append */
	kssh_buf_reset(&p->incoming);
	if ((r = kssh_buf_reserve(&p->incoming, len, &dst)) != 0)
		return r;
	memcpy(dst, in + KSSH_REC_IN_HEADER, len);
	kssh_buf_consume(&p->input, KSSH_REC_IN_HEADER + (size_t)len);
	kernel_account(&p->dir[KSSH_DIR_IN], len);
	if (dst[0] == SSH_MSG_CHANNEL_WINDOW_ADJUST && len >= 9 && kssh_peek_u32(dst + 1) == p->kernel.local) {
		uint32_t add = kssh_peek_u32(dst + 5);

		/* an overflow is the channel layer's to refuse; the module is not told */
		if (add <= UINT32_MAX - p->kernel.window_add)
			p->kernel.window_add += add;
	}
	kssh_buf_view(payload, dst, len);
	*type = dst[0];
	return 0;
}
