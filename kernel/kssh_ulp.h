/* SPDX-License-Identifier: GPL-2.0 */
/* The module's per-socket state, shared by kssh_ulp_main.c and the record path. */
#ifndef KSSH_ULP_INTERNAL_H
#define KSSH_ULP_INTERNAL_H

#include <crypto/aead.h>
#include <net/sock.h>

#include "../include/kssh/kssh_ulp.h"

#define KSSH_ULP_GCM_TAG_LEN 16
#define KSSH_ULP_MAX_TAG_LEN 64 /* hmac-sha2-512 */
#define KSSH_ULP_BLOCK 16
/*
 * RFC 4344 3.1 and 3.2: rekey before the sequence number wraps and before
 * 2^(L/4) blocks of a 128-bit cipher; the module refuses to go past either.
 */
#define KSSH_ULP_MAX_PACKETS_PER_KEY 0xffffffffULL
#define KSSH_ULP_MAX_BLOCKS_PER_KEY (1ULL << 32)
/* a packet's payload at most, so packet_length stays within OpenSSH's 256 KiB */
#define KSSH_ULP_MAX_PAYLOAD (256 * 1024 - 64)
/* one packet: length, padding length, payload, padding (at most two blocks), tag */
#define KSSH_ULP_RECORD_SIZE (5 + KSSH_ULP_MAX_PAYLOAD + 32 + KSSH_ULP_MAX_TAG_LEN)

struct kssh_ulp_dir {
	bool keyed;               /* keys in, not yet ended by a NEWKEYS */
	u16 cipher, mac;          /* enum kssh_ulp_cipher, enum kssh_ulp_mac; the cipher stays after NEWKEYS */
	u32 seqnr;
	u32 flags;
	u32 tag_len;              /* the GCM tag or the MAC after each packet */
	u8 iv[16];                /* GCM: fixed field and invocation counter; CTR: the counter block */
	struct crypto_aead *aead; /* AES-GCM */
	struct aead_request *req;
	struct crypto_skcipher *ctr; /* AES-CTR and its MAC */
	struct skcipher_request *sreq;
	struct crypto_shash *hmac;
	struct shash_desc *desc;
	u64 packets, bytes;
	u64 packets_since_keys, blocks_since_keys; /* the hard limits' counters, reset by an install */
};

/* The key's budget after one more packet of packet_len: false when it would go past the limits */
static inline bool kssh_ulp_dir_budget(struct kssh_ulp_dir *dir, u32 packet_len)
{
	return dir->packets_since_keys < KSSH_ULP_MAX_PACKETS_PER_KEY &&
	       dir->blocks_since_keys + DIV_ROUND_UP(4 + packet_len, KSSH_ULP_BLOCK) <= KSSH_ULP_MAX_BLOCKS_PER_KEY;
}

static inline void kssh_ulp_dir_spend(struct kssh_ulp_dir *dir, u32 packet_len)
{
	dir->packets_since_keys++;
	dir->blocks_since_keys += DIV_ROUND_UP(4 + packet_len, KSSH_ULP_BLOCK);
}

struct kssh_ulp_ctx {
	struct proto *sk_proto; /* the socket's own: tcp_prot or tcpv6_prot */
	struct kssh_ulp_dir tx, rx;
	u32 installs;
	bool bound;             /* a channel is bound: write() sends its data */
	struct kssh_ulp_channel chan;
	u8 *record;             /* TX: one packet, built and encrypted in place */
	size_t record_size;
	bool tx_kex;            /* our KEXINIT went out: channel data waits for the new keys */
	bool tx_rekey;          /* our NEWKEYS went out: nothing goes until the new TX keys */
	u8 tx_last_type;        /* the type of the message being sent */
	u8 pad_buf[2 * 16];     /* sendpage: the padding, apart from the page */

	struct mutex rx_lock;   /* one reader at a time: the base recvmsg takes the socket lock itself */
	u8 *rx_buf;             /* the packet being read, decrypted in place */
	size_t rx_have;         /* bytes in rx_buf */
	size_t rx_consumed;     /* of which the last packet's, gone once the next one starts */
	const u8 *rx_payload;   /* a message waiting for a reader with a control buffer */
	u32 rx_payload_len;
	const u8 *rx_data;      /* channel data not yet read */
	u32 rx_data_len;
	int rx_err;             /* sticky: a bad tag or malformed packet */
	bool rx_rekey;          /* the peer's NEWKEYS went up: waiting for new RX keys */
};

/* kssh_ulp_crypto.c */
int kssh_ulp_dir_install(struct kssh_ulp_dir *dir, const struct kssh_ulp_crypto_info *info);
void kssh_ulp_dir_end_keys(struct kssh_ulp_dir *dir);
void kssh_ulp_dir_clear(struct kssh_ulp_dir *dir);
int kssh_ulp_seal(struct kssh_ulp_dir *tx, struct scatterlist *src, u8 *record, u32 packet_len);
int kssh_ulp_open(struct kssh_ulp_dir *rx, u8 *buf, u32 packet_len);

/* kssh_ulp_tx.c */
int kssh_ulp_tx_sendmsg(struct sock *sk, struct kssh_ulp_ctx *ctx,
			struct msghdr *msg, size_t size);
void kssh_ulp_tx_wake(struct sock *sk);
bool kssh_ulp_tx_open(struct kssh_ulp_ctx *ctx);
int kssh_ulp_tx_sendpage(struct sock *sk, struct kssh_ulp_ctx *ctx,
			 struct page *page, int offset, size_t size, int flags);
int kssh_ulp_is_message(struct msghdr *msg);

/* kssh_ulp_rx.c */
int kssh_ulp_rx_recvmsg(struct sock *sk, struct kssh_ulp_ctx *ctx,
			struct msghdr *msg, size_t len, int flags);
int kssh_ulp_rx_push_pending(struct kssh_ulp_ctx *ctx, sockptr_t optval,
			     size_t offset, size_t len);

#endif
