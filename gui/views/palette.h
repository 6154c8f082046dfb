// Colours and sizes of the whole lab in one place. The default palette is
// Okabe–Ito, which stays distinguishable for the common kinds of colour
// blindness; every role also has its own shape and label, so colour is never
// the only cue. Classroom mode makes text large and contrast high for a
// projector at the back of a room.
#pragma once

#include <QColor>
#include <QFont>
#include <QPen>

#include "gui/model/cluster_state.h"
#include "gui/model/event.h"

namespace raftlab::gui {

class LabPalette {
  public:
    static LabPalette& instance();

    bool classroom() const { return classroom_; }
    void setClassroom(bool on) { classroom_ = on; }

    QColor role(Role r) const;
    QColor term(Term t) const;  // RaftScope colours entries by term
    QColor message(MsgFamily f) const;
    QColor cut() const { return QColor(0xD5, 0x5E, 0x00); }  // vermillion
    QColor warning() const { return QColor(0xD5, 0x5E, 0x00); }
    QColor killed() const { return QColor(0x9E, 0x9E, 0x9E); }
    QColor ink() const { return classroom_ ? Qt::black : QColor(0x20, 0x20, 0x20); }
    QColor faint() const {
        return classroom_ ? QColor(0x60, 0x60, 0x60) : QColor(0x90, 0x90, 0x90);
    }
    QColor background() const { return Qt::white; }
    QColor lane() const { return classroom_ ? QColor(0xE0, 0xE0, 0xE0) : QColor(0xF2, 0xF2, 0xF2); }

    // Point sizes for labels inside the views.
    qreal textSize() const { return classroom_ ? 15 : 9.5; }
    qreal smallTextSize() const { return classroom_ ? 12 : 8; }
    qreal titleSize() const { return classroom_ ? 20 : 12; }
    qreal lineWidth() const { return classroom_ ? 3 : 1.6; }
    QFont font(qreal points, bool bold = false) const;

  private:
    bool classroom_ = false;
};

}  // namespace raftlab::gui
