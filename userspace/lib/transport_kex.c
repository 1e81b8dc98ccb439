// SPDX-License-Identifier: MIT
/*
 * Driving a key exchange in either role (RFC 4253 7-8, RFC 4419, RFC 5656,
 * RFC 8731), with OpenSSH's strict kex (PROTOCOL, "kex-strict") always on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "kssh/err.h"
#include "kssh/x509.h"
#include "transport_internal.h"
#include "keys/key_internal.h"

#define GEX_MIN 2048
#define GEX_MAX 8192
#define KEY_MAX 64 /* chacha20-poly1305 keys */

int transport_kex_in_progress(const struct kssh_transport *t)
{
	return t->kexinit_sent || t->kexinit_received;
}

static int build_proposal(struct kssh_transport *t)
{
	const char *marker = t->cfg.is_server ? KEX_STRICT_SERVER : KEX_STRICT_CLIENT;
	char kex[LIST_MAX + 128];
	struct kex_proposal *p = &t->my_prop;

	kex_proposal_free(p);
	/* the pseudo-algorithms go in the first KEXINIT only */
	if (!t->initial_done)
		snprintf(kex, sizeof(kex), "%s,%s%s", t->kex_list,
		         t->cfg.is_server ? "" : KEX_EXT_INFO_CLIENT ",", marker);
	else
		snprintf(kex, sizeof(kex), "%s", t->kex_list);
	p->lists[KEX_ALGS] = strdup(kex);
	p->lists[KEX_HOSTKEY_ALGS] = strdup(t->hostkey_list);
	p->lists[KEX_ENC_C2S] = strdup(t->cipher_list);
	p->lists[KEX_ENC_S2C] = strdup(t->cipher_list);
	p->lists[KEX_MAC_C2S] = strdup(t->mac_list);
	p->lists[KEX_MAC_S2C] = strdup(t->mac_list);
	p->lists[KEX_COMP_C2S] = strdup("none");
	p->lists[KEX_COMP_S2C] = strdup("none");
	p->lists[KEX_LANG_C2S] = strdup("");
	p->lists[KEX_LANG_S2C] = strdup("");
	for (int i = 0; i < KEX_PROPOSAL_MAX; i++)
		if (p->lists[i] == NULL)
			return KSSH_ERR_ALLOC;
	return 0;
}

int transport_kex_start(struct kssh_transport *t)
{
	int r;

	if (t->kexinit_sent)
		return 0;
	if ((r = build_proposal(t)) != 0)
		return r;
	kssh_buf_reset(&t->my_kexinit);
	if ((r = kssh_buf_put_u8(&t->my_kexinit, SSH_MSG_KEXINIT)) != 0 ||
	    (r = kex_proposal_put(&t->my_kexinit, &t->my_prop)) != 0)
		return r;
	t->kexinit_sent = 1;
	t->newkeys_sent = 0;
	return transport_send_raw(t, SSH_MSG_KEXINIT, kssh_buf_ptr(&t->my_kexinit) + 1,
	                          kssh_buf_len(&t->my_kexinit) - 1);
}

static const struct kssh_key *server_host_key(struct kssh_transport *t, size_t *index)
{
	for (size_t i = 0; i < t->cfg.n_host_keys; i++)
		if (t->cfg.host_keys[i]->type == t->choice.hostkey->key_type &&
		    (t->choice.hostkey_cert == NULL ||
		     (t->cfg.host_certs != NULL && kssh_buf_len(&t->cfg.host_certs[i]) > 0)) &&
		    (t->choice.hostkey_x509 == NULL ||
		     (t->cfg.host_x509 != NULL && kssh_buf_len(&t->cfg.host_x509[i]) > 0))) {
			*index = i;
			return t->cfg.host_keys[i];
		}
	return NULL;
}

static int sign_hash(struct kssh_transport *t, const struct kssh_key *key, size_t index, struct kssh_buf *sig)
{
	int r;

	if (t->cfg.sign != NULL)
		r = t->cfg.sign(t->cfg.sign_arg, index, t->choice.hostkey->name, t->hash, t->hash_len, sig);
	else
		r = kssh_key_sign(key, t->choice.hostkey->name, t->hash, t->hash_len, sig);
	/* RFC 6187's x509v3-rsa2048-sha256 signs as rsa-sha2-256 under the name rsa2048-sha256 */
	if (r == 0 && t->choice.hostkey_x509 != NULL)
		r = kssh_x509_signature_format(sig, t->choice.hostkey_x509);
	return r;
}

