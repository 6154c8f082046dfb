// [tls] is checked at load: each bad file is one error naming the field, the
// problem and the fix (docs/security.md). Certificates are made at test time.
#include <QTemporaryDir>
#include <QtTest>
#include <filesystem>
#include <fstream>

#include "certs.h"
#include "engine/config/config.h"

using namespace raftlab;
using namespace raftlab::testing;

namespace {

std::string config_with(const std::string& tls) {
    return "[cluster]\nnode_id = 1\nlisten_address = \"127.0.0.1:9081\"\n"
           "initial_cluster = [ { id = 1, address = \"127.0.0.1:9081\" } ]\n" +
           tls;
}

std::string tls_section(const std::string& cert, const std::string& key, const std::string& ca) {
    return "[tls]\ncert_file = \"" + cert + "\"\nkey_file = \"" + key + "\"\nca_file = \"" + ca +
           "\"\n";
}

// The loader's message for `text`, or "" if it loaded.
std::string error_of(const std::string& text) {
    try {
        config::parse_node_config(text, "n1.toml");
    } catch (const config::ConfigError& e) {
        return e.what();
    }
    return {};
}

}  // namespace

class TestTlsConfig : public QObject {
    Q_OBJECT

    QTemporaryDir tmp_;
    std::unique_ptr<TestCerts> certs_;

  private slots:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        certs_ = std::make_unique<TestCerts>(tmp_.path().toStdString());
        if (!certs_->ok()) QSKIP(certs_->error().c_str());
        QVERIFY(certs_->issue("n1"));
        QVERIFY(certs_->issue("n2"));
        QVERIFY(certs_->issue("stranger", "otherca"));
        QVERIFY(certs_->issue("nosan", "ca", ""));
        QVERIFY(certs_->issue("elsewhere", "ca", "IP:10.1.2.3"));
    }

    void good_files_load() {
        const auto& c = *certs_;
        auto cfg = config::parse_node_config(
            config_with(tls_section(c.pem("n1"), c.key("n1"), c.pem("ca"))), "n1.toml");
        QVERIFY(cfg.tls.enabled);
        QVERIFY(cfg.tls.require_client_cert);  // mTLS unless the file says otherwise
        QCOMPARE(cfg.tls.cert_file.string(), c.pem("n1"));
        auto off = config::parse_node_config(
            config_with(tls_section(c.pem("n1"), c.key("n1"), c.pem("ca")) +
                        "enabled = false\nrequire_client_cert = false\n"),
            "n1.toml");
        QVERIFY(!off.tls.enabled);
        QVERIFY(!off.tls.require_client_cert);
        auto none = config::parse_node_config(config_with(""), "n1.toml");
        QVERIFY(!none.tls.enabled);
    }

    void bad_files_are_refused_data() {
        QTest::addColumn<QString>("tls");
        QTest::addColumn<QString>("expected");
        const auto& c = *certs_;
        const std::string dir = tmp_.path().toStdString();
        auto row = [](const char* name, const std::string& tls, const std::string& expected) {
            QTest::newRow(name) << QString::fromStdString(tls) << QString::fromStdString(expected);
        };
        row("missing key_file", "[tls]\ncert_file = \"" + c.pem("n1") + "\"\nca_file = \"x\"\n",
            "tls.key_file is missing while [tls] is on; add key_file = ");
        row("no such cert", tls_section(dir + "/nope.pem", c.key("n1"), c.pem("ca")),
            "tls.cert_file = \"" + dir + "/nope.pem\" does not exist");
        row("directory", tls_section(dir, c.key("n1"), c.pem("ca")),
            "tls.cert_file = \"" + dir + "\" is not a regular file");
        row("key as cert", tls_section(c.key("n1"), c.key("n1"), c.pem("ca")),
            "holds no PEM certificate");
        row("cert as key", tls_section(c.pem("n1"), c.pem("n1"), c.pem("ca")),
            "tls.key_file = \"" + c.pem("n1") + "\" holds no unencrypted PEM private key");
        row("key of another cert", tls_section(c.pem("n1"), c.key("n2"), c.pem("ca")),
            "does not belong to the certificate in " + c.pem("n1") + " (/CN=n1)");
        row("other CA", tls_section(c.pem("stranger"), c.key("stranger"), c.pem("ca")),
            "(/CN=stranger) does not verify against tls.ca_file");
        row("no SAN", tls_section(c.pem("nosan"), c.key("nosan"), c.pem("ca")),
            "does not name 127.0.0.1, the host peers dial for this node");
        row("SAN of another host", tls_section(c.pem("elsewhere"), c.key("elsewhere"), c.pem("ca")),
            "issue it with subjectAltName = IP:127.0.0.1");
        {
            std::ofstream huge(dir + "/huge.pem");
            huge << std::string(2u << 20, 'A');
        }
        row("huge file", tls_section(c.pem("n1"), c.key("n1"), dir + "/huge.pem"),
            "tls.ca_file = \"" + dir + "/huge.pem\" is 2097152 bytes, too large for a PEM file");
        row("unknown key", tls_section(c.pem("n1"), c.key("n1"), c.pem("ca")) + "ciphers = 1\n",
            "tls.ciphers is not a known key; valid keys in tls are enabled, cert_file");
    }

    void bad_files_are_refused() {
        QFETCH(QString, tls);
        QFETCH(QString, expected);
        const std::string error = error_of(config_with(tls.toStdString()));
        QVERIFY2(error.find(expected.toStdString()) != std::string::npos, error.c_str());
        // Never key material in a message, only paths and names.
        for (const char* name : {"n1", "n2", "stranger"}) {
            std::ifstream in(certs_->key(name));
            std::string line;
            while (std::getline(in, line)) {
                if (line.rfind("-----", 0) == 0) continue;
                QVERIFY2(error.find(line) == std::string::npos, error.c_str());
            }
        }
    }

    void group_readable_key_is_a_warning() {
        const auto& c = *certs_;
        std::filesystem::permissions(c.key("n1"), std::filesystem::perms(0644));
        auto cfg = config::parse_node_config(
            config_with(tls_section(c.pem("n1"), c.key("n1"), c.pem("ca"))), "n1.toml");
        bool warned = false;
        for (const auto& w : cfg.warnings)
            warned =
                warned || w.find("can be read by other users; chmod 600 it") != std::string::npos;
        QVERIFY(warned);
        std::filesystem::permissions(c.key("n1"), std::filesystem::perms(0600));
        cfg = config::parse_node_config(
            config_with(tls_section(c.pem("n1"), c.key("n1"), c.pem("ca"))), "n1.toml");
        QVERIFY(cfg.warnings.empty());
    }
};

QTEST_APPLESS_MAIN(TestTlsConfig)
#include "test_tls_config.moc"
