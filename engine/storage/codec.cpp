#include "engine/storage/codec.h"

namespace raftlab::storage::codec {

void put_u8(std::string& out, std::uint8_t v) {
    out.push_back(static_cast<char>(v));
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>(v >> shift));
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>(v >> shift));
}

void put_bytes(std::string& out, std::string_view bytes) {
    put_u32(out, static_cast<std::uint32_t>(bytes.size()));
    out.append(bytes);
}

bool Reader::u8(std::uint8_t& v) {
    if (in_.empty()) return false;
    v = static_cast<std::uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
}

bool Reader::u32(std::uint32_t& v) {
    if (in_.size() < 4) return false;
    v = 0;
    for (int i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<std::uint8_t>(in_[i]);
    in_.remove_prefix(4);
    return true;
}

bool Reader::u64(std::uint64_t& v) {
    if (in_.size() < 8) return false;
    v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | static_cast<std::uint8_t>(in_[i]);
    in_.remove_prefix(8);
    return true;
}

bool Reader::bytes_view(std::string_view& v) {
    std::uint32_t n = 0;
    if (!u32(n) || n > in_.size()) return false;
    v = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
}

bool Reader::bytes(std::string& v) {
    std::string_view view;
    if (!bytes_view(view)) return false;
    v.assign(view);
    return true;
}

std::string u64_key(std::uint64_t v) {
    std::string out;
    out.reserve(8);
    put_u64(out, v);
    return out;
}

std::uint64_t decode_u64_key(std::string_view key) {
    std::uint64_t v = 0;
    Reader(key).u64(v);
    return v;
}

namespace {
constexpr std::uint8_t kVersion = 1;
}

std::string encode(const core::Entry& e) {
    std::string out;
    out.reserve(e.data.size() + 32);
    put_u8(out, kVersion);
    put_u64(out, e.term);
    put_u64(out, e.index);
    put_u8(out, static_cast<std::uint8_t>(e.type));
    put_bytes(out, e.data);
    put_u8(out, e.membership ? 1 : 0);
    if (e.membership) encode_membership(out, *e.membership);
    return out;
}

std::optional<core::Entry> decode_entry(std::string_view bytes) {
    Reader in(bytes);
    core::Entry e;
    std::uint8_t version = 0, type = 0, has_membership = 0;
    if (!in.u8(version) || version != kVersion || !in.u64(e.term) || !in.u64(e.index) ||
        !in.u8(type) || type > 2 || !in.bytes(e.data) || !in.u8(has_membership)) {
        return std::nullopt;
    }
    e.type = static_cast<core::EntryType>(type);
    if (has_membership) {
        core::Membership m;
        if (!decode_membership(in, m)) return std::nullopt;
        e.membership = std::move(m);
    }
    if (!in.done()) return std::nullopt;
    return e;
}

std::string encode(const core::HardState& hs) {
    std::string out;
    put_u8(out, kVersion);
    put_u64(out, hs.term);
    put_u64(out, hs.vote);
    put_u64(out, hs.commit);
    return out;
}

std::optional<core::HardState> decode_hard_state(std::string_view bytes) {
    Reader in(bytes);
    core::HardState hs;
    std::uint8_t version = 0;
    if (!in.u8(version) || version != kVersion || !in.u64(hs.term) || !in.u64(hs.vote) ||
        !in.u64(hs.commit) || !in.done()) {
        return std::nullopt;
    }
    return hs;
}

void encode_membership(std::string& out, const core::Membership& m) {
    put_u32(out, static_cast<std::uint32_t>(m.members.size()));
    for (const auto& [id, member] : m.members) {
        put_u64(out, id);
        put_bytes(out, member.address);
        put_u8(out, member.voter ? 1 : 0);
        put_u8(out, static_cast<std::uint8_t>(member.status));
    }
}

bool decode_membership(Reader& in, core::Membership& m) {
    std::uint32_t count = 0;
    if (!in.u32(count)) return false;
    for (std::uint32_t i = 0; i < count; ++i) {
        core::Member member;
        std::uint8_t voter = 0, status = 0;
        if (!in.u64(member.id) || !in.bytes(member.address) || !in.u8(voter) || voter > 1 ||
            !in.u8(status) || status > 2) {
            return false;
        }
        member.voter = voter == 1;
        member.status = static_cast<core::NodeStatus>(status);
        m.members[member.id] = std::move(member);
    }
    return true;
}

std::string encode(const core::Membership& m) {
    std::string out;
    put_u8(out, kVersion);
    encode_membership(out, m);
    return out;
}

std::optional<core::Membership> decode_membership(std::string_view bytes) {
    Reader in(bytes);
    std::uint8_t version = 0;
    core::Membership m;
    if (!in.u8(version) || version != kVersion || !decode_membership(in, m) || !in.done()) {
        return std::nullopt;
    }
    return m;
}

std::string encode(const core::SnapshotMeta& meta) {
    std::string out;
    put_u8(out, kVersion);
    put_u64(out, meta.index);
    put_u64(out, meta.term);
    encode_membership(out, meta.membership);
    return out;
}

std::optional<core::SnapshotMeta> decode_snapshot_meta(std::string_view bytes) {
    Reader in(bytes);
    std::uint8_t version = 0;
    core::SnapshotMeta meta;
    if (!in.u8(version) || version != kVersion || !in.u64(meta.index) || !in.u64(meta.term) ||
        !decode_membership(in, meta.membership) || !in.done()) {
        return std::nullopt;
    }
    return meta;
}

}  // namespace raftlab::storage::codec