/* OpenSSH's dh_estimate: a group as strong as the strongest cipher's key */
static uint32_t gex_preferred_bits(const struct kex_choice *c)
{
	uint32_t key = c->cipher[0]->key_len > c->cipher[1]->key_len ? c->cipher[0]->key_len
	                                                             : c->cipher[1]->key_len;

	if (key <= 16)
		return 3072;
	if (key <= 24)
		return 7680;
	return 8192;
}

static int client_send_first(struct kssh_transport *t)
{
	struct kssh_buf *b;
	int r;

	if (t->choice.method->family == KEX_FAMILY_DHGEX) {
		t->kex.gex_min = GEX_MIN;
		t->kex.gex_n = gex_preferred_bits(&t->choice);
		t->kex.gex_max = GEX_MAX;
		if ((b = kssh_packet_begin(&t->pkt, SSH_MSG_KEX_DH_GEX_REQUEST)) == NULL ||
		    (r = kssh_buf_put_u32(b, t->kex.gex_min)) != 0 ||
		    (r = kssh_buf_put_u32(b, t->kex.gex_n)) != 0 ||
		    (r = kssh_buf_put_u32(b, t->kex.gex_max)) != 0)
			return b ? r : KSSH_ERR_ALLOC;
		t->expected = SSH_MSG_KEX_DH_GEX_GROUP;
		return kssh_packet_finish(&t->pkt);
	}
	if (t->choice.method->family == KEX_FAMILY_DH && (r = kex_dh_fixed_group(&t->kex)) != 0)
		return r;
	if ((b = kssh_packet_begin(&t->pkt, SSH_MSG_KEX_ECDH_INIT)) == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = kex_keygen(&t->kex, b)) != 0)
		return r;
	t->expected = SSH_MSG_KEX_ECDH_REPLY;
	return kssh_packet_finish(&t->pkt);
}

static int check_strict(struct kssh_transport *t)
{
	const char *peer_marker = t->cfg.is_server ? KEX_STRICT_CLIENT : KEX_STRICT_SERVER;

	if (t->initial_done)
		return 0;
	t->strict = kssh_list_has(t->peer_prop.lists[KEX_ALGS], peer_marker);
	if (t->cfg.is_server)
		t->peer_ext_info = kssh_list_has(t->peer_prop.lists[KEX_ALGS], KEX_EXT_INFO_CLIENT);
	/* strict kex: the peer's KEXINIT must be the very first packet it sent */
	if (t->strict && t->peer_kexinit_seqnr != 0)
		return transport_fail(t, KSSH_ERR_KEX_STRICT,
		                      "strict KEX violation: KEXINIT was not the first packet");
	return 0;
}

int transport_kex_on_kexinit(struct kssh_transport *t, struct kssh_buf *payload)
{
	const struct kex_proposal *client, *server;
	struct kssh_buf body = *payload;
	char err[LIST_MAX + 256];
	int r;

	if ((r = transport_kex_start(t)) != 0)
		return transport_fail(t, r, "cannot send KEXINIT: %s", kssh_strerror(r));
	kssh_buf_reset(&t->peer_kexinit);
	if ((r = kssh_buf_put(&t->peer_kexinit, kssh_buf_ptr(payload), kssh_buf_len(payload))) != 0)
		return transport_fail(t, r, "KEXINIT too large");
	kex_proposal_free(&t->peer_prop);
	if ((r = kssh_buf_consume(&body, 1)) != 0 ||
	    (r = kex_proposal_parse(&body, &t->peer_prop)) != 0)
		return transport_fail(t, r, "malformed KEXINIT: %s", kssh_strerror(r));
	t->kexinit_received = 1;
	if ((r = check_strict(t)) != 0)
		return r;
	client = t->cfg.is_server ? &t->peer_prop : &t->my_prop;
	server = t->cfg.is_server ? &t->my_prop : &t->peer_prop;
	if ((r = kex_choose(client, server, &t->choice, err, sizeof(err))) != 0)
		return transport_fail(t, r, "%s", err);
	if ((r = transport_offload_choose(t)) != 0)
		return r;
	/* RFC 4253 7.1: a wrongly guessed kex packet from the peer is ignored */
	t->skip_guessed = t->peer_prop.first_kex_follows && !kex_guess_was_right(client, server);
	transport_log(t, LOG_DEBUG, "kex: %s, host key %s, c2s %s %s, s2c %s %s%s",
	              t->choice.method->name, t->choice.hostkey_cert ? t->choice.hostkey_cert : t->choice.hostkey->name,
	              t->choice.cipher[0]->name,
	              t->choice.mac[0] ? t->choice.mac[0]->name : "<implicit>",
	              t->choice.cipher[1]->name,
	              t->choice.mac[1] ? t->choice.mac[1]->name : "<implicit>",
	              t->strict ? ", strict kex" : "");
	kex_state_clear(&t->kex);
	kex_state_init(&t->kex, t->choice.method, t->cfg.is_server);
	if (!t->cfg.is_server) {
		if ((r = client_send_first(t)) != 0)
			return transport_fail(t, r, "key exchange failed: %s", kssh_strerror(r));
		return 0;
	}
	t->expected = t->choice.method->family == KEX_FAMILY_DHGEX ? SSH_MSG_KEX_DH_GEX_REQUEST
	                                                           : SSH_MSG_KEX_ECDH_INIT;
	return 0;
}

