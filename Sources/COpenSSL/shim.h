#pragma once
// OpenSSL's libcrypto, for SHA-256 through the EVP digest interface (the low-level SHA256_* calls are deprecated
// in OpenSSL 3).
#include <openssl/evp.h>
