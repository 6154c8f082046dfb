// raftlab-node children of this test process that are still alive, read from
// /proc: the GUI tests check with it that closing the window leaves none.
#pragma once

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QString>
#include <QStringList>
#include <set>

namespace raftlab::gui::test {

// A zombie (already dead but not yet reaped) does not count.
inline std::set<int> node_children() {
    std::set<int> out;
    const QString me = QString::number(QCoreApplication::applicationPid());
    for (const QString& pid : QDir(QStringLiteral("/proc")).entryList(QDir::Dirs)) {
        bool numeric = false;
        pid.toInt(&numeric);
        if (!numeric) continue;
        QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
        if (!stat.open(QIODevice::ReadOnly)) continue;
        const QString line = QString::fromLatin1(stat.readAll());
        // pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
        const int close = line.lastIndexOf(')');
        const QString comm = line.mid(line.indexOf('(') + 1, close - line.indexOf('(') - 1);
        const QStringList rest = line.mid(close + 2).split(' ');
        if (rest.size() < 2) continue;
        if (comm.startsWith(QStringLiteral("raftlab-node")) && rest[1] == me && rest[0] != "Z") {
            out.insert(pid.toInt());
        }
    }
    return out;
}

}  // namespace raftlab::gui::test
