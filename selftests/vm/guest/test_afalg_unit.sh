# The AF_ALG backend against OpenSSL, byte for byte (selftests/unit/test_afalg.c), with AF_ALG required.
KSSH_REQUIRE_AFALG=1 test_afalg
