#include "gui/views/palette.h"

#include <array>

namespace raftlab::gui {

LabPalette& LabPalette::instance() {
    static LabPalette p;
    return p;
}

QColor LabPalette::role(Role r) const {
    switch (r) {
        case Role::Follower:
            return QColor(0x56, 0xB4, 0xE9);  // sky blue
        case Role::Candidate:
            return QColor(0xE6, 0x9F, 0x00);  // orange
        case Role::PreCandidate:
            return QColor(0xF0, 0xE4, 0x42);  // yellow
        case Role::Leader:
            return QColor(0x00, 0x9E, 0x73);  // bluish green
        case Role::Learner:
            return QColor(0xCC, 0x79, 0xA7);  // reddish purple
    }
    return Qt::gray;
}

QColor LabPalette::term(Term t) const {
    // Okabe–Ito minus black, then lighter tints: neighbouring terms differ.
    static const std::array<QColor, 8> kTerms = {
        QColor(0x56, 0xB4, 0xE9), QColor(0xE6, 0x9F, 0x00), QColor(0x00, 0x9E, 0x73),
        QColor(0xCC, 0x79, 0xA7), QColor(0x00, 0x72, 0xB2), QColor(0xF0, 0xE4, 0x42),
        QColor(0xD5, 0x5E, 0x00), QColor(0x99, 0x99, 0x99)};
    if (t == 0) return QColor(0xDD, 0xDD, 0xDD);
    return kTerms[(t - 1) % kTerms.size()];
}

QColor LabPalette::message(MsgFamily f) const {
    switch (f) {
        case MsgFamily::Heartbeat:
            return QColor(0x56, 0xB4, 0xE9);  // sky blue
        case MsgFamily::Append:
            return QColor(0x00, 0x72, 0xB2);  // blue
        case MsgFamily::Vote:
            return QColor(0xE6, 0x9F, 0x00);  // orange
        case MsgFamily::Snapshot:
            return QColor(0xCC, 0x79, 0xA7);  // reddish purple
        case MsgFamily::Other:
            return QColor(0x66, 0x66, 0x66);
    }
    return Qt::gray;
}

QFont LabPalette::font(qreal points, bool bold) const {
    QFont f;
    f.setPointSizeF(points);
    f.setBold(bold);
    return f;
}

}  // namespace raftlab::gui
