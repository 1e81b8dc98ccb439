/* SPDX-License-Identifier: MIT */
/*
 * SSH binary packet protocol (RFC 4253 section 6): framing, padding, sequence
 * numbers, encryption and MACs. Bytes in, bytes out: the caller moves the
 * input and output buffers to and from its socket.
 */
#ifndef KSSH_PACKET_H
#define KSSH_PACKET_H

#include <stdint.h>

#include "kssh/buf.h"
#include "kssh/cipher.h"

/* RFC 4253 6.1 asks for 35000; OpenSSH accepts 256 KiB, and so do we. */
#define KSSH_PACKET_MAX_SIZE (256u * 1024)
#define KSSH_PACKET_INPUT_MAX (4u * 1024 * 1024)

enum kssh_direction { KSSH_DIR_IN = 0, KSSH_DIR_OUT = 1 };

struct kssh_packet_dir {
	const struct kssh_cipher_alg *cipher; /* NULL before the first NEWKEYS */
	const struct kssh_mac_alg *mac;       /* NULL for AEAD ciphers */
	struct kssh_cipher cctx;
	struct kssh_mac mctx;
	uint32_t block_size;
	uint32_t mac_len;      /* MAC or AEAD tag bytes after each packet */
	uint32_t seqnr;
	uint64_t packets;      /* since the last key change: rekey accounting */
	uint64_t bytes;
	uint64_t total_packets; /* for the life of the connection */
	uint64_t total_bytes;
};

struct kssh_packet {
	struct kssh_buf input;    /* raw bytes received, not yet framed */
	struct kssh_buf output;   /* raw bytes ready to send */
	struct kssh_buf incoming; /* the current decrypted packet */
	struct kssh_buf outgoing; /* the packet being composed */
	struct kssh_packet_dir dir[2];
	uint32_t recv_packet_length; /* non-etm block ciphers: first block read */
	int recv_first_block_done;
};

int kssh_packet_init(struct kssh_packet *p);
void kssh_packet_free(struct kssh_packet *p);

/*
 * Switch one direction to new keys (at NEWKEYS). Backends NULL = OpenSSL; on
 * an error the direction has no keys (the old ones are gone either way).
 */
int kssh_packet_set_keys(struct kssh_packet *p, enum kssh_direction d,
                         const struct kssh_cipher_alg *cipher,
                         const struct kssh_mac_alg *mac,
                         const uint8_t *key, const uint8_t *iv,
                         const uint8_t *mac_key,
                         const struct kssh_cipher_backend *backend,
                         const struct kssh_mac_backend *mac_backend);
/* "openssl", "af-alg", or "none" before the first NEWKEYS */
const char *kssh_packet_backend(const struct kssh_packet *p, enum kssh_direction d);
void kssh_packet_reset_seqnr(struct kssh_packet *p, enum kssh_direction d);

/* Compose: begin returns the payload buffer with the type byte written. */
struct kssh_buf *kssh_packet_begin(struct kssh_packet *p, uint8_t type);
int kssh_packet_finish(struct kssh_packet *p);

/*
 * Frame the next packet from the input buffer. Returns 0 with the message
 * type and a view of the payload (type byte included, valid until the next
 * call), KSSH_ERR_AGAIN when more input is needed, or an error.
 */
int kssh_packet_read(struct kssh_packet *p, uint8_t *type, struct kssh_buf *payload);

#endif
