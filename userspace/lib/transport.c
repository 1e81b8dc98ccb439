// SPDX-License-Identifier: MIT
/* Transport layer: version exchange, the receive loop, sending, rekey triggers. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/x509.h"
#include "transport_internal.h"

#define DEFAULT_REKEY_BYTES (1024ull * 1024 * 1024) /* the spec's rekey-volume 1024 MB */
#define DEFAULT_REKEY_SECONDS (60u * 60)             /* the spec's rekey-time 60 minutes */
#define HELD_MAX (64u * 1024 * 1024)
#define REKEY_PACKETS (1ull << 31)                   /* long before the 2^32 seqnr wrap */

uint64_t transport_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

void transport_log(struct kssh_transport *t, int priority, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (t->cfg.log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->cfg.log(t->cfg.log_arg, priority, msg);
}

uint32_t kssh_disconnect_reason_for(int err)
{
	switch (err) {
	case KSSH_ERR_MAC_INVALID:
		return KSSH_DISCONNECT_MAC_ERROR;
	case KSSH_ERR_NO_COMMON_KEX:
	case KSSH_ERR_NO_COMMON_HOSTKEY:
	case KSSH_ERR_NO_COMMON_CIPHER:
	case KSSH_ERR_NO_COMMON_MAC:
	case KSSH_ERR_SIGNATURE_INVALID:
	case KSSH_ERR_DH_INVALID:
	case KSSH_ERR_UNAVAILABLE:
		return KSSH_DISCONNECT_KEY_EXCHANGE_FAILED;
	case KSSH_ERR_NO_COMMON_COMPRESSION:
		return KSSH_DISCONNECT_COMPRESSION_ERROR;
	case KSSH_ERR_HOST_KEY_UNKNOWN:
	case KSSH_ERR_HOST_KEY_CHANGED:
	case KSSH_ERR_HOST_KEY_REVOKED:
		return KSSH_DISCONNECT_HOST_KEY_NOT_VERIFIABLE;
	case KSSH_ERR_VERSION_SSH1:
	case KSSH_ERR_VERSION_INVALID:
		return KSSH_DISCONNECT_PROTOCOL_VERSION_NOT_SUPPORTED;
	default:
		return KSSH_DISCONNECT_PROTOCOL_ERROR;
	}
}

void kssh_transport_disconnect(struct kssh_transport *t, uint32_t reason, const char *msg)
{
	struct kssh_buf *b;

	if (!t->version_done)
		return;
	/* a DISCONNECT may be sent at any time, even mid-exchange: bypass the hold queue */
	if ((b = kssh_packet_begin(&t->pkt, SSH_MSG_DISCONNECT)) == NULL ||
	    kssh_buf_put_u32(b, reason) != 0 || kssh_buf_put_cstring(b, msg) != 0 ||
	    kssh_buf_put_cstring(b, "") != 0)
		return;
	kssh_packet_finish(&t->pkt);
}

int transport_fail(struct kssh_transport *t, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->error, sizeof(t->error), fmt, ap);
	va_end(ap);
	if (err != KSSH_ERR_PEER_DISCONNECTED && err != KSSH_ERR_CONN_CLOSED)
		kssh_transport_disconnect(t, kssh_disconnect_reason_for(err), t->error);
	return err;
}

