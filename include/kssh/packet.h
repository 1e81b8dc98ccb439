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
	/* the keys and first IV or counter block, for kernel/ and for moving the connection to another process */
	uint8_t key[64];
	uint8_t iv[16];
	uint8_t mac_key[64];
	uint64_t ctr_blocks;   /* block modes: blocks through the cipher under these keys */
};

/*
 * Kernel mode: the kernel record layer (kernel/, include/kssh/kssh_ulp.h)
 * holds the keys and the sequence numbers; the buffers hold records instead
 * of ciphertext, for conn_io to move with sendmsg/write/sendfile/recvmsg:
 * a kind byte, a uint32 length and the body.
 */
enum kssh_record_kind {
	KSSH_REC_MESSAGE = 'M', /* a whole payload, type byte first: sendmsg with the message cmsg */
	KSSH_REC_DATA = 'D',    /* the bound channel's data: write() out; read() in, taken as CHANNEL_DATA of 32 KiB at most */
	KSSH_REC_FILE = 'F',    /* the bound channel's data from a file: int32 fd (ours), uint64 offset */
	KSSH_REC_KEYS = 'K',    /* the new TX keys are to be installed here */
};
#define KSSH_REC_HEADER 5
/* Input records have 4 bytes of room after the header, so that a data
 * record's first piece can be framed in place as CHANNEL_DATA (9 bytes). */
#define KSSH_REC_IN_HEADER 9
#define KSSH_REC_DATA_PIECE (32u * 1024) /* KSSH_CHAN_PACKET: the largest data packet our channels take */

struct kssh_packet_kernel {
	int on;
	uint32_t recipient, local;  /* the bound channel: the peer's number and ours */
	uint32_t window_add;        /* the peer's WINDOW_ADJUSTs for it, not yet given to the module */
	int install[2];             /* per direction: keys waiting for the module */
	size_t sent;                /* bytes of the first output record's body already out */
	size_t taken;               /* bytes of the first input data record already taken */
	uint32_t data_len;          /* that record's length (its header is overwritten by the first piece) */
};

struct kssh_packet {
	struct kssh_buf input;    /* raw bytes received, not yet framed */
	struct kssh_buf output;   /* raw bytes ready to send */
	struct kssh_buf incoming; /* the current decrypted packet */
	struct kssh_buf outgoing; /* the packet being composed */
	struct kssh_packet_dir dir[2];
	uint32_t recv_packet_length; /* non-etm block ciphers: first block read */
	int recv_first_block_done;
	struct kssh_packet_kernel kernel;
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
/* A big-endian counter of len bytes plus n (GCM's invocation counter, CTR's counter block) */
void kssh_packet_counter_add(uint8_t *ctr, size_t len, uint64_t n);

/* Compose: begin returns the payload buffer with the type byte written. */
struct kssh_buf *kssh_packet_begin(struct kssh_packet *p, uint8_t type);
int kssh_packet_finish(struct kssh_packet *p);
int kssh_packet_finish_tail(struct kssh_packet *p, const uint8_t *tail, size_t tail_len);
/* n (at most 4096) random bytes for padding, from a per-thread pool that a forked child does not share */
int kssh_packet_random_padding(uint8_t *dst, size_t n);

/*
 * Frame the next packet from the input buffer. Returns 0 with the message
 * type and a view of the payload (type byte included, valid until the next
 * call), KSSH_ERR_AGAIN when more input is needed, or an error.
 */
int kssh_packet_read(struct kssh_packet *p, uint8_t *type, struct kssh_buf *payload);

/* packet_kernel.c: kernel mode */
struct kssh_ulp_crypto_info;
/* A direction's record state for the module: AES-GCM only, else KSSH_ERR_UNAVAILABLE */
int kssh_packet_kernel_export(const struct kssh_packet *p, enum kssh_direction d,
                              uint32_t seqnr, int strict, struct kssh_ulp_crypto_info *info);
/* From now on the module holds the keys: userspace's copies are wiped, the input is the module's */
void kssh_packet_kernel_start(struct kssh_packet *p, uint32_t recipient, uint32_t local);
int kssh_packet_kernel_finish(struct kssh_packet *p);
int kssh_packet_kernel_read(struct kssh_packet *p, uint8_t *type, struct kssh_buf *payload);
/* A record for len bytes of fd from offset (fd is dup'ed): the bound channel's data */
int kssh_packet_kernel_file(struct kssh_packet *p, int fd, uint64_t offset, uint32_t len);
/* The keys of d went to the module: wipe userspace's copy */
void kssh_packet_kernel_installed(struct kssh_packet *p, enum kssh_direction d);
/* Closes the fds of unsent file records */
void kssh_packet_kernel_drop_output(struct kssh_packet *p);

#endif
