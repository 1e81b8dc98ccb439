#!/usr/bin/python3
"""asyncssh (Debian's python3-asyncssh) as an X.509v3 SSH client (RFC 6187).

  x509_client.py PORT USER KEY CHAIN ALGORITHM COMMAND [garbled]

Logs into 127.0.0.1:PORT as USER with the private key KEY and the certificate chain CHAIN
(PEM, leaf first), offering only ALGORITHM, runs COMMAND and prints its output. Exit 0 when
the command ran, 1 when authentication failed, 2 on any other error (printed). With "garbled"
the key blob it sends has a byte more after the chain (a malformed RFC 6187 encoding).
"""
import asyncio
import warnings
import logging
import sys

import asyncssh
import asyncssh.public_key

port, user, key_file, chain_file, alg, command = sys.argv[1:7]
logging.disable(logging.CRITICAL)
warnings.simplefilter("ignore")


async def main():
    key = asyncssh.read_private_key(key_file)
    chain = asyncssh.public_key.SSHX509CertificateChain.construct_from_certs(asyncssh.read_certificate_list(chain_file))
    if len(sys.argv) > 7 and sys.argv[7] == "garbled":
        # asyncssh encodes the blob again for the algorithm it picks: a byte after the OCSP count
        encode = asyncssh.public_key.SSHX509CertificateChain.adjust_public_data
        asyncssh.public_key.SSHX509CertificateChain.adjust_public_data = lambda self, alg: encode(self, alg) + b"\0"
    async with asyncssh.connect("127.0.0.1", int(port), username=user, known_hosts=None,
                                client_keys=[(key, chain)], signature_algs=[alg], agent_path=None,
                                preferred_auth="publickey", password=None, kbdint_auth=False) as conn:
        result = await conn.run(command, check=False)
        sys.stdout.write(result.stdout)


try:
    asyncio.run(main())
except asyncssh.PermissionDenied:
    print("permission denied")
    sys.exit(1)
except Exception as exc:  # what went wrong, for the test's log
    print(f"error: {exc!r}")
    sys.exit(2)
