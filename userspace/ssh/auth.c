// SPDX-License-Identifier: MIT
/*
 * The client's ssh-userauth (RFC 4252, RFC 4256): methods in the order the
 * user configured (the spec's default: public-key, keyboard-interactive,
 * password), each only while the server still lists it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/crypto.h>

#include "kssh/auth.h"
#include "kssh/cert.h"
#include "kssh/x509.h"
#include "kssh/err.h"
#include "kssh/kex.h"
#include "kssh/msg.h"
#include "ssh.h"

#define DEFAULT_METHODS "publickey,keyboard-interactive,password"
#define PROMPTS_MAX 32

struct client_auth {
	struct client_options *o;
	struct kssh_conn *c;
	char methods[1024];     /* what the server says can continue */
	int agent_fd;
};

enum { AUTH_NO = 0, AUTH_YES = 1 };

static void wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static int send_request(struct client_auth *a, const char *method, struct kssh_buf **out)
{
	struct kssh_buf *b = kssh_transport_begin(a->c->t, SSH_MSG_USERAUTH_REQUEST);

	if (b == NULL || kssh_buf_put_cstring(b, a->o->user) != 0 ||
	    kssh_buf_put_cstring(b, "ssh-connection") != 0 || kssh_buf_put_cstring(b, method) != 0)
		return KSSH_ERR_ALLOC;
	*out = b;
	return 0;
}

/* Banners are shown and skipped; returns the next other message. */
static int next_reply(struct client_auth *a, uint8_t *type, struct kssh_buf *payload)
{
	int r;

	for (;;) {
		if ((r = a->c->t ? conn_next_message(a->c, type, payload) : KSSH_ERR_PROTOCOL) != 0)
			return r;
		kssh_buf_consume(payload, 1);
		if (*type != SSH_MSG_USERAUTH_BANNER)
			return 0;
		if (!a->o->batch) {
			char *text = NULL;

			/* untrusted text: printable characters and newlines only */
			if (kssh_buf_get_cstring(payload, &text, NULL) == 0) {
				for (char *p = text; *p; p++)
					if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
						*p = '?';
				fputs(text, stderr);
			}
			free(text);
		}
	}
}

/* SUCCESS, or FAILURE with the methods that can continue. */
static int read_outcome(struct client_auth *a, uint8_t type, struct kssh_buf *payload)
{
	char *list = NULL;
	int r;

	if (type == SSH_MSG_USERAUTH_SUCCESS)
		return AUTH_YES;
	if (type != SSH_MSG_USERAUTH_FAILURE)
		return kssh_transport_fail(a->c->t, KSSH_ERR_PROTOCOL,
		                           "unexpected message %u during authentication", type);
	if ((r = kssh_buf_get_cstring(payload, &list, NULL)) != 0)
		return kssh_transport_fail(a->c->t, r, "malformed USERAUTH_FAILURE");
	snprintf(a->methods, sizeof(a->methods), "%s", list);
	free(list);
	if (a->o->verbose)
		fprintf(stderr, "debug1: Authentications that can continue: %s\n", a->methods);
	return AUTH_NO;
}

static int try_none(struct client_auth *a)
{
	struct kssh_buf *b, payload;
	uint8_t type;
	int r;

	if ((r = send_request(a, "none", &b)) != 0 || (r = kssh_transport_send(a->c->t)) != 0 ||
	    (r = next_reply(a, &type, &payload)) != 0)
		return r;
	return read_outcome(a, type, &payload);
}

/* rsa-sha2-512/256 when the server names them in server-sig-algs (RFC 8332), else ssh-rsa */
static const char *signature_alg(struct client_auth *a, enum kssh_key_type type)
{
	const char *sigs = kssh_transport_server_sig_algs(a->c->t);

	if (type != KSSH_KEY_RSA)
		return kssh_key_type_name(type);
	if (sigs == NULL || kssh_list_has(sigs, "rsa-sha2-512"))
		return "rsa-sha2-512";
	if (kssh_list_has(sigs, "rsa-sha2-256"))
		return "rsa-sha2-256";
	return "ssh-rsa";
}

