#include "gui/app/health_panel.h"

#include <QEvent>
#include <QFontMetrics>
#include <QMessageBox>
#include <QPainter>
#include <QPixmap>
#include <QPushButton>
#include <QVBoxLayout>

namespace raftlab::gui {

namespace {

// Okabe–Ito: bluish green, vermillion; grey for "not judged".
QIcon light_icon(Light l) {
    QPixmap pm(28, 28);
    pm.fill(Qt::transparent);
    QPainter p(&pm);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor c = l == Light::Holds      ? QColor(0x00, 0x9E, 0x73)
                     : l == Light::Violated ? QColor(0xD5, 0x5E, 0x00)
                                            : QColor(0xA0, 0xA0, 0xA0);
    p.setPen(QPen(Qt::black, 1.5));
    p.setBrush(c);
    p.drawEllipse(QRectF(2, 2, 24, 24));
    p.setPen(l == Light::Unknown ? Qt::black : Qt::white);
    QFont f = p.font();
    f.setBold(true);
    f.setPixelSize(17);
    p.setFont(f);
    p.drawText(QRectF(2, 2, 24, 24), Qt::AlignCenter,
               l == Light::Holds      ? QStringLiteral("✓")
               : l == Light::Violated ? QStringLiteral("✗")
                                      : QStringLiteral("?"));
    return QIcon(pm);
}

}  // namespace

HealthPanel::HealthPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("healthPanel"));
    auto* v = new QVBoxLayout(this);
    v->setSpacing(2);
    for (int i = 0; i < HealthBoard::kCount; ++i) {
        auto* b = new QPushButton;
        b->setFlat(true);
        b->setIconSize(QSize(24, 24));
        b->setStyleSheet(QStringLiteral("QPushButton { text-align: left; padding: 2px; }"));
        b->setToolTip(tr("Click for the evidence"));
        connect(b, &QPushButton::clicked, this, [this, i] {
            auto* box = new QMessageBox(
                QMessageBox::Information, QString::fromStdString(shown_[i].name),
                evidence(static_cast<HealthBoard::Check>(i)), QMessageBox::Close, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->setObjectName(QStringLiteral("healthEvidence"));
            box->open();  // not modal to the event loop: the lab keeps running
        });
        buttons_[i] = b;
        v->addWidget(b);
    }
    v->addStretch(1);
    show(HealthBoard());
}

QString HealthPanel::evidence(HealthBoard::Check c) const {
    const HealthCheck& h = shown_[c];
    QString text = QStringLiteral("%1\n\nThe rule: %2\n\n")
                       .arg(QString::fromStdString(h.name) + QStringLiteral(": ") +
                                QString::fromLatin1(to_string(h.light)),
                            QString::fromStdString(h.rule));
    if (h.light == Light::Violated)
        text += tr("Evidence (at %1 ms): %2").arg(h.at_ms).arg(QString::fromStdString(h.evidence));
    else
        text += QString::fromStdString(h.evidence.empty() ? h.summary : h.evidence);
    return text;
}

void HealthPanel::show(const std::array<HealthCheck, HealthBoard::kCount>& checks) {
    for (int i = 0; i < HealthBoard::kCount; ++i) {
        const HealthCheck& h = checks[i];
        if (h.light == shown_[i].light && h.summary == shown_[i].summary &&
            h.evidence == shown_[i].evidence && buttons_[i]->icon().cacheKey() != 0)
            continue;
        shown_[i] = h;
        buttons_[i]->setIcon(light_icon(h.light));
        buttons_[i]->setText(QStringLiteral("%1 — %2").arg(QString::fromStdString(h.name),
                                                           QString::fromStdString(h.summary)));
        buttons_[i]->setAccessibleName(QString::fromStdString(h.name) + QStringLiteral(": ") +
                                       QString::fromLatin1(to_string(h.light)));
    }
}

void HealthPanel::changeEvent(QEvent* e) {
    QWidget::changeEvent(e);
    if (e->type() != QEvent::FontChange) return;
    // A button with its own style sheet does not take its parent's font, so
    // classroom mode's larger font is handed on here, and the lights grow
    // with it.
    const int icon = QFontMetrics(font()).height() + 6;
    for (QPushButton* b : buttons_) {
        if (b == nullptr) continue;
        b->setFont(font());
        b->setIconSize(QSize(icon, icon));
    }
}

}  // namespace raftlab::gui
