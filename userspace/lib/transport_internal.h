/* SPDX-License-Identifier: MIT */
/* State of one transport-layer connection, shared by transport*.c. */
#ifndef KSSH_TRANSPORT_INTERNAL_H
#define KSSH_TRANSPORT_INTERNAL_H

#include "kssh/packet.h"
#include "kssh/transport.h"
#include "kex/kex_internal.h"

#define VERSION_LINE_MAX 255   /* RFC 4253 4.2, CR LF included */
#define BANNER_LINE_MAX 8192
#define BANNER_LINES_MAX 1024
#define LIST_MAX 2048

struct kssh_transport {
	struct kssh_transport_config cfg;
	struct kssh_packet pkt;
	char kex_list[LIST_MAX], hostkey_list[LIST_MAX], cipher_list[LIST_MAX], mac_list[LIST_MAX];
	char my_version[128];
	char *peer_version;
	unsigned banner_lines;
	int version_done;
	enum kssh_phase phase;

	/* key exchange */
	int kexinit_sent, kexinit_received, newkeys_sent;
	int initial_done, strict, peer_ext_info;
	int skip_guessed;
	uint8_t expected;          /* kex message expected next from the peer; 0: none */
	uint32_t peer_kexinit_seqnr;
	struct kssh_buf my_kexinit, peer_kexinit; /* payloads, for the exchange hash */
	struct kex_proposal my_prop, peer_prop;
	struct kex_choice choice, current;       /* being negotiated; in force */
	struct kex_state kex;
	uint8_t hash[EVP_MAX_MD_SIZE];
	uint32_t hash_len;
	uint8_t session_id[EVP_MAX_MD_SIZE];
	uint32_t session_id_len;
	struct kssh_key *server_key;             /* client: verified at the first exchange */
	const struct kssh_key *initial_host_key; /* server: the key that signed the first exchange */
	uint32_t kex_count;
	uint64_t kex_done_at;                    /* monotonic seconds */
	uint64_t volume_limit;                   /* bytes each way before a rekey, for these keys */
	struct kssh_buf held;                    /* upper-layer messages held during kex */
	int afalg[2];                            /* per kssh_direction: AF_ALG takes the next keys */
	int offload_logged;                      /* the fallback to OpenSSL is logged once */

	char *server_sig_algs;
	uint32_t peer_disconnect_reason;
	char error[512];
};

int transport_fail(struct kssh_transport *t, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void transport_log(struct kssh_transport *t, int priority, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint64_t transport_now(void);
/* transport_offload.c: the backend of each direction, decided when the algorithms are */
int transport_offload_choose(struct kssh_transport *t);
int transport_offload_set_keys(struct kssh_transport *t, enum kssh_direction d,
                               const struct kssh_cipher_alg *cipher, const struct kssh_mac_alg *mac,
                               const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key);
/* Bytes each way before a rekey with the ciphers in force (RFC 4344 caps 64-bit blocks) */
uint64_t transport_rekey_limit(const struct kssh_transport *t);
/* New keys are in force both ways: restart the rekey clock and volume limit. */
void transport_keys_changed(struct kssh_transport *t);

/* transport_kex.c */
int transport_kex_start(struct kssh_transport *t);
int transport_kex_on_kexinit(struct kssh_transport *t, struct kssh_buf *payload);
int transport_kex_on_message(struct kssh_transport *t, uint8_t type, struct kssh_buf *payload);
int transport_kex_on_newkeys(struct kssh_transport *t);
int transport_kex_in_progress(const struct kssh_transport *t);

/* transport_dispatch.c */
int transport_dispatch(struct kssh_transport *t, uint8_t type, struct kssh_buf *payload,
                       uint32_t seqnr);
int transport_send_raw(struct kssh_transport *t, uint8_t type, const uint8_t *body, size_t len);

#endif