/* One key: a query without a signature first, then the signed request. */
struct identity {
	const char *path;       /* a key file, or NULL for an agent key */
	struct kssh_buf blob;   /* the public key, or its OpenSSH certificate */
	enum kssh_key_type type;
	char cert_alg[64];      /* a certificate: its algorithm name ("" for a plain key) */
	char x509_alg[40];      /* an X.509 chain (RFC 6187): the x509v3 name its blob carries */
};

/* The request's algorithm: a certificate's name for the signature algorithm its key uses */
static const char *request_alg(struct client_auth *a, const struct identity *id)
{
	const char *sig = signature_alg(a, id->type), *name, *sig_alg;

	if (id->cert_alg[0] == 0)
		return sig;
	for (size_t i = 0; (name = kssh_cert_alg_at(i)) != NULL; i++)
		if (kssh_cert_alg(name, NULL, &sig_alg, NULL) == 0 && strcmp(sig_alg, sig) == 0)
			return name;
	return id->cert_alg;
}

static int load_private(struct client_auth *a, const char *path, struct kssh_key **key)
{
	char prompt[600];
	int r, tries;

	r = kssh_key_load_private(path, key);
	for (tries = 0; r == KSSH_ERR_KEY_ENCRYPTED && tries < 3; tries++) {
		char *pass;

		snprintf(prompt, sizeof(prompt), "Enter passphrase for key '%s': ", path);
		if ((pass = client_prompt(a->o, prompt, 0)) == NULL)
			break;
		r = kssh_key_load_private_passphrase(path, pass, key);
		wipe_free(pass);
		if (r == KSSH_ERR_KEY_ENCRYPTED)
			fprintf(stderr, "Bad passphrase, try again for %s\n", path);
	}
	if (r == KSSH_ERR_KEY_PERMISSIONS)
		fprintf(stderr, "Permissions for '%s' are too open; the key is ignored.\n", path);
	else if (r != 0 && a->o->verbose)
		fprintf(stderr, "debug1: %s: %s\n", path, kssh_strerror(r));
	return r;
}

static int sign_request(struct client_auth *a, struct identity *id, const char *alg, const char *sig_alg,
                        struct kssh_buf *sig)
{
	const uint8_t *sid;
	uint32_t sid_len;
	struct kssh_buf data;
	struct kssh_key *key = NULL;
	int r;

	kssh_buf_init(&data, 0);
	sid = kssh_transport_session_id(a->c->t, &sid_len);
	if ((r = kssh_auth_pubkey_signed_data(sid, sid_len, a->o->user, "ssh-connection",
	                                      "publickey", alg, kssh_buf_ptr(&id->blob),
	                                      kssh_buf_len(&id->blob), NULL, &data)) != 0)
		goto out;
	if (id->path == NULL)
		r = agent_sign(a->agent_fd, kssh_buf_ptr(&id->blob), kssh_buf_len(&id->blob), sig_alg,
		               kssh_buf_ptr(&data), kssh_buf_len(&data), sig);
	else if ((r = load_private(a, id->path, &key)) == 0)
		r = kssh_key_sign(key, sig_alg, kssh_buf_ptr(&data), kssh_buf_len(&data), sig);
out:
	kssh_key_free(key);
	kssh_buf_release(&data);
	return r;
}