static int compute_hash(struct kssh_transport *t, const uint8_t *k_s, size_t k_s_len)
{
	const char *v_c = t->cfg.is_server ? t->peer_version : t->my_version;
	const char *v_s = t->cfg.is_server ? t->my_version : t->peer_version;
	const struct kssh_buf *i_c = t->cfg.is_server ? &t->peer_kexinit : &t->my_kexinit;
	const struct kssh_buf *i_s = t->cfg.is_server ? &t->my_kexinit : &t->peer_kexinit;
	int r;

	if ((r = kex_exchange_hash(&t->kex, v_c, v_s, i_c, i_s, k_s, k_s_len, t->hash,
	                           &t->hash_len)) != 0)
		return r;
	if (t->session_id_len == 0) {
		memcpy(t->session_id, t->hash, t->hash_len);
		t->session_id_len = t->hash_len;
	}
	return 0;
}

static int send_newkeys(struct kssh_transport *t);

static int server_reply(struct kssh_transport *t, uint8_t reply_type, struct kssh_buf *msg)
{
	size_t index = 0;
	const struct kssh_key *key = server_host_key(t, &index);
	struct kssh_buf k_s, sig, *b;
	int r;

	if (key == NULL)
		return KSSH_ERR_NO_COMMON_HOSTKEY;
	if (t->initial_host_key == NULL)
		t->initial_host_key = key; /* publickey-hostbound binds to this one */
	kssh_buf_init(&k_s, 0);
	kssh_buf_init(&sig, 0);
	if (t->choice.method->family == KEX_FAMILY_DH && (r = kex_dh_fixed_group(&t->kex)) != 0)
		goto out;
	if ((b = kssh_packet_begin(&t->pkt, reply_type)) == NULL) {
		r = KSSH_ERR_ALLOC;
		goto out;
	}
	/* K_S: the key, or under a certificate algorithm its certificate (RFC 6187: name, chain, no OCSP) */
	if (t->choice.hostkey_cert != NULL)
		r = kssh_buf_put(&k_s, kssh_buf_ptr(&t->cfg.host_certs[index]), kssh_buf_len(&t->cfg.host_certs[index]));
	else if (t->choice.hostkey_x509 != NULL)
		r = kssh_buf_put_cstring(&k_s, t->choice.hostkey_x509) ||
		    kssh_buf_put(&k_s, kssh_buf_ptr(&t->cfg.host_x509[index]), kssh_buf_len(&t->cfg.host_x509[index])) ||
		    kssh_buf_put_u32(&k_s, 0) ? KSSH_ERR_ALLOC : 0;
	else
		r = kssh_key_to_blob(key, &k_s);
	if (r != 0 || (r = kssh_buf_put_buf_string(b, &k_s)) != 0)
		goto out;
	if ((r = kex_server_respond(&t->kex, msg, b)) != 0)
		goto out;
	if (kssh_buf_len(msg) != 0) {
		r = KSSH_ERR_INVALID_FORMAT;
		goto out;
	}
	if ((r = compute_hash(t, kssh_buf_ptr(&k_s), kssh_buf_len(&k_s))) != 0 ||
	    (r = sign_hash(t, key, index, &sig)) != 0 ||
	    (r = kssh_buf_put_buf_string(b, &sig)) != 0 ||
	    (r = kssh_packet_finish(&t->pkt)) != 0)
		goto out;
	r = send_newkeys(t);
out:
	kssh_buf_release(&k_s);
	kssh_buf_release(&sig);
	return r;
}