int kssh_transport_fail(struct kssh_transport *t, int err, const char *fmt, ...)
{
	char msg[sizeof(t->error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return transport_fail(t, err, "%s", msg);
}

static int copy_list(char *dst, const char *src, const char *fallback)
{
	const char *s = src ? src : fallback;

	if (strlen(s) >= LIST_MAX)
		return KSSH_ERR_INVALID_ARGUMENT;
	strcpy(dst, s);
	return 0;
}

/* Server: offer only the host key algorithms it holds keys for. */
static int filter_hostkey_algs(struct kssh_transport *t)
{
	char wanted[LIST_MAX], name[KSSH_NAME_MAX];
	const char *p = wanted;

	strcpy(wanted, t->hostkey_list);
	t->hostkey_list[0] = 0;
	while (kssh_list_next(&p, name, sizeof(name))) {
		const struct kssh_sig_alg *alg = kssh_sig_alg_by_name(name);
		enum kssh_key_type cert_type;
		int have = 0, cert = kssh_cert_alg(name, &cert_type, NULL, NULL) == 0;

		for (size_t i = 0; alg && i < t->cfg.n_host_keys; i++)
			have |= t->cfg.host_keys[i]->type == alg->key_type;
		enum kssh_key_type x509_type;
		int x509 = kssh_x509_alg(name, &x509_type, NULL) == 0;

		/* a certificate algorithm: a key of its type holds a certificate (OpenSSH's or an X.509 chain) */
		for (size_t i = 0; cert && t->cfg.host_certs && i < t->cfg.n_host_keys; i++)
			have |= t->cfg.host_keys[i]->type == cert_type && kssh_buf_len(&t->cfg.host_certs[i]) > 0;
		for (size_t i = 0; x509 && t->cfg.host_x509 && i < t->cfg.n_host_keys; i++)
			have |= t->cfg.host_keys[i]->type == x509_type && kssh_buf_len(&t->cfg.host_x509[i]) > 0;
		if (have && kssh_list_append(t->hostkey_list, LIST_MAX, name) != 0)
			return KSSH_ERR_NO_BUFFER_SPACE;
	}
	return t->hostkey_list[0] ? 0 : KSSH_ERR_NO_COMMON_HOSTKEY;
}

struct kssh_transport *kssh_transport_new(const struct kssh_transport_config *cfg)
{
	struct kssh_transport *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cfg = *cfg;
	kssh_packet_init(&t->pkt);
	kssh_buf_init(&t->my_kexinit, 64 * 1024);
	kssh_buf_init(&t->peer_kexinit, 256 * 1024);
	kssh_buf_init(&t->held, HELD_MAX);
	if (copy_list(t->kex_list, cfg->kex_algs, KSSH_DEFAULT_KEX) != 0 ||
	    copy_list(t->hostkey_list, cfg->hostkey_algs, KSSH_DEFAULT_HOSTKEY) != 0 ||
	    copy_list(t->cipher_list, cfg->ciphers, KSSH_DEFAULT_CIPHER) != 0 ||
	    copy_list(t->mac_list, cfg->macs, KSSH_DEFAULT_MAC) != 0 ||
	    (cfg->is_server && filter_hostkey_algs(t) != 0)) {
		kssh_transport_free(t);
		return NULL;
	}
	if (t->cfg.rekey_bytes == 0)
		t->cfg.rekey_bytes = DEFAULT_REKEY_BYTES;
	if (t->cfg.rekey_seconds == 0)
		t->cfg.rekey_seconds = DEFAULT_REKEY_SECONDS;
	snprintf(t->my_version, sizeof(t->my_version), "SSH-2.0-%s", KSSH_SOFTWARE);
	/* RFC 4253 4.2: both sides send their identification at once */
	if (kssh_buf_put(&t->pkt.output, t->my_version, strlen(t->my_version)) != 0 ||
	    kssh_buf_put(&t->pkt.output, "\r\n", 2) != 0) {
		kssh_transport_free(t);
		return NULL;
	}
	return t;
}

void kssh_transport_free(struct kssh_transport *t)
{
	if (t == NULL)
		return;
	kssh_packet_free(&t->pkt);
	kssh_buf_release(&t->my_kexinit);
	kssh_buf_release(&t->peer_kexinit);
	kssh_buf_release(&t->held);
	kex_proposal_free(&t->my_prop);
	kex_proposal_free(&t->peer_prop);
	kex_state_clear(&t->kex);
	kssh_key_free(t->server_key);
	free(t->peer_version);
	free(t->server_sig_algs);
	OPENSSL_cleanse(t, sizeof(*t));
	free(t);
}

struct kssh_buf *kssh_transport_input(struct kssh_transport *t)
{
	return &t->pkt.input;
}

struct kssh_buf *kssh_transport_output(struct kssh_transport *t)
{
	return &t->pkt.output;
}

/* RFC 4253 4.2: "SSH-protoversion-softwareversion SP comments CR LF" */
static int check_version_line(struct kssh_transport *t, const char *line)
{
	if (strncmp(line, "SSH-2.0-", 8) == 0 || strncmp(line, "SSH-1.99-", 9) == 0) {
		if ((t->peer_version = strdup(line)) == NULL)
			return KSSH_ERR_ALLOC;
		return 0;
	}
	if (strncmp(line, "SSH-1.", 6) == 0) {
		/* the packet protocol is not up: say it in plain text, as OpenSSH does */
		kssh_buf_put(&t->pkt.output, "SSHv1 is not supported\r\n", 24);
		snprintf(t->error, sizeof(t->error), "peer version '%.100s': SSHv1 is not supported", line);
		return KSSH_ERR_VERSION_SSH1;
	}
	kssh_buf_put(&t->pkt.output, "Invalid SSH identification string.\r\n", 36);
	snprintf(t->error, sizeof(t->error), "invalid SSH identification string '%.100s'", line);
	return KSSH_ERR_VERSION_INVALID;
}

static int read_version(struct kssh_transport *t)
{
	struct kssh_buf *in = &t->pkt.input;

	for (;;) {
		const uint8_t *p = kssh_buf_ptr(in), *nl;
		size_t len = kssh_buf_len(in), line_len;
		char line[BANNER_LINE_MAX + 1];
		int r;

		nl = memchr(p, '\n', len);
		if (nl == NULL)
			return len > BANNER_LINE_MAX ? KSSH_ERR_VERSION_INVALID : KSSH_ERR_AGAIN;
		line_len = (size_t)(nl - p);
		if (line_len > BANNER_LINE_MAX) {
			snprintf(t->error, sizeof(t->error), "identification line too long");
			return KSSH_ERR_VERSION_INVALID;
		}
		memcpy(line, p, line_len);
		line[line_len] = 0;
		if (line_len > 0 && line[line_len - 1] == '\r')
			line[--line_len] = 0;
		kssh_buf_consume(in, (size_t)(nl - p) + 1);
		if (memchr(line, 0, line_len) != NULL) {
			snprintf(t->error, sizeof(t->error), "identification line holds a NUL byte");
			return KSSH_ERR_VERSION_INVALID;
		}
		if (strncmp(line, "SSH-", 4) == 0) {
			if (line_len + 2 > VERSION_LINE_MAX) {
				snprintf(t->error, sizeof(t->error), "identification line too long");
				return KSSH_ERR_VERSION_INVALID;
			}
			if ((r = check_version_line(t, line)) != 0)
				return r;
			t->version_done = 1;
			transport_log(t, LOG_DEBUG, "remote software version %s", line);
			return 0;
		}
		/* RFC 4253 4.2: a server may send other lines first; a client may not */
		if (t->cfg.is_server || ++t->banner_lines > BANNER_LINES_MAX) {
			snprintf(t->error, sizeof(t->error),
			         "peer sent '%.60s' where the SSH identification belongs", line);
			kssh_buf_put(&t->pkt.output, "Invalid SSH identification string.\r\n", 36);
			return KSSH_ERR_VERSION_INVALID;
		}
	}
}

uint64_t transport_rekey_limit(const struct kssh_transport *t)
{
	uint64_t limit = t->cfg.rekey_bytes;

	/* RFC 4344 3.2: at most 2^(L/4) blocks with an L-bit block cipher (3des: 512 KiB) */
	for (int d = 0; d < 2; d++) {
		const struct kssh_cipher_alg *c = t->pkt.dir[d].cipher;

		if (c != NULL && c->block_size < 16) {
			uint64_t cap = (1ull << (c->block_size * 2)) * c->block_size;

			if (cap < limit)
				limit = cap;
		}
	}
	return limit;
}

void transport_keys_changed(struct kssh_transport *t)
{
	t->volume_limit = transport_rekey_limit(t);
	t->kex_done_at = transport_now();
}

/* OpenSSH peers refuse KEXINIT during authentication; rekey only after it, as OpenSSH does */
static int rekey_allowed(const struct kssh_transport *t)
{
	return t->initial_done && !transport_kex_in_progress(t) && t->phase == KSSH_PHASE_CONNECTION;
}

static int volume_reached(const struct kssh_transport *t)
{
	const struct kssh_packet_dir *in = &t->pkt.dir[KSSH_DIR_IN], *out = &t->pkt.dir[KSSH_DIR_OUT];

	return in->bytes >= t->volume_limit || out->bytes >= t->volume_limit ||
	       in->packets >= REKEY_PACKETS || out->packets >= REKEY_PACKETS;
}

static int start_rekey(struct kssh_transport *t, const char *why)
{
	transport_log(t, LOG_INFO, "rekeying: %s limit reached", why);
	return transport_kex_start(t);
}

/* After each packet sent: counters only, no clock. */
static int check_volume(struct kssh_transport *t)
{
	return rekey_allowed(t) && volume_reached(t) ? start_rekey(t, "volume") : 0;
}

int kssh_transport_tick(struct kssh_transport *t)
{
	if (!rekey_allowed(t))
		return 0;
	if (transport_now() - t->kex_done_at >= t->cfg.rekey_seconds)
		return start_rekey(t, "time");
	return volume_reached(t) ? start_rekey(t, "volume") : 0;
}

int kssh_transport_rekey(struct kssh_transport *t)
{
	if (!t->initial_done || transport_kex_in_progress(t))
		return 0;
	return transport_kex_start(t);
}

int kssh_transport_poll(struct kssh_transport *t, uint8_t *type, struct kssh_buf *payload)
{
	int r;

	if (!t->version_done) {
		if ((r = read_version(t)) != 0)
			return r;
		if ((r = transport_kex_start(t)) != 0)
			return transport_fail(t, r, "cannot start key exchange: %s", kssh_strerror(r));
	}
	for (;;) {
		uint32_t seqnr = t->pkt.dir[KSSH_DIR_IN].seqnr;

		if ((r = kssh_packet_read(&t->pkt, type, payload)) == KSSH_ERR_AGAIN)
			break;
		if (r != 0)
			return transport_fail(t, r, "%s (packet %u)", kssh_strerror(r), seqnr);
		if ((r = transport_dispatch(t, *type, payload, seqnr)) < 0)
			return r;
		if (r > 0)
			return 0;
	}
	if ((r = kssh_transport_tick(t)) != 0)
		return transport_fail(t, r, "cannot start rekey: %s", kssh_strerror(r));
	return KSSH_ERR_AGAIN;
}

struct kssh_buf *kssh_transport_begin(struct kssh_transport *t, uint8_t type)
{
	return kssh_packet_begin(&t->pkt, type);
}

/* RFC 4253 7.1: between our KEXINIT and our NEWKEYS only transport messages go out. */
static int must_hold(const struct kssh_transport *t, uint8_t type)
{
	if (!t->kexinit_sent || t->newkeys_sent)
		return 0;
	return type == SSH_MSG_SERVICE_REQUEST || type == SSH_MSG_SERVICE_ACCEPT ||
	       type == SSH_MSG_EXT_INFO || type >= SSH_MSG_USERAUTH_REQUEST;
}

static void note_phase_sent(struct kssh_transport *t, uint8_t type)
{
	if (!t->cfg.is_server)
		return;
	if (type == SSH_MSG_SERVICE_ACCEPT && t->phase == KSSH_PHASE_TRANSPORT)
		t->phase = KSSH_PHASE_USERAUTH;
	else if (type == SSH_MSG_USERAUTH_SUCCESS)
		t->phase = KSSH_PHASE_CONNECTION;
}

int kssh_transport_send(struct kssh_transport *t)
{
	const uint8_t *msg = kssh_buf_ptr(&t->pkt.outgoing) + 5;
	size_t len = kssh_buf_len(&t->pkt.outgoing) - 5;
	int r;

	note_phase_sent(t, msg[0]);
	if (!must_hold(t, msg[0])) {
		if ((r = kssh_packet_finish(&t->pkt)) != 0)
			return r;
		return check_volume(t);
	}
	r = kssh_buf_put_string(&t->held, msg, len);
	kssh_buf_reset(&t->pkt.outgoing);
	return r;
}

int kssh_transport_send_tail(struct kssh_transport *t, const uint8_t *tail, size_t tail_len)
{
	const uint8_t *type = kssh_buf_ptr(&t->pkt.outgoing) + 5;
	int r;

	if (must_hold(t, *type)) {
		if ((r = kssh_buf_put(&t->pkt.outgoing, tail, tail_len)) != 0)
			return r;
		return kssh_transport_send(t);
	}
	note_phase_sent(t, *type);
	if ((r = kssh_packet_finish_tail(&t->pkt, tail, tail_len)) != 0)
		return r;
	return check_volume(t);
}

struct kssh_packet *kssh_transport_packet(struct kssh_transport *t)
{
	return &t->pkt;
}

int kssh_transport_kernel(const struct kssh_transport *t)
{
	return t->pkt.kernel.on;
}

int kssh_transport_strict(const struct kssh_transport *t)
{
	return t->strict;
}

int kssh_transport_send_file(struct kssh_transport *t, int fd, uint64_t offset, uint32_t len)
{
	int r;

	if (!t->pkt.kernel.on)
		return KSSH_ERR_UNAVAILABLE;
	if (must_hold(t, SSH_MSG_CHANNEL_DATA) || kssh_buf_len(&t->held) > 0)
		return KSSH_ERR_AGAIN;
	if ((r = kssh_packet_kernel_file(&t->pkt, fd, offset, len)) != 0)
		return r;
	return check_volume(t);
}

int transport_send_raw(struct kssh_transport *t, uint8_t type, const uint8_t *body, size_t len)
{
	struct kssh_buf *b = kssh_packet_begin(&t->pkt, type);
	int r;

	if (b == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = kssh_buf_put(b, body, len)) != 0)
		return r;
	return kssh_packet_finish(&t->pkt);
}

int kssh_transport_ready(const struct kssh_transport *t)
{
	return t->initial_done;
}

int kssh_transport_in_kex(const struct kssh_transport *t)
{
	return transport_kex_in_progress(t);
}

enum kssh_phase kssh_transport_phase(const struct kssh_transport *t)
{
	return t->phase;
}

const char *kssh_transport_error(const struct kssh_transport *t)
{
	return t->error;
}

uint32_t kssh_transport_peer_disconnect_reason(const struct kssh_transport *t)
{
	return t->peer_disconnect_reason;
}

const uint8_t *kssh_transport_session_id(const struct kssh_transport *t, uint32_t *len)
{
	*len = t->session_id_len;
	return t->session_id;
}

const struct kssh_key *kssh_transport_host_key(const struct kssh_transport *t)
{
	return t->cfg.is_server ? t->initial_host_key : t->server_key;
}

const char *kssh_transport_server_sig_algs(const struct kssh_transport *t)
{
	return t->server_sig_algs;
}

static const char *mac_name(const struct kex_choice *c, int dir)
{
	if (c->cipher[dir] == NULL)
		return "none";
	if (c->cipher[dir]->flags & KSSH_CIPHER_AEAD)
		return "<implicit>";
	return c->mac[dir] ? c->mac[dir]->name : "none";
}

void kssh_transport_get_info(const struct kssh_transport *t, struct kssh_transport_info *info)
{
	const struct kex_choice *c = &t->current;
	int in = t->cfg.is_server ? 0 : 1, out = 1 - in; /* [0] is client to server */

	memset(info, 0, sizeof(*info));
	info->peer_version = t->peer_version ? t->peer_version : "";
	info->kex = c->method ? c->method->name : "none";
	/* the algorithm as agreed: a certificate's name rather than the signature it makes */
	info->hostkey = c->hostkey_x509 ? c->hostkey_x509 : c->hostkey_cert ? c->hostkey_cert
	                : c->hostkey ? c->hostkey->name : "none";
	info->cipher_in = c->cipher[in] ? c->cipher[in]->name : "none";
	info->cipher_out = c->cipher[out] ? c->cipher[out]->name : "none";
	info->mac_in = mac_name(c, in);
	info->mac_out = mac_name(c, out);
	info->backend_in = kssh_packet_backend(&t->pkt, KSSH_DIR_IN);
	info->backend_out = kssh_packet_backend(&t->pkt, KSSH_DIR_OUT);
	info->strict_kex = t->strict;
	info->kex_count = t->kex_count;
	info->bytes_in = t->pkt.dir[KSSH_DIR_IN].total_bytes;
	info->bytes_out = t->pkt.dir[KSSH_DIR_OUT].total_bytes;
	info->packets_in = t->pkt.dir[KSSH_DIR_IN].total_packets;
	info->packets_out = t->pkt.dir[KSSH_DIR_OUT].total_packets;
}