static int try_identity(struct client_auth *a, struct identity *id)
{
	const char *alg = request_alg(a, id), *sig_alg = signature_alg(a, id->type);

	if (id->x509_alg[0]) {
		alg = id->x509_alg;
		sig_alg = kssh_x509_key_sig_alg(alg);
	}
	struct kssh_buf *b, payload, sig;
	uint8_t type;
	int r;

	if (a->o->verbose)
		fprintf(stderr, "debug1: Offering %s: %s %s\n", id->cert_alg[0] || id->x509_alg[0] ? "certificate" : "public key",
		        id->path ? id->path : "(agent)", alg);
	if ((r = send_request(a, "publickey", &b)) != 0 || (r = kssh_buf_put_u8(b, 0)) != 0 ||
	    (r = kssh_buf_put_cstring(b, alg)) != 0 || (r = kssh_buf_put_buf_string(b, &id->blob)) != 0 ||
	    (r = kssh_transport_send(a->c->t)) != 0 || (r = next_reply(a, &type, &payload)) != 0)
		return r;
	if (type != SSH_MSG_USERAUTH_PK_OK)
		return read_outcome(a, type, &payload);
	if (a->o->verbose)
		fprintf(stderr, "debug1: Server accepts key: %s\n", id->path ? id->path : "(agent)");
	kssh_buf_init(&sig, 0);
	if (sign_request(a, id, alg, sig_alg, &sig) != 0 || (id->x509_alg[0] && kssh_x509_signature_format(&sig, alg) != 0)) {
		kssh_buf_release(&sig);
		return AUTH_NO;
	}
	if ((r = send_request(a, "publickey", &b)) != 0 || (r = kssh_buf_put_u8(b, 1)) != 0 ||
	    (r = kssh_buf_put_cstring(b, alg)) != 0 || (r = kssh_buf_put_buf_string(b, &id->blob)) != 0 ||
	    (r = kssh_buf_put_buf_string(b, &sig)) != 0 || (r = kssh_transport_send(a->c->t)) != 0 ||
	    (r = next_reply(a, &type, &payload)) != 0) {
		kssh_buf_release(&sig);
		return r;
	}
	kssh_buf_release(&sig);
	return read_outcome(a, type, &payload);
}

/* The public half: from "path.pub", or the private file's clear header. */
static int identity_from_file(const char *path, struct identity *id)
{
	struct kssh_key *key = NULL;
	char pubpath[4200];
	int r;

	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	r = kssh_key_load_public(pubpath, &key);
	if (r != 0)
		r = kssh_key_load_private_public(path, &key);
	if (r != 0)
		return r;
	id->path = path;
	id->type = key->type;
	r = kssh_key_to_blob(key, &id->blob);
	kssh_key_free(key);
	return r;
}

/*
 * An X.509 chain (PEM, the key's certificate first) for the key in id, as RFC
 * 6187 sends it: the x509v3 name (x509v3-rsa2048-sha256 for RSA unless the
 * server names only x509v3-ssh-rsa), the chain, no OCSP responses.
 */
static int x509_identity(struct client_auth *a, const char *path, const struct identity *key_id, struct identity *id)
{
	const char *sigs = kssh_transport_server_sig_algs(a->c->t), *alg = NULL;
	struct kssh_key *leaf = NULL, *plain = NULL;
	struct kssh_buf chain;
	int r;

	kssh_buf_init(&chain, 0);
	if ((r = kssh_x509_chain_from_pem(path, &chain, &leaf)) != 0 ||
	    (r = kssh_key_from_blob(kssh_buf_ptr(&key_id->blob), kssh_buf_len(&key_id->blob), &plain)) != 0)
		goto out;
	r = KSSH_ERR_KEY_TYPE_UNKNOWN;
	if (!kssh_key_equal_public(leaf, plain))
		goto out;
	alg = leaf->type == KSSH_KEY_RSA && sigs && !kssh_list_has(sigs, "x509v3-rsa2048-sha256") &&
	      kssh_list_has(sigs, "x509v3-ssh-rsa") ? "x509v3-ssh-rsa" : kssh_x509_alg_for_key(leaf->type);
	if (alg == NULL)
		goto out;
	if ((r = kssh_buf_put_cstring(&id->blob, alg)) != 0 ||
	    (r = kssh_buf_put(&id->blob, kssh_buf_ptr(&chain), kssh_buf_len(&chain))) != 0 ||
	    (r = kssh_buf_put_u32(&id->blob, 0)) != 0)
		goto out;
	id->path = key_id->path;
	id->type = leaf->type;
	snprintf(id->x509_alg, sizeof(id->x509_alg), "%s", alg);
out:
	kssh_key_free(leaf);
	kssh_key_free(plain);
	kssh_buf_release(&chain);
	return r;
}