static int server_gex_group(struct kssh_transport *t, struct kssh_buf *msg)
{
	struct kssh_buf *b;
	int r;

	if ((r = kssh_buf_get_u32(msg, &t->kex.gex_min)) != 0 ||
	    (r = kssh_buf_get_u32(msg, &t->kex.gex_n)) != 0 ||
	    (r = kssh_buf_get_u32(msg, &t->kex.gex_max)) != 0)
		return r;
	if ((r = kex_dhgex_choose_group(&t->kex)) != 0)
		return r;
	if ((b = kssh_packet_begin(&t->pkt, SSH_MSG_KEX_DH_GEX_GROUP)) == NULL ||
	    (r = key_put_bn(b, t->kex.p)) != 0 || (r = key_put_bn(b, t->kex.g)) != 0)
		return b ? r : KSSH_ERR_ALLOC;
	t->expected = SSH_MSG_KEX_DH_GEX_INIT;
	return kssh_packet_finish(&t->pkt);
}

static int client_gex_init(struct kssh_transport *t, struct kssh_buf *msg)
{
	struct kssh_buf *b;
	int r;

	if ((r = key_get_bn(msg, &t->kex.p)) != 0 || (r = key_get_bn(msg, &t->kex.g)) != 0)
		return r;
	if ((r = kex_dhgex_check_group(&t->kex)) != 0)
		return r;
	if ((b = kssh_packet_begin(&t->pkt, SSH_MSG_KEX_DH_GEX_INIT)) == NULL)
		return KSSH_ERR_ALLOC;
	if ((r = kex_keygen(&t->kex, b)) != 0)
		return r;
	t->expected = SSH_MSG_KEX_DH_GEX_REPLY;
	return kssh_packet_finish(&t->pkt);
}

static int check_server_key(struct kssh_transport *t, struct kssh_key *key, const struct kssh_cert *cert)
{
	int r;

	if (key->type != t->choice.hostkey->key_type)
		return KSSH_ERR_SIGNATURE_INVALID;
	if (t->initial_done) {
		/* a rekey must not switch to another host key */
		if (t->server_key == NULL || !kssh_key_equal_public(key, t->server_key))
			return KSSH_ERR_HOST_KEY_CHANGED;
		return 0;
	}
	if (cert != NULL)
		return t->cfg.check_host_cert != NULL ? t->cfg.check_host_cert(t->cfg.check_arg, cert, t->choice.hostkey_cert)
		                                      : KSSH_ERR_HOST_KEY_UNKNOWN;
	if (t->cfg.check_host_key != NULL &&
	    (r = t->cfg.check_host_key(t->cfg.check_arg, key, t->choice.hostkey->name)) != 0)
		return r;
	return 0;
}

