#include <QTest>
class TstSimPaper : public QObject {
    Q_OBJECT
};
QTEST_APPLESS_MAIN(TstSimPaper)
#include "tst_sim_paper.moc"