/*
 * An OpenSSH certificate file ("TYPE BASE64 [comment]") for the key in id: its
 * certified key must be that key. Nothing else is checked here: the server judges.
 * A file of PEM certificates is an X.509 chain instead.
 */
static int cert_identity(struct client_auth *a, const char *path, const struct identity *key_id, struct identity *id)
{
	FILE *f = fopen(path, "re");
	char line[16384] = "", type[64];
	struct kssh_key *certified = NULL, *plain = NULL;
	const char *sig_alg;
	int r = KSSH_ERR_FILE_FORMAT, n = 0;

	if (f == NULL)
		return KSSH_ERR_NOT_FOUND;
	if (fgets(line, sizeof(line), f) != NULL && strncmp(line, "-----BEGIN ", 11) == 0) {
		fclose(f);
		return x509_identity(a, path, key_id, id);
	}
	if (line[0] == 0 || sscanf(line, "%63s %n", type, &n) != 1 ||
	    kssh_cert_alg(type, NULL, &sig_alg, NULL) != 0) {
		fclose(f);
		return KSSH_ERR_FILE_FORMAT;
	}
	fclose(f);
	if (kssh_base64_decode(line + n, strcspn(line + n, " \t\r\n"), &id->blob) == 0 &&
	    kssh_cert_public_key(kssh_buf_ptr(&id->blob), kssh_buf_len(&id->blob), &certified) == 0 &&
	    kssh_key_from_blob(kssh_buf_ptr(&key_id->blob), kssh_buf_len(&key_id->blob), &plain) == 0 &&
	    kssh_key_equal_public(certified, plain)) {
		id->path = key_id->path;
		id->type = certified->type;
		snprintf(id->cert_alg, sizeof(id->cert_alg), "%s", type);
		r = 0;
	}
	kssh_key_free(certified);
	kssh_key_free(plain);
	return r;
}

/* The certificates for a key file, as OpenSSH offers them: CertificateFile ones that certify it, then PATH-cert.pub */
static int try_certificates(struct client_auth *a, const struct identity *key_id)
{
	char own[2][4200];
	int r = AUTH_NO;

	/* PATH-cert.pub (OpenSSH's) and PATH-cert.pem (an X.509 chain) next to the key */
	snprintf(own[0], sizeof(own[0]), "%s-cert.pub", key_id->path);
	snprintf(own[1], sizeof(own[1]), "%s-cert.pem", key_id->path);
	for (int i = 0; r == AUTH_NO && i < a->o->n_certificates + 2; i++) {
		struct identity id = { 0 };

		kssh_buf_init(&id.blob, 0);
		if (cert_identity(a, i < a->o->n_certificates ? a->o->certificates[i] : own[i - a->o->n_certificates], key_id,
		                  &id) == 0 &&
		    kssh_list_has(a->methods, "publickey"))
			r = try_identity(a, &id);
		kssh_buf_release(&id.blob);
	}
	return r;
}

/* An OpenSSH certificate the agent holds (ssh-add loads KEY-cert.pub with KEY) */
static int agent_cert(const uint8_t *blob, size_t len, struct identity *id)
{
	struct kssh_key *key = NULL;
	char type[64];
	struct kssh_buf b;

	kssh_buf_view(&b, blob, len);
	if (kssh_buf_get_name(&b, type, sizeof(type)) != 0 || kssh_cert_alg(type, NULL, NULL, NULL) != 0 ||
	    kssh_cert_public_key(blob, len, &key) != 0)
		return KSSH_ERR_KEY_TYPE_UNKNOWN;
	id->type = key->type;
	snprintf(id->cert_alg, sizeof(id->cert_alg), "%s", type);
	kssh_key_free(key);
	return kssh_buf_put(&id->blob, blob, len);
}