static int client_finish(struct kssh_transport *t, struct kssh_buf *msg)
{
	const uint8_t *k_s, *sig;
	size_t k_s_len, sig_len;
	struct kssh_key *key = NULL;
	struct kssh_cert *cert = NULL;
	struct kssh_x509 *x509 = NULL;
	int r;

	if ((r = kssh_buf_get_string_view(msg, &k_s, &k_s_len)) != 0)
		goto out;
	/* an X.509 chain: parsed here, its signature checked below, the chain by the caller's callback */
	if (t->choice.hostkey_x509 != NULL) {
		if (t->cfg.check_host_x509 == NULL) {
			r = KSSH_ERR_HOST_KEY_UNKNOWN;
			goto out;
		}
		if ((r = kssh_x509_from_blob(t->choice.hostkey_x509, k_s, k_s_len, &x509)) != 0 ||
		    (r = kssh_key_public_copy(x509->key, &key)) != 0)
			goto out;
	} else
	/* a certificate: its CA signature verified here, its type against the agreed algorithm */
	if (t->choice.hostkey_cert != NULL) {
		const char *blob_type;

		if ((r = kssh_cert_from_blob(k_s, k_s_len, &cert)) != 0 ||
		    (r = kssh_cert_alg(t->choice.hostkey_cert, NULL, NULL, &blob_type)) != 0 ||
		    (r = strcmp(blob_type, cert->type_name) == 0 ? 0 : KSSH_ERR_KEY_TYPE_UNKNOWN) != 0 ||
		    (r = kssh_key_public_copy(cert->key, &key)) != 0)
			goto out;
	} else if ((r = kssh_key_from_blob(k_s, k_s_len, &key)) != 0) {
		goto out;
	}
	if ((r = kex_derive(&t->kex, msg)) != 0 ||
	    (r = kssh_buf_get_string_view(msg, &sig, &sig_len)) != 0)
		goto out;
	if (kssh_buf_len(msg) != 0) {
		r = KSSH_ERR_INVALID_FORMAT;
		goto out;
	}
	if ((r = compute_hash(t, k_s, k_s_len)) != 0)
		goto out;
	if (x509 != NULL)
		r = kssh_x509_verify(x509, t->choice.hostkey_x509, sig, sig_len, t->hash, t->hash_len);
	else
		r = kssh_key_verify(key, t->choice.hostkey->name, sig, sig_len, t->hash, t->hash_len);
	if (r != 0)
		goto out;
	if (x509 != NULL && !t->initial_done)
		r = t->cfg.check_host_x509(t->cfg.check_arg, x509, t->choice.hostkey_x509);
	else
		r = check_server_key(t, key, cert);
	if (r != 0)
		goto out;
	if (t->server_key == NULL) {
		t->server_key = key;
		key = NULL;
	}
	r = send_newkeys(t);
out:
	kssh_key_free(key);
	kssh_cert_free(cert);
	kssh_x509_free(x509);
	return r;
}

int transport_kex_on_message(struct kssh_transport *t, uint8_t type, struct kssh_buf *payload)
{
	struct kssh_buf msg = *payload;
	int r;

	if (t->skip_guessed) {
		t->skip_guessed = 0;
		return 0;
	}
	if (t->expected == 0 || type != t->expected)
		return transport_fail(t, KSSH_ERR_PROTOCOL,
		                      "unexpected key exchange message %u (expected %u)", type,
		                      t->expected);
	t->expected = 0;
	kssh_buf_consume(&msg, 1);
	if (t->cfg.is_server) {
		if (type == SSH_MSG_KEX_DH_GEX_REQUEST)
			r = server_gex_group(t, &msg);
		else
			r = server_reply(t, type == SSH_MSG_KEX_DH_GEX_INIT ? SSH_MSG_KEX_DH_GEX_REPLY
			                                                     : SSH_MSG_KEX_ECDH_REPLY, &msg);
	} else if (t->choice.method->family == KEX_FAMILY_DHGEX && type == SSH_MSG_KEX_DH_GEX_GROUP &&
	           t->kex.p == NULL) {
		r = client_gex_init(t, &msg);
	} else {
		r = client_finish(t, &msg);
	}
	if (r != 0 && t->kex.error[0] != 0)
		return transport_fail(t, r, "key exchange failed: %s (%s)", kssh_strerror(r), t->kex.error);
	if (r != 0)
		return transport_fail(t, r, "key exchange failed: %s", kssh_strerror(r));
	return 0;
}

/* RFC 4253 7.2: IVs, keys and MAC keys, letters A to F. */
static int install_keys(struct kssh_transport *t, enum kssh_direction d)
{
	/* [0] is client to server; we send c2s as a client, receive it as a server */
	int c2s = (d == KSSH_DIR_OUT) != t->cfg.is_server;
	int i = c2s ? 0 : 1;
	const struct kssh_cipher_alg *cipher = t->choice.cipher[i];
	const struct kssh_mac_alg *mac = t->choice.mac[i];
	uint8_t iv[KEY_MAX], key[KEY_MAX], mac_key[KEY_MAX];
	int r;

	if ((r = kex_derive_key(t->choice.method, &t->kex.shared, t->hash, t->hash_len,
	                        c2s ? 'A' : 'B', t->session_id, t->session_id_len, iv,
	                        cipher->iv_len ? cipher->iv_len : 1)) != 0 ||
	    (r = kex_derive_key(t->choice.method, &t->kex.shared, t->hash, t->hash_len,
	                        c2s ? 'C' : 'D', t->session_id, t->session_id_len, key,
	                        cipher->key_len)) != 0 ||
	    (mac && (r = kex_derive_key(t->choice.method, &t->kex.shared, t->hash, t->hash_len,
	                                c2s ? 'E' : 'F', t->session_id, t->session_id_len,
	                                mac_key, mac->key_len)) != 0))
		goto out;
	r = transport_offload_set_keys(t, d, cipher, mac, key, iv, mac_key);
	t->current.cipher[i] = cipher;
	t->current.mac[i] = mac;
out:
	OPENSSL_cleanse(iv, sizeof(iv));
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(mac_key, sizeof(mac_key));
	return r;
}

