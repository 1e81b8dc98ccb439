/* SPDX-License-Identifier: (GPL-2.0 OR MIT) */
/*
 * The kssh TCP ULP's user API: shared by kernel/ and userspace, fixed-width
 * types and explicit padding only.
 *
 *   setsockopt(fd, IPPROTO_TCP, TCP_ULP, "kssh", 4)   on an ESTABLISHED socket
 *   setsockopt(fd, SOL_KSSH, KSSH_ULP_TX, &info, sizeof(info))   TX record state
 *   getsockopt(fd, SOL_KSSH, KSSH_ULP_STATS, &stats, &len)       counters, never keys
 */
#ifndef KSSH_ULP_H
#define KSSH_ULP_H

#include <linux/types.h>

#define KSSH_ULP_NAME "kssh"
#define SOL_KSSH 0x6b7368 /* "ksh": the module's private socket level */

enum kssh_ulp_option {
	KSSH_ULP_TX = 1,    /* struct kssh_ulp_crypto_info: install TX keys */
	KSSH_ULP_RX = 2,    /* struct kssh_ulp_crypto_info, then the ciphertext already read past the last packet */
	KSSH_ULP_STATS = 3, /* struct kssh_ulp_stats: read only */
	KSSH_ULP_CHANNEL = 4, /* struct kssh_ulp_channel: the channel write() feeds */
	KSSH_ULP_WINDOW = 5,  /* __u32: the peer's WINDOW_ADJUST, added to its window */
};

#define KSSH_ULP_VERSION 1

enum kssh_ulp_cipher {
	KSSH_ULP_AES128_GCM = 1, /* aes128-gcm@openssh.com */
	KSSH_ULP_AES256_GCM = 2, /* aes256-gcm@openssh.com */
	KSSH_ULP_AES128_CTR = 3, /* aes128-ctr, with an encrypt-then-MAC HMAC */
	KSSH_ULP_AES192_CTR = 4,
	KSSH_ULP_AES256_CTR = 5,
};

/* The MAC of an AES-CTR direction: encrypt-then-MAC only (the length in clear, the MAC over the ciphertext) */
enum kssh_ulp_mac {
	KSSH_ULP_MAC_NONE = 0,                /* AES-GCM: its own tag */
	KSSH_ULP_HMAC_SHA2_256_ETM = 1,       /* hmac-sha2-256-etm@openssh.com */
	KSSH_ULP_HMAC_SHA2_512_ETM = 2,       /* hmac-sha2-512-etm@openssh.com */
};

#define KSSH_ULP_F_STRICT_KEX 0x1 /* sequence numbers reset at NEWKEYS */

struct kssh_ulp_crypto_info {
	__u16 version;     /* KSSH_ULP_VERSION */
	__u16 cipher;      /* enum kssh_ulp_cipher */
	__u32 flags;       /* KSSH_ULP_F_* */
	__u32 seqnr;       /* the next packet's sequence number */
	__u32 reserved;    /* must be 0 */
	__u8 key[32];      /* 16, 24 or 32 bytes used */
	__u8 iv[12];       /* AES-GCM: 4-byte fixed field, 8-byte invocation counter (RFC 5647) */
	__u8 pad[4];       /* must be 0 */
	__u16 mac;         /* enum kssh_ulp_mac: AES-CTR only */
	__u16 reserved2;   /* must be 0 */
	__u32 reserved3;   /* must be 0 */
	__u8 ctr[16];      /* AES-CTR: the next counter block */
	__u8 mac_key[64];  /* AES-CTR: 32 (SHA-256) or 64 (SHA-512) bytes used */
};

/*
 * Once TX keys are in and a channel is bound, bytes written to the socket go
 * out as SSH_MSG_CHANNEL_DATA for recipient, never more than the peer's
 * window (a blocking write waits, O_NONBLOCK gets EAGAIN) and never more than
 * max_packet bytes of data per packet.
 */
struct kssh_ulp_channel {
	__u32 recipient;  /* the peer's channel number */
	__u32 window;     /* the peer's remaining window, bytes */
	__u32 max_packet; /* the peer's maximum packet size, 1..262144 */
	__u32 local;      /* our channel number: CHANNEL_DATA to it comes out of read() */
};

/*
 * Receiving, once RX keys are in: CHANNEL_DATA for the bound channel comes
 * out of read() as plain bytes; every other message comes whole from
 * recvmsg with a control message (SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, __u8
 * type); a plain read() meeting one fails with EIO and keeps it. A bad tag or
 * malformed packet fails that call and every later one with EBADMSG (a
 * peer past its key's 2^32 packets or blocks: EKEYREJECTED). After
 * the peer's NEWKEYS is handed up, reads fail with EKEYEXPIRED until the new
 * RX keys are installed.
 */

/*
 * sendmsg with a control message (SOL_KSSH, KSSH_ULP_CMSG_MESSAGE, no data)
 * sends the written bytes as one whole SSH payload (type byte first) in one
 * packet, outside the channel window: userspace's own messages (window
 * adjusts, EOF, CLOSE, KEXINIT, ...) share the module's sequence numbers.
 */
#define KSSH_ULP_CMSG_MESSAGE 1

struct kssh_ulp_stats {
	__u64 tx_packets, tx_bytes;
	__u64 rx_packets, rx_bytes;
	__u32 tx_seqnr, rx_seqnr;
	__u16 tx_cipher, rx_cipher; /* 0: none installed */
	__u32 installs;             /* key installs so far, both directions */
	__u32 window;               /* the bound channel's remaining window */
	__u32 pad;
};

#endif