static int try_publickey(struct client_auth *a)
{
	static const char *defaults[] = { ".ssh/id_ed25519", ".ssh/id_ecdsa", ".ssh/id_rsa" };
	const char *home = getenv("HOME");
	char paths[3][4200];
	int r = AUTH_NO;

	/* agent keys first, as OpenSSH does, unless IdentitiesOnly */
	if (a->o->use_agent && !a->o->identities_only && (a->agent_fd = agent_connect()) >= 0) {
		struct kssh_buf blobs;
		size_t n = 0;

		kssh_buf_init(&blobs, 0);
		if (agent_list(a->agent_fd, &blobs, &n) == 0) {
			for (size_t i = 0; i < n && r == AUTH_NO && kssh_list_has(a->methods, "publickey"); i++) {
				struct identity id = { 0 };
				const uint8_t *blob;
				size_t len;
				struct kssh_key *key = NULL;

				kssh_buf_init(&id.blob, 0);
				if (kssh_buf_get_string_view(&blobs, &blob, &len) != 0 ||
				    kssh_buf_get_string_view(&blobs, NULL, NULL) != 0)
					break;
				if (kssh_key_from_blob(blob, len, &key) == 0) {
					id.type = key->type;
					kssh_buf_put(&id.blob, blob, len);
					r = try_identity(a, &id);
				} else if (agent_cert(blob, len, &id) == 0) {
					r = try_identity(a, &id); /* the agent signs for a certificate with its key */
				}
				kssh_key_free(key);
				kssh_buf_release(&id.blob);
			}
		}
		kssh_buf_release(&blobs);
	}
	for (int i = 0; r == AUTH_NO && i < a->o->n_identities + 3; i++) {
		struct identity id = { 0 };
		const char *path;

		if (i < a->o->n_identities) {
			path = a->o->identities[i];
		} else {
			if (a->o->n_identities > 0 || home == NULL)
				break; /* -i given: only those, as OpenSSH with an explicit IdentityFile */
			snprintf(paths[i - a->o->n_identities], sizeof(paths[0]), "%s/%s", home,
			         defaults[i - a->o->n_identities]);
			path = paths[i - a->o->n_identities];
		}
		if (!kssh_list_has(a->methods, "publickey"))
			break;
		kssh_buf_init(&id.blob, 0);
		if (identity_from_file(path, &id) == 0) {
			r = try_certificates(a, &id);
			if (r == AUTH_NO && kssh_list_has(a->methods, "publickey"))
				r = try_identity(a, &id);
		} else if (a->o->verbose)
			fprintf(stderr, "debug1: identity file %s not usable\n", path);
		kssh_buf_release(&id.blob);
	}
	if (a->agent_fd >= 0)
		close(a->agent_fd);
	a->agent_fd = -1;
	return r;
}

static int try_password(struct client_auth *a)
{
	char prompt[400];
	int r = AUTH_NO;

	for (unsigned i = 0; i < a->o->password_prompts && r == AUTH_NO &&
	                     kssh_list_has(a->methods, "password"); i++) {
		struct kssh_buf *b, payload;
		uint8_t type;
		char *pass;

		snprintf(prompt, sizeof(prompt), "%s@%s's password: ", a->o->user, a->o->host);
		if ((pass = client_prompt(a->o, prompt, 0)) == NULL)
			return AUTH_NO;
		if ((r = send_request(a, "password", &b)) == 0 && (r = kssh_buf_put_u8(b, 0)) == 0 &&
		    (r = kssh_buf_put_cstring(b, pass)) == 0)
			r = kssh_transport_send(a->c->t);
		wipe_free(pass);
		if (r != 0 || (r = next_reply(a, &type, &payload)) != 0)
			return r;
		/* a password change request (60) is answered as a failure: not supported */
		r = type == SSH_MSG_USERAUTH_INFO_REQUEST ? AUTH_NO : read_outcome(a, type, &payload);
		if (r == AUTH_NO)
			fprintf(stderr, "Permission denied, please try again.\n");
	}
	return r;
}

