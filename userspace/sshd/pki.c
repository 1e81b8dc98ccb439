// SPDX-License-Identifier: MIT
/*
 * The trust points' files. "show crypto ca certificates": each trust point's
 * CA certificates, its CRLs and the host's own certificate chain, in the
 * layout of the spec's routers (Trustpoint, then each certificate's serial,
 * subject, issuer, validity and SHA-1 fingerprint), read as they are now:
 * what the next connection will use. "crypto ca import NAME KIND FILE": the
 * file checked, copied into STATE/pki/NAME/KIND.pem and the trust point's line
 * for it committed like any configuration.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kssh/x509.h"
#include "sshd.h"

static void print_time(FILE *out, const char *label, const ASN1_TIME *t)
{
	BIO *b = BIO_new(BIO_s_mem());
	char buf[64] = "?";
	int n;

	if (b != NULL && ASN1_TIME_print(b, t) == 1 && (n = BIO_read(b, buf, sizeof(buf) - 1)) > 0)
		buf[n] = 0;
	BIO_free(b);
	fprintf(out, "  %-15s: %s\n", label, buf);
}

static void print_cert(FILE *out, const char *what, X509 *c)
{
	char *subject = X509_NAME_oneline(X509_get_subject_name(c), NULL, 0);
	char *issuer = X509_NAME_oneline(X509_get_issuer_name(c), NULL, 0);
	BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), NULL);
	char *hex = serial ? BN_bn2hex(serial) : NULL;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;

	fprintf(out, "%s\n", what);
	fprintf(out, "  %-15s: %s\n", "Serial Number", hex ? hex : "?");
	fprintf(out, "  %-15s: %s\n", "Subject", subject ? subject : "?");
	fprintf(out, "  %-15s: %s\n", "Issued By", issuer ? issuer : "?");
	print_time(out, "Validity Start", X509_get0_notBefore(c));
	print_time(out, "Validity End", X509_get0_notAfter(c));
	X509_digest(c, EVP_sha1(), md, &md_len);
	fprintf(out, "  %-15s: ", "SHA1 Fingerprint");
	for (unsigned i = 0; i < md_len; i++)
		fprintf(out, "%02X", md[i]);
	fprintf(out, "\n");
	OPENSSL_free(hex);
	BN_free(serial);
	OPENSSL_free(subject);
	OPENSSL_free(issuer);
}

/* Every certificate (and, with crls, every CRL) in a PEM file */
static void print_file(FILE *out, const char *path, const char *what, int crls)
{
	FILE *f = fopen(path, "re");
	STACK_OF(X509_INFO) *infos;
	int shown = 0;

	if (f == NULL) {
		fprintf(out, "%s: %s cannot be read\n", what, path);
		return;
	}
	infos = PEM_X509_INFO_read(f, NULL, NULL, NULL);
	fclose(f);
	for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
		X509_INFO *info = sk_X509_INFO_value(infos, i);

		if (info->x509 != NULL && !crls) {
			print_cert(out, what, info->x509);
			shown++;
		}
		if (info->crl != NULL && crls) {
			char *issuer = X509_NAME_oneline(X509_CRL_get_issuer(info->crl), NULL, 0);
			STACK_OF(X509_REVOKED) *revoked = X509_CRL_get_REVOKED(info->crl);

			fprintf(out, "%s\n  %-15s: %s\n", what, "Issued By", issuer ? issuer : "?");
			print_time(out, "Last Update", X509_CRL_get0_lastUpdate(info->crl));
			if (X509_CRL_get0_nextUpdate(info->crl) != NULL)
				print_time(out, "Next Update", X509_CRL_get0_nextUpdate(info->crl));
			fprintf(out, "  %-15s: %d\n", "Revoked", revoked ? sk_X509_REVOKED_num(revoked) : 0);
			OPENSSL_free(issuer);
			shown++;
		}
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	if (shown == 0)
		fprintf(out, "%s: none in %s\n", what, path);
}

