// SPDX-License-Identifier: MIT
/* The running configuration printed back in the language it was written in (show running-config, -t, saved commits). */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "kssh/channel.h"
#include "kssh/kex.h"
#include "config_internal.h"
#include "sshd.h"

static void print_crypto_offload(FILE *out, const char *role, int mode, int required)
{
	if (mode == KSSH_OFFLOAD_AFALG)
		fprintf(out, "ssh %s crypto-offload af-alg%s\n", role, required ? " required" : "");
	else if (mode == KSSH_OFFLOAD_KERNEL || mode == KSSH_OFFLOAD_AUTO)
		fprintf(out, "ssh %s crypto-offload %s\n", role, mode == KSSH_OFFLOAD_KERNEL ? "kernel" : "auto");
}

/* ---- running-config ---- */

static void print_list(FILE *out, const char *prefix, const char *list)
{
	char name[KSSH_NAME_MAX];
	const char *p = list;

	fprintf(out, "%s", prefix);
	while (kssh_list_next(&p, name, sizeof(name)))
		fprintf(out, " %s", name);
	fprintf(out, "\n");
}

static void print_enabled(FILE *out, const char *who, unsigned enabled)
{
	if (enabled & (KSSH_ENABLE_AES_CBC | KSSH_ENABLE_3DES_CBC))
		fprintf(out, "ssh %s enable cipher%s%s\n", who, enabled & KSSH_ENABLE_AES_CBC ? " aes-cbc" : "",
		        enabled & KSSH_ENABLE_3DES_CBC ? " 3des-cbc" : "");
}

static void print_acls(const struct sshd_options *o, FILE *out)
{
	for (size_t i = 0; i < o->n_acls; i++) {
		const struct sshd_acl *acl = &o->acls[i];

		for (size_t j = 0; j < acl->n; j++) {
			const struct sshd_acl_entry *e = &acl->e[j];
			char addr[INET6_ADDRSTRLEN];

			inet_ntop(acl->family, e->addr, addr, sizeof(addr));
			fprintf(out, "%s access-list %s %u %s ", acl->family == AF_INET ? "ipv4" : "ipv6", acl->name,
			        e->seq, e->permit ? "permit" : "deny");
			if (e->prefix == 0)
				fprintf(out, "any\n");
			else if (e->prefix == (acl->family == AF_INET ? 32 : 128))
				fprintf(out, "host %s\n", addr);
			else
				fprintf(out, "%s/%u\n", addr, e->prefix);
		}
	}
}

void sshd_config_print(const struct sshd_options *o, const char *section, FILE *out)
{
	int all = section == NULL;
	char lpts[2048];

	if (all && o->hostname[0])
		fprintf(out, "hostname %s\n", o->hostname);
	if (all && o->domain[0])
		fprintf(out, "domain name %s\n", o->domain);
	for (size_t i = 0; all && i < o->n_local_users; i++)
		fprintf(out, "username %s secret %s\n", o->local_users[i].name, o->local_users[i].hash);
	if (all)
		print_acls(o, out);
	if (all)
		sshd_print_crypto(o, out);
	if (all)
		sshd_print_aaa(o, out);
	for (size_t i = 0; i < SSHD_CONFIG_NUMBERS; i++) {
		unsigned v = *(const unsigned *)((const char *)o + sshd_config_numbers[i].offset);

		if (v != sshd_config_numbers[i].def)
			fprintf(out, "ssh %s %u\n", sshd_config_numbers[i].words, v);
	}
	if (o->server_v2)
		fprintf(out, "ssh server v2\n");
	if (o->port != 22)
		fprintf(out, "ssh server port %u\n", o->port);
	for (size_t i = 0; i < o->n_vrfs; i++) {
		fprintf(out, "ssh server vrf %s", o->vrfs[i].name);
		if (o->vrfs[i].acl4[0])
			fprintf(out, " ipv4 access-list %s", o->vrfs[i].acl4);
		if (o->vrfs[i].acl6[0])
			fprintf(out, " ipv6 access-list %s", o->vrfs[i].acl6);
		fprintf(out, "\n");
	}
	if (o->hostkey_algs[0])
		print_list(out, "ssh server algorithms host-key", o->hostkey_algs);
	if (o->kex_algs[0])
		print_list(out, "ssh server algorithms key-exchange", o->kex_algs);
	if (o->ciphers[0])
		print_list(out, "ssh server algorithms cipher", o->ciphers);
	if (o->macs[0])
		print_list(out, "ssh server algorithms mac", o->macs);
	print_enabled(out, "server", o->enabled & (KSSH_ENABLE_AES_CBC | KSSH_ENABLE_3DES_CBC));
	if (o->disabled_macs[0])
		print_list(out, "ssh server disable hmac", o->disabled_macs);
	if (o->port_forwarding_local)
		fprintf(out, "ssh server port-forwarding local\n");
	if (o->port_forwarding_remote)
		fprintf(out, "ssh server port-forwarding remote%s\n", o->gateway_ports ? " gateway-ports" : "");
	if (o->agent_forwarding)
		fprintf(out, "ssh server agent-forwarding\n");
	if (o->trusted_user_ca_keys[0])
		fprintf(out, "ssh server trusted-user-ca-keys %s\n", o->trusted_user_ca_keys);
	sshd_print_server_x509(o, out);
	for (size_t i = 0; i < o->n_host_cert_files; i++)
		fprintf(out, "ssh server host-certificate %s\n", o->host_cert_files[i]);
	if (o->revoked_keys[0])
		fprintf(out, "ssh server revoked-keys %s\n", o->revoked_keys);
	for (int i = 0; i < 2; i++) {
		const char *list = i ? o->sftp_deny : o->sftp_allow;

		if (list[0] == 0)
			continue;
		fprintf(out, "ssh server sftp %s", i ? "deny-requests" : "permit-requests");
		for (const char *p = list; *p;) {
			size_t k = strcspn(p, ",");

			fprintf(out, " %.*s", (int)k, p);
			p += k + (p[k] == ',');
		}
		fprintf(out, "\n");
	}
	sshd_print_max_startups(o, out);
	print_crypto_offload(out, "server", o->crypto_offload, o->crypto_offload_required);
	if (o->client_ciphers[0])
		print_list(out, "ssh client algorithms cipher", o->client_ciphers);
	print_enabled(out, "client", o->client_enabled);
	if (o->client_disabled_macs[0])
		print_list(out, "ssh client disable hmac", o->client_disabled_macs);
	if (o->client_auth_methods[0])
		fprintf(out, "ssh client auth-methods %s\n", o->client_auth_methods);
	print_crypto_offload(out, "client", o->client_crypto_offload, o->client_crypto_offload_required);
	if (o->client_knownhost[0])
		fprintf(out, "ssh client knownhost %s\n", o->client_knownhost);
	if (o->client_source_if[0])
		fprintf(out, "ssh client source-interface %s\n", o->client_source_if);
	if (all) {
		lpts_settings_print(&o->lpts, lpts, sizeof(lpts));
		fputs(lpts, out);
	}
}

