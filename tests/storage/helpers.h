// Small builders shared by the storage suites.
#pragma once

#include <QTemporaryDir>
#include <QTest>

#include "engine/storage/storage.h"

namespace raftlab::storage::test {

inline core::Entry entry(core::Index index, core::Term term, std::string data = {}) {
    core::Entry e;
    e.index = index;
    e.term = term;
    e.data = std::move(data);
    return e;
}

inline core::Entry put_entry(core::Index index, core::Term term, std::string key,
                             std::string value) {
    return entry(index, term, encode_command(Command::put(std::move(key), std::move(value))));
}

inline core::Membership voters(std::initializer_list<core::NodeId> ids) {
    core::Membership m;
    for (auto id : ids) {
        m.members[id] = core::Member{id, "127.0.0.1:" + std::to_string(9080 + id), true,
                                     core::NodeStatus::Active};
    }
    return m;
}

inline std::filesystem::path path(const QTemporaryDir& dir, const char* sub = "node1") {
    return std::filesystem::path(dir.path().toStdString()) / sub;
}

}  // namespace raftlab::storage::test
