#include "certs.h"

#include <QProcess>
#include <QStringList>
#include <fstream>

namespace raftlab::testing {

bool have_openssl() {
    QProcess p;
    p.start("openssl", {"version"});
    return p.waitForFinished(10000) && p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool TestCerts::openssl(const std::string& args) {
    QProcess p;
    p.setWorkingDirectory(QString::fromStdString(dir_));
    p.start("openssl", QString::fromStdString(args).split(' ', Qt::SkipEmptyParts));
    if (!p.waitForFinished(30000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0) {
        error_ = "openssl " + args + " failed: " + p.readAllStandardError().toStdString();
        return false;
    }
    return true;
}

TestCerts::TestCerts(std::string dir) : dir_(std::move(dir)) {
    if (!have_openssl()) {
        error_ = "the openssl CLI is not installed (Debian package openssl)";
        return;
    }
    for (const char* ca : {"ca", "otherca"}) {
        const std::string name(ca);
        if (!openssl("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
                     name + ".key -out " + name + ".pem -days 2 -subj /CN=raftlab-test-" + name)) {
            return;
        }
    }
}

bool TestCerts::issue(const std::string& name, const std::string& ca, const std::string& san) {
    if (!ok()) return false;
    {
        std::ofstream ext(dir_ + "/" + name + ".ext");
        if (!san.empty()) ext << "subjectAltName=" << san << "\n";
        ext << "extendedKeyUsage=serverAuth,clientAuth\n";
    }
    return openssl("req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + name +
                   ".key -out " + name + ".csr -subj /CN=" + name) &&
           openssl("x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey " + ca +
                   ".key -CAcreateserial -out " + name + ".pem -days 2 -extfile " + name + ".ext");
}

}  // namespace raftlab::testing
