/* SPDX-License-Identifier: MIT */
/*
 * The post-quantum KEMs behind the hybrid key exchanges: ML-KEM-768
 * (FIPS 203) and Streamlined NTRU Prime sntrup761. Secret inputs never
 * steer a branch or a memory index; every secret is wiped before return.
 */
#ifndef KSSH_KEX_PQ_H
#define KSSH_KEX_PQ_H

#include <stddef.h>
#include <stdint.h>

/*
 * KSSH_PUBLIC(p, n): n bytes at p computed from secrets but public from
 * here on (a public key's seed, whether a candidate was invertible). The
 * constant-time check (selftests/ct/) builds these files with KSSH_CT_CHECK,
 * runs them under valgrind with every secret marked undefined, and so
 * learns of any branch or index on a secret that is not declared here.
 */
#ifdef KSSH_CT_CHECK
#include <valgrind/memcheck.h>
#define KSSH_PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define KSSH_PUBLIC(p, n) ((void)(p), (void)(n))
#endif

#define MLKEM768_EK_LEN 1184
#define MLKEM768_DK_LEN 2400
#define MLKEM768_CT_LEN 1088
#define MLKEM768_SS_LEN 32
#define MLKEM768_SEED_LEN 32

/* FIPS 203 Algorithm 16: keys from the seeds d and z */
int mlkem768_keygen_derand(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN],
                           const uint8_t d[MLKEM768_SEED_LEN], const uint8_t z[MLKEM768_SEED_LEN]);
/* Algorithm 19 with fresh random seeds; 0 or a KSSH_ERR_* code */
int mlkem768_keygen(uint8_t ek[MLKEM768_EK_LEN], uint8_t dk[MLKEM768_DK_LEN]);
/*
 * Algorithm 17 with the message m given; the encapsulation key must pass
 * the modulus check of section 7.2 (KSSH_ERR_DH_INVALID otherwise).
 */
int mlkem768_encaps_derand(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM768_SS_LEN],
                           const uint8_t ek[MLKEM768_EK_LEN], const uint8_t m[MLKEM768_SEED_LEN]);
int mlkem768_encaps(uint8_t ct[MLKEM768_CT_LEN], uint8_t ss[MLKEM768_SS_LEN],
                    const uint8_t ek[MLKEM768_EK_LEN]);
/*
 * Algorithm 18; the decapsulation key must pass the hash check of section
 * 7.3. A ciphertext that does not re-encrypt gives the implicit-rejection
 * key J(z || c), chosen without a branch.
 */
int mlkem768_decaps(uint8_t ss[MLKEM768_SS_LEN], const uint8_t ct[MLKEM768_CT_LEN],
                    const uint8_t dk[MLKEM768_DK_LEN]);
/* Section 7.2's modulus check alone: 1 if every coefficient of ek is below q */
int mlkem768_ek_valid(const uint8_t ek[MLKEM768_EK_LEN]);

#define SNTRUP761_PK_LEN 1158
#define SNTRUP761_SK_LEN 1763
#define SNTRUP761_CT_LEN 1039
#define SNTRUP761_SS_LEN 32

/*
 * The randomness source of the sntrup761 functions: fills len bytes.
 * NULL means OpenSSL's RAND_bytes; the known-answer test passes the NIST
 * DRBG the submission's KAT was made with.
 */
typedef int (*sntrup761_random_fn)(void *arg, uint8_t *out, size_t len);

int sntrup761_keygen(uint8_t pk[SNTRUP761_PK_LEN], uint8_t sk[SNTRUP761_SK_LEN],
                     sntrup761_random_fn rnd, void *arg);
int sntrup761_encaps(uint8_t ct[SNTRUP761_CT_LEN], uint8_t ss[SNTRUP761_SS_LEN],
                     const uint8_t pk[SNTRUP761_PK_LEN], sntrup761_random_fn rnd, void *arg);
int sntrup761_decaps(uint8_t ss[SNTRUP761_SS_LEN], const uint8_t ct[SNTRUP761_CT_LEN],
                     const uint8_t sk[SNTRUP761_SK_LEN]);

#endif
