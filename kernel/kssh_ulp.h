/* SPDX-License-Identifier: GPL-2.0 */
/* The module's per-socket state, shared by kssh_ulp_main.c and the record path. */
#ifndef KSSH_ULP_INTERNAL_H
#define KSSH_ULP_INTERNAL_H

#include <crypto/aead.h>
#include <net/sock.h>

#include "../include/kssh/kssh_ulp.h"

#define KSSH_ULP_TAG_LEN 16
/* a packet's payload at most, so packet_length stays within OpenSSH's 256 KiB */
#define KSSH_ULP_MAX_PAYLOAD (256 * 1024 - 64)
/* one packet: length, padding length, payload, padding (at most two blocks), tag */
#define KSSH_ULP_RECORD_SIZE (5 + KSSH_ULP_MAX_PAYLOAD + 32 + KSSH_ULP_TAG_LEN)

struct kssh_ulp_dir {
	struct crypto_aead *aead; /* NULL until keys are installed */
	struct aead_request *req;
	u16 cipher;
	u32 seqnr;
	u32 flags;
	u8 iv[12];
	u64 packets, bytes;
};

struct kssh_ulp_ctx {
	struct proto *sk_proto; /* the socket's own: tcp_prot or tcpv6_prot */
	struct kssh_ulp_dir tx, rx;
	u32 installs;
	bool bound;             /* a channel is bound: write() sends its data */
	struct kssh_ulp_channel chan;
	u8 *record;             /* TX: one packet, built and encrypted in place */
	size_t record_size;
};

/* kssh_ulp_tx.c */
int kssh_ulp_tx_sendmsg(struct sock *sk, struct kssh_ulp_ctx *ctx,
			struct msghdr *msg, size_t size);
void kssh_ulp_tx_wake(struct sock *sk);
int kssh_ulp_is_message(struct msghdr *msg);

#endif
