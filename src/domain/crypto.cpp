#include "domain/crypto.hpp"

#include <sodium.h>

namespace hhplus::domain {

std::string RandomToken() {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char out[64];
    sodium_bin2base64(out, sizeof out, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return out;
}

std::string Sha256Hex(std::string_view data) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(data.data()), data.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return hex;
}

bool SecretEquals(std::string_view a, std::string_view b) {
    unsigned char da[crypto_hash_sha256_BYTES];
    unsigned char db[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(da, reinterpret_cast<const unsigned char*>(a.data()), a.size());
    crypto_hash_sha256(db, reinterpret_cast<const unsigned char*>(b.data()), b.size());
    return sodium_memcmp(da, db, sizeof da) == 0;
}

}  // namespace hhplus::domain
