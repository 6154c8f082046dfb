// CRC32C (Castagnoli), the checksum RocksDB and iSCSI use: the SSE4.2 crc32
// instruction when the CPU has it, a table otherwise. Chaining works:
// crc32c(b, crc32c(a)) == crc32c(a + b).
#include <array>
#include <cstring>

#include "engine/storage/storage.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace raftlab::storage {
namespace {

constexpr std::uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial

constexpr std::array<std::uint32_t, 256> make_table() {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k)
            c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
        table[i] = c;
    }
    return table;
}
constexpr auto kTable = make_table();

std::uint32_t crc_table(std::uint32_t c, const unsigned char* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        c = kTable[(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) std::uint32_t crc_hw(std::uint32_t c, const unsigned char* p,
                                                       std::size_t n) {
    std::uint64_t c64 = c;
    while (n >= 8) {
        std::uint64_t word;
        std::memcpy(&word, p, 8);
        c64 = _mm_crc32_u64(c64, word);
        p += 8;
        n -= 8;
    }
    c = static_cast<std::uint32_t>(c64);
    while (n-- > 0)
        c = _mm_crc32_u8(c, *p++);
    return c;
}
// __builtin_cpu_init: this initializer may run before libgcc's own one.
const bool kHasSse42 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
}();
#endif

}  // namespace

std::uint32_t crc32c(std::string_view data, std::uint32_t seed) {
    const auto* p = reinterpret_cast<const unsigned char*>(data.data());
    std::uint32_t c = ~seed;
#if defined(__x86_64__)
    if (kHasSse42) return ~crc_hw(c, p, data.size());
#endif
    return ~crc_table(c, p, data.size());
}

}  // namespace raftlab::storage