/* One INFO_REQUEST: show name and instruction, ask each prompt, answer. */
static int answer_info_request(struct client_auth *a, struct kssh_buf *msg)
{
	char *name = NULL, *instruction = NULL, *lang = NULL;
	char *answers[PROMPTS_MAX] = { 0 };
	struct kssh_buf *b;
	uint32_t n = 0;
	int r;

	if ((r = kssh_buf_get_cstring(msg, &name, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &instruction, NULL)) != 0 ||
	    (r = kssh_buf_get_cstring(msg, &lang, NULL)) != 0 || (r = kssh_buf_get_u32(msg, &n)) != 0 ||
	    n > PROMPTS_MAX) {
		r = kssh_transport_fail(a->c->t, r ? r : KSSH_ERR_INVALID_FORMAT,
		                        "malformed INFO_REQUEST");
		goto out;
	}
	if (!a->o->batch && (*name || *instruction))
		fprintf(stderr, "%s%s%s", name, *name ? "\n" : "", instruction);
	for (uint32_t i = 0; i < n; i++) {
		char *prompt = NULL;
		int echo;

		if ((r = kssh_buf_get_cstring(msg, &prompt, NULL)) != 0 ||
		    (r = kssh_buf_get_bool(msg, &echo)) != 0) {
			free(prompt);
			r = kssh_transport_fail(a->c->t, r, "malformed INFO_REQUEST prompt");
			goto out;
		}
		answers[i] = client_prompt(a->o, prompt, echo);
		free(prompt);
		if (answers[i] == NULL) {
			r = KSSH_ERR_AUTH_CANCELLED;
			goto out;
		}
	}
	if ((b = kssh_transport_begin(a->c->t, SSH_MSG_USERAUTH_INFO_RESPONSE)) == NULL ||
	    (r = kssh_buf_put_u32(b, n)) != 0) {
		r = r ? r : KSSH_ERR_ALLOC;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		if ((r = kssh_buf_put_cstring(b, answers[i])) != 0)
			goto out;
	r = kssh_transport_send(a->c->t);
out:
	for (uint32_t i = 0; i < PROMPTS_MAX; i++)
		wipe_free(answers[i]);
	free(name);
	free(instruction);
	free(lang);
	return r;
}

static int try_kbdint(struct client_auth *a)
{
	int r = AUTH_NO;

	for (unsigned i = 0; i < a->o->password_prompts && r == AUTH_NO &&
	                     kssh_list_has(a->methods, "keyboard-interactive"); i++) {
		struct kssh_buf *b, payload;
		uint8_t type;

		if ((r = send_request(a, "keyboard-interactive", &b)) != 0 ||
		    (r = kssh_buf_put_cstring(b, "")) != 0 || (r = kssh_buf_put_cstring(b, "")) != 0 ||
		    (r = kssh_transport_send(a->c->t)) != 0)
			return r;
		for (;;) {
			if ((r = next_reply(a, &type, &payload)) != 0)
				return r;
			if (type != SSH_MSG_USERAUTH_INFO_REQUEST)
				break;
			if ((r = answer_info_request(a, &payload)) == KSSH_ERR_AUTH_CANCELLED)
				return AUTH_NO; /* nobody to answer: the server will fail it */
			if (r != 0)
				return r;
		}
		r = read_outcome(a, type, &payload);
	}
	return r;
}

int client_authenticate(struct client_options *o, struct kssh_conn *c)
{
	struct client_auth a = { .o = o, .c = c, .agent_fd = -1 };
	const char *order = o->auth_methods ? o->auth_methods : DEFAULT_METHODS;
	char method[64];
	int r;

	if ((r = try_none(&a)) != AUTH_NO)
		return r < 0 ? r : 0;
	while (kssh_list_next(&order, method, sizeof(method))) {
		if (!kssh_list_has(a.methods, method))
			continue;
		if (strcmp(method, "publickey") == 0)
			r = try_publickey(&a);
		else if (strcmp(method, "keyboard-interactive") == 0)
			r = try_kbdint(&a);
		else if (strcmp(method, "password") == 0)
			r = try_password(&a);
		else
			continue;
		if (r < 0)
			return r;
		if (r == AUTH_YES) {
			if (o->verbose)
				fprintf(stderr, "debug1: Authenticated to %s using \"%s\".\n", o->host, method);
			client_report("auth", method);
			client_report("state", "SESSION_OPEN");
			return 0;
		}
	}
	fprintf(stderr, "%s@%s: Permission denied (%s).\n", o->user, o->host, a.methods);
	return KSSH_ERR_NOT_FOUND;
}
