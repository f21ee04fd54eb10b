#include "loadgen/md5.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace hhplus::loadgen {
namespace {

constexpr std::array<std::uint32_t, 64> kShifts = {
    7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 7,  12, 17, 22, 5,  9,  14, 20, 5,  9,
    14, 20, 5,  9,  14, 20, 5,  9,  14, 20, 4,  11, 16, 23, 4,  11, 16, 23, 4,  11, 16, 23,
    4,  11, 16, 23, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21, 6,  10, 15, 21};

// K[i] = floor(2^32 × |sin(i + 1)|), as RFC 1321 defines the table.
std::array<std::uint32_t, 64> SineTable() {
    std::array<std::uint32_t, 64> k{};
    for (std::size_t i = 0; i < 64; ++i) {
        k[i] = static_cast<std::uint32_t>(
            std::floor(std::fabs(std::sin(static_cast<double>(i + 1))) * 4294967296.0));
    }
    return k;
}

std::uint32_t RotateLeft(std::uint32_t x, std::uint32_t c) { return (x << c) | (x >> (32 - c)); }

}  // namespace

std::string Md5Hex(std::string_view data) {
    static const std::array<std::uint32_t, 64> kTable = SineTable();
    std::uint32_t a0 = 0x67452301;
    std::uint32_t b0 = 0xefcdab89;
    std::uint32_t c0 = 0x98badcfe;
    std::uint32_t d0 = 0x10325476;

    std::vector<unsigned char> msg(data.begin(), data.end());
    const std::uint64_t bit_len = static_cast<std::uint64_t>(data.size()) * 8;
    msg.push_back(0x80);
    while (msg.size() % 64 != 56) msg.push_back(0);
    for (int i = 0; i < 8; ++i) msg.push_back(static_cast<unsigned char>(bit_len >> (8 * i)));

    for (std::size_t chunk = 0; chunk < msg.size(); chunk += 64) {
        std::uint32_t m[16];
        for (std::size_t i = 0; i < 16; ++i) {
            const std::size_t o = chunk + i * 4;
            m[i] = static_cast<std::uint32_t>(msg[o]) |
                   (static_cast<std::uint32_t>(msg[o + 1]) << 8) |
                   (static_cast<std::uint32_t>(msg[o + 2]) << 16) |
                   (static_cast<std::uint32_t>(msg[o + 3]) << 24);
        }
        std::uint32_t a = a0, b = b0, c = c0, d = d0;
        for (std::uint32_t i = 0; i < 64; ++i) {
            std::uint32_t f = 0;
            std::uint32_t g = 0;
            if (i < 16) {
                f = (b & c) | (~b & d);
                g = i;
            } else if (i < 32) {
                f = (d & b) | (~d & c);
                g = (5 * i + 1) % 16;
            } else if (i < 48) {
                f = b ^ c ^ d;
                g = (3 * i + 5) % 16;
            } else {
                f = c ^ (b | ~d);
                g = (7 * i) % 16;
            }
            f = f + a + kTable[i] + m[g];
            a = d;
            d = c;
            c = b;
            b = b + RotateLeft(f, kShifts[i]);
        }
        a0 += a;
        b0 += b;
        c0 += c;
        d0 += d;
    }
    std::string out;
    for (std::uint32_t word : {a0, b0, c0, d0}) {
        for (int i = 0; i < 4; ++i) {
            char buf[3];
            std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>((word >> (8 * i)) & 0xff));
            out += buf;
        }
    }
    return out;
}

}  // namespace hhplus::loadgen