void sshd_show_ca_certificates(const struct sshd_options *o, FILE *out)
{
	for (size_t i = 0; i < o->n_trustpoints; i++) {
		const struct sshd_trustpoint *tp = &o->trustpoints[i];

		fprintf(out, "\nTrustpoint       : %s\n==================================================\n", tp->name);
		if (tp->ca_file[0])
			print_file(out, tp->ca_file, "CA certificate", 0);
		if (tp->crl_file[0])
			print_file(out, tp->crl_file, "CRL", 1);
		if (tp->cert_file[0])
			print_file(out, tp->cert_file, "Router certificate", 0);
	}
}

/* The file holds what KIND needs: certificates (CA or the host's chain, whose key is a host key) or CRLs */
static const char *check_import(const struct sshd_options *o, const char *kind, const char *path)
{
	FILE *f = fopen(path, "re");
	STACK_OF(X509_INFO) *infos;
	int certs = 0, crls = 0;

	if (f == NULL)
		return strerror(errno);
	infos = PEM_X509_INFO_read(f, NULL, NULL, NULL);
	fclose(f);
	for (int i = 0; i < sk_X509_INFO_num(infos); i++) {
		certs += sk_X509_INFO_value(infos, i)->x509 != NULL;
		crls += sk_X509_INFO_value(infos, i)->crl != NULL;
	}
	sk_X509_INFO_pop_free(infos, X509_INFO_free);
	ERR_clear_error();
	if (strcmp(kind, "crl") == 0)
		return crls ? NULL : "no PEM CRL in it";
	if (certs == 0)
		return "no PEM certificate in it";
	if (strcmp(kind, "certificate") == 0) {
		struct kssh_buf chain;
		struct kssh_key *leaf = NULL;
		int ours = 0;

		kssh_buf_init(&chain, 0);
		if (kssh_x509_chain_from_pem(path, &chain, &leaf) == 0)
			for (size_t i = 0; i < o->n_host_keys; i++)
				ours |= kssh_key_equal_public(o->host_keys[i], leaf);
		kssh_key_free(leaf);
		kssh_buf_release(&chain);
		if (!ours)
			return "its first certificate's key is none of the host keys";
	}
	return NULL;
}

static int copy_file(const char *from, const char *to)
{
	char tmp[600], buf[8192];
	FILE *in = fopen(from, "re"), *out;
	size_t n;
	int ok = 1;

	snprintf(tmp, sizeof(tmp), "%s.new", to);
	if (in == NULL || (out = fopen(tmp, "we")) == NULL) {
		if (in)
			fclose(in);
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ok &= fwrite(buf, 1, n, out) == n;
	ok &= !ferror(in) && fflush(out) == 0 && fsync(fileno(out)) == 0;
	fclose(in);
	ok &= fclose(out) == 0 && chmod(tmp, 0644) == 0 && rename(tmp, to) == 0;
	if (!ok)
		unlink(tmp);
	return ok ? 0 : -1;
}

int sshd_ca_import(const struct sshd_options *o, const char *name, const char *kind, const char *path, char *line,
                   size_t line_len, FILE *out)
{
	char dir[400], dest[512];
	const char *why = NULL;

	if (strcmp(kind, "ca-certificate") != 0 && strcmp(kind, "crl") != 0 && strcmp(kind, "certificate") != 0) {
		fprintf(out, "want: crypto ca import NAME ca-certificate|crl|certificate /FILE\n");
		return -1;
	}
	if (!sshd_trustpoint_name_ok(name)) {
		fprintf(out, "crypto ca import: trustpoint name '%s': letters, digits, - _ . (not first), under 32\n", name);
		return -1;
	}
	if (path[0] != '/' || (why = check_import(o, kind, path)) != NULL) {
		fprintf(out, "crypto ca import: %s: %s\n", path, path[0] != '/' ? "give an absolute path" : why);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/pki", o->state_dir);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/pki/%.32s", o->state_dir, name);
	if ((mkdir(dir, 0755) != 0 && errno != EEXIST) ||
	    snprintf(dest, sizeof(dest), "%s/%s.pem", dir, kind) >= (int)sizeof(dest) || copy_file(path, dest) != 0) {
		fprintf(out, "crypto ca import: cannot write %s/%s.pem: %s\n", dir, kind, strerror(errno));
		return -1;
	}
	snprintf(line, line_len, "crypto ca trustpoint %s %s %s", name, kind, dest);
	return 0;
}
