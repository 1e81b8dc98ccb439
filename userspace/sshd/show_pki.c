// SPDX-License-Identifier: MIT
/*
 * "show crypto ca certificates": each trust point's CA certificates, its CRLs
 * and the host's own certificate chain, in the layout of the spec's routers
 * (Trustpoint, then each certificate's serial, subject, issuer, validity and
 * SHA-1 fingerprint). The files are read as they are now, not as ksshd
 * started: what the next connection will use.
 */
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

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
