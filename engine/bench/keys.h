// Keys and values the benchmark writes: key i is i in decimal, zero-padded
// to --key-size bytes ("00000042"), so keys are readable in any tool and a
// read can be checked; a key's value is derived from the key alone, so a
// reader knows what it must see whichever write it observes.
#pragma once

#include <cstdint>
#include <string>

namespace raftlab::bench {

// Decimal digits needed for every key below `key_space`.
inline std::size_t digits_for(std::uint64_t key_space) {
    std::size_t n = 1;
    for (std::uint64_t v = key_space > 0 ? key_space - 1 : 0; v >= 10; v /= 10)
        ++n;
    return n;
}

inline void make_key(std::uint64_t index, std::size_t key_size, std::string& out) {
    out.assign(key_size, '0');
    for (std::size_t i = key_size; i > 0 && index > 0; --i, index /= 10)
        out[i - 1] = static_cast<char>('0' + index % 10);
}

inline void make_value(const std::string& key, std::size_t val_size, std::string& out) {
    out.resize(val_size);
    const std::string pattern = key + ".";
    for (std::size_t i = 0; i < val_size; ++i)
        out[i] = pattern[i % pattern.size()];
}

}  // namespace raftlab::bench
