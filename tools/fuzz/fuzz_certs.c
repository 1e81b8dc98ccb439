// SPDX-License-Identifier: MIT
/*
 * libFuzzer: the certificate blobs a client sends in a publickey request (the
 * monitor parses them): OpenSSH certificates and RFC 6187 X.509v3 chains; and
 * revoked-keys files (KRLs and key lists). The first byte's low two bits
 * choose: 0, an OpenSSH certificate; 1, a revoked-keys file checked against a
 * fixed certificate made here; 2 and 3, an x509v3-ecdsa-sha2-nistp256 or
 * x509v3-rsa2048-sha256 key blob, its names read and a signature checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kssh/cert.h"
#include "kssh/revoked.h"
#include "kssh/x509.h"
#include "fuzz.h"

static void certificate(const uint8_t *data, size_t size)
{
	struct kssh_cert *c = NULL;
	struct kssh_key *k = NULL;
	const char *why;
	char id[64];

	if (kssh_cert_public_key(data, size, &k) == 0)
		kssh_key_free(k);
	if (kssh_cert_from_blob(data, size, &c) != 0)
		return;
	kssh_cert_check(c, KSSH_CERT_USER, "root", 1700000000, &why);
	kssh_cert_critical(c, "force-command");
	kssh_cert_extension(c, "permit-pty");
	kssh_cert_printable(c->key_id, id, sizeof(id));
	kssh_cert_free(c);
}

static void revoked_file(const uint8_t *data, size_t size)
{
	static struct kssh_key *key;
	struct kssh_cert cert = { .serial = 7, .key_id = "id", .type = KSSH_CERT_USER };
	char path[64];
	const char *why;
	int fd;

	if (key == NULL && kssh_key_generate(KSSH_KEY_ED25519, 0, &key) != 0)
		return;
	if ((fd = memfd_create("revoked", 0)) < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		kssh_revoked_check(path, key, NULL, &why);
		cert.key = key;
		cert.ca = key;
		kssh_revoked_check(path, NULL, &cert, &why);
	}
	close(fd);
}

static void x509_chain(const char *alg, const uint8_t *data, size_t size)
{
	struct kssh_x509 *x = NULL;
	char subject[128];

	if (kssh_x509_from_blob(alg, data, size, &x) != 0)
		return;
	kssh_x509_subject(x, subject, sizeof(subject));
	kssh_x509_names_user(x, KSSH_X509_NAME_CN | KSSH_X509_NAME_UPN, "root");
	kssh_x509_verify(x, alg, data, size > 64 ? 64 : size, data, size);
	kssh_x509_free(x);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] & 3) {
	case 0: certificate(data + 1, size - 1); break;
	case 1: revoked_file(data + 1, size - 1); break;
	case 2: x509_chain("x509v3-ecdsa-sha2-nistp256", data + 1, size - 1); break;
	default: x509_chain("x509v3-rsa2048-sha256", data + 1, size - 1);
	}
	return 0;
}
