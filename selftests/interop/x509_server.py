#!/usr/bin/python3
"""asyncssh (Debian's python3-asyncssh) as an X.509v3 SSH server (RFC 6187), for kssh to log into.

  x509_server.py PORT HOSTKEY HOSTCHAIN CA USER SECONDS

Listens on 127.0.0.1:PORT and [::1]:PORT for SECONDS, with HOSTKEY and its certificate chain
HOSTCHAIN (PEM) as its only host key; accepts USER when the client's X.509 certificate chains to
CA and its subject is CN=USER; every command prints "in-asyncssh <command>". Prints "ready"
once listening.
"""
import asyncio
import logging
import sys
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
import asyncssh  # noqa: E402
import asyncssh.public_key  # noqa: E402

port, host_key, host_chain, ca, user, seconds = sys.argv[1:7]


def session(process):
    process.stdout.write(f"in-asyncssh {process.command}\n")
    process.exit(0)


async def main():
    key = asyncssh.read_private_key(host_key)
    chain = asyncssh.public_key.SSHX509CertificateChain.construct_from_certs(
        asyncssh.read_certificate_list(host_chain))
    authorized = asyncssh.import_authorized_keys(
        "".join(f"{alg} subject=CN={user}\n" for alg in ("x509v3-ecdsa-sha2-nistp256", "x509v3-rsa2048-sha256")))
    servers = [await asyncssh.listen(addr, int(port), server_host_keys=[(key, chain)], x509_trusted_certs=[ca],
                                     x509_purposes="any", authorized_client_keys=authorized,
                                     process_factory=session, password_auth=False, kbdint_auth=False)
               for addr in ("127.0.0.1", "::1")]
    print("ready", flush=True)
    await asyncio.sleep(float(seconds))
    for s in servers:
        s.close()


asyncio.run(main())
