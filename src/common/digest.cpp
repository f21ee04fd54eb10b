#include "common/digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace hhplus {
namespace {

std::string HexDigest(const EVP_MD* algorithm, std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    // One-shot EVP_Digest: no context to manage. It fails only when libcrypto cannot allocate or
    // the algorithm is unavailable (a FIPS-only provider without MD5): a broken installation,
    // not an input we could handle, hence an exception.
    if (EVP_Digest(data.data(), data.size(), digest, &size, algorithm, nullptr) != 1) {
        throw std::runtime_error(std::string("libcrypto digest failed: ") +
                                 EVP_MD_get0_name(algorithm));
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(std::size_t{2} * size);
    for (unsigned int i = 0; i < size; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 0x0f];
    }
    return hex;
}

}  // namespace

std::string Sha1Hex(std::string_view data) { return HexDigest(EVP_sha1(), data); }
std::string Md5Hex(std::string_view data) { return HexDigest(EVP_md5(), data); }

}  // namespace hhplus
