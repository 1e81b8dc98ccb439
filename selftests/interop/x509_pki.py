#!/usr/bin/python3
"""A test PKI for the X.509v3 tests, written with python3-cryptography into DIR.

  x509_pki.py DIR USER [HOST.pub...]

root.pem (the trust point's CA) signs inter.pem, which signs the users' certificates;
crl.pem holds both CAs' CRLs (the intermediate's revokes revoked.pem). For each NAME below,
NAME.key is the private key and NAME.pem the chain a client presents (leaf, intermediates):
  ec256, ec384, ec521, rsa    common name USER, one per key type
  dsa                         the same with a 1024-bit DSA key (x509v3-ssh-dss)
  upn                         common name "someone-else", UPN USER@corp.example
  othercn                     common name "mallory"
  expired, notyet             outside their validity
  revoked                     listed in the intermediate's CRL
  noku                        key usage without digitalSignature
  stranger                    from another root, which no trust point holds
  deep                        ten certificates presented (nine intermediates)
and for each OpenSSH public host key HOST.pub given, HOST.pem: its certificate for 127.0.0.1
(CN and subjectAltName IP and DNS localhost) from the intermediate, then the intermediate.
"""
import datetime
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.x509.oid import NameOID, ObjectIdentifier

out, user = sys.argv[1], sys.argv[2]
now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)
UPN = ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def key(kind="ec256"):
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if kind == "dsa":
        return dsa.generate_private_key(key_size=1024)
    return ec.generate_private_key({"ec256": ec.SECP256R1(), "ec384": ec.SECP384R1(), "ec521": ec.SECP521R1()}[kind])


def cert(subject_key, cn, issuer_key, issuer_cn, ca=False, start=None, end=None, sans=None, ku_sign=True):
    b = (x509.CertificateBuilder().subject_name(name(cn)).issuer_name(name(issuer_cn))
         .public_key(subject_key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start or now - day).not_valid_after(end or now + 30 * day)
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    b = b.add_extension(x509.KeyUsage(digital_signature=ku_sign, content_commitment=False,
                                      key_encipherment=not ku_sign, data_encipherment=False, key_agreement=False,
                                      key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False),
                        critical=True)
    if sans:
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def pem(c):
    return c.public_bytes(serialization.Encoding.PEM)


def write(path, data):
    with open(f"{out}/{path}", "wb") as f:
        f.write(data)


def write_key(path, k):
    write(path, k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))


def crl(issuer_key, issuer_cn, revoked=()):
    b = (x509.CertificateRevocationListBuilder().issuer_name(name(issuer_cn))
         .last_update(now - day).next_update(now + 30 * day))
    for serial in revoked:
        b = b.add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(serial)
                                      .revocation_date(now - day).build())
    return b.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


root_key, inter_key, other_key = key(), key(), key()
root = cert(root_key, "kssh test root", root_key, "kssh test root", ca=True)
inter = cert(inter_key, "kssh test intermediate", root_key, "kssh test root", ca=True)
write("root.pem", pem(root))
write("inter.pem", pem(inter))


def user_cert(label, kind="ec256", cn=user, issuer=(inter_key, "kssh test intermediate"), chain=(inter,), **kw):
    k = key(kind)
    c = cert(k, cn, issuer[0], issuer[1], **kw)
    write_key(f"{label}.key", k)
    write(f"{label}.pem", pem(c) + b"".join(pem(i) for i in chain))
    return c


for kind in ("ec256", "ec384", "ec521", "rsa", "dsa"):
    user_cert(kind, kind)
user_cert("upn", cn="someone-else",
          sans=[x509.OtherName(UPN, b"\x0c" + bytes([len(user) + 13]) + f"{user}@corp.example".encode())])
user_cert("othercn", cn="mallory")
user_cert("expired", start=now - 30 * day, end=now - day)
user_cert("notyet", start=now + day, end=now + 30 * day)
revoked = user_cert("revoked")
user_cert("noku", ku_sign=False)
other_root = cert(other_key, "some other root", other_key, "some other root", ca=True)
user_cert("stranger", issuer=(other_key, "some other root"), chain=())

# nine intermediates under the root, then the user: ten certificates presented
chain, issuer = [], (root_key, "kssh test root")
for i in range(9):
    k = key()
    c = cert(k, f"kssh deep {i}", issuer[0], issuer[1], ca=True)
    chain.insert(0, c)
    issuer = (k, f"kssh deep {i}")
user_cert("deep", issuer=issuer, chain=tuple(chain))

for path in sys.argv[3:]:
    with open(path, "rb") as f:
        host_key = serialization.load_ssh_public_key(f.read())
    b = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(name("kssh test intermediate"))
         .public_key(host_key).serial_number(x509.random_serial_number())
         .not_valid_before(now - day).not_valid_after(now + 30 * day)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
         .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1")),
                                                     x509.DNSName("localhost")]), critical=False))
    with open(path[:-4] + ".pem", "wb") as f:
        f.write(pem(b.sign(inter_key, hashes.SHA256())) + pem(inter))

write("crl.pem", crl(root_key, "kssh test root") + crl(inter_key, "kssh test intermediate", [revoked.serial_number]))