/* RFC 8308 2.4 */
static int send_ext_info(struct kssh_transport *t)
{
	struct kssh_buf *b = kssh_packet_begin(&t->pkt, SSH_MSG_EXT_INFO);
	char sig_algs[512] = "ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,"
	                     "rsa-sha2-512,rsa-sha2-256";
	int r;

	if (b == NULL)
		return KSSH_ERR_ALLOC;
	if (t->cfg.extra_sig_algs != NULL && t->cfg.extra_sig_algs[0] &&
	    kssh_list_append(sig_algs, sizeof(sig_algs), t->cfg.extra_sig_algs) != 0)
		return KSSH_ERR_NO_BUFFER_SPACE;
	if ((r = kssh_buf_put_u32(b, 3)) != 0 ||
	    (r = kssh_buf_put_cstring(b, "server-sig-algs")) != 0 ||
	    (r = kssh_buf_put_cstring(b, sig_algs)) != 0 ||
	    (r = kssh_buf_put_cstring(b, "publickey-hostbound@openssh.com")) != 0 ||
	    (r = kssh_buf_put_cstring(b, "0")) != 0 ||
	    (r = kssh_buf_put_cstring(b, "ping@openssh.com")) != 0 ||
	    (r = kssh_buf_put_cstring(b, "0")) != 0)
		return r;
	return kssh_packet_finish(&t->pkt);
}

/* Sends what the layers above wrote while the exchange ran, in order. */
static int flush_held(struct kssh_transport *t)
{
	struct kssh_buf held = t->held;
	const uint8_t *msg;
	size_t len;
	int r = 0;

	while (kssh_buf_len(&held) > 0) {
		if ((r = kssh_buf_get_string_view(&held, &msg, &len)) != 0 || len == 0)
			break;
		if ((r = transport_send_raw(t, msg[0], msg + 1, len - 1)) != 0)
			break;
	}
	kssh_buf_reset(&t->held);
	return r;
}

static int send_newkeys(struct kssh_transport *t)
{
	int r;

	if ((r = transport_send_raw(t, SSH_MSG_NEWKEYS, NULL, 0)) != 0 ||
	    (r = install_keys(t, KSSH_DIR_OUT)) != 0)
		return r;
	if (t->strict)
		kssh_packet_reset_seqnr(&t->pkt, KSSH_DIR_OUT);
	t->newkeys_sent = 1;
	t->expected = SSH_MSG_NEWKEYS;
	/* RFC 8308 2.4: ext-info goes right after the server's first NEWKEYS */
	if (t->cfg.is_server && !t->initial_done && t->peer_ext_info &&
	    (r = send_ext_info(t)) != 0)
		return r;
	return flush_held(t);
}

int transport_kex_on_newkeys(struct kssh_transport *t)
{
	int r;

	if (t->expected != SSH_MSG_NEWKEYS || !t->newkeys_sent)
		return transport_fail(t, KSSH_ERR_PROTOCOL, "unexpected NEWKEYS");
	if ((r = install_keys(t, KSSH_DIR_IN)) != 0)
		return transport_fail(t, r, "cannot install keys: %s", kssh_strerror(r));
	if (t->strict)
		kssh_packet_reset_seqnr(&t->pkt, KSSH_DIR_IN);
	t->current.method = t->choice.method;
	t->current.hostkey = t->choice.hostkey;
	t->current.hostkey_cert = t->choice.hostkey_cert;
	t->current.hostkey_x509 = t->choice.hostkey_x509;
	t->expected = 0;
	t->kexinit_sent = t->kexinit_received = 0;
	t->initial_done = 1;
	t->kex_count++;
	transport_keys_changed(t);
	kex_state_clear(&t->kex);
	OPENSSL_cleanse(t->hash, sizeof(t->hash));
	transport_log(t, LOG_DEBUG, "key exchange %u complete", t->kex_count);
	return 0;
}
