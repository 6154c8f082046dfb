// Throwaway certificates for TLS tests, made at test time with the openssl
// CLI (Debian package openssl) inside the test's temp dir: a cluster CA, a
// second unrelated CA, and certificates with subjectAltName IP:127.0.0.1 and
// DNS:localhost for serverAuth and clientAuth (a node uses one certificate
// both to serve and to dial its peers).
#pragma once

#include <string>

namespace raftlab::testing {

class TestCerts {
  public:
    // Makes `ca` and `otherca` in `dir`. ok() is false (with error()) if
    // openssl is missing or fails.
    explicit TestCerts(std::string dir);

    bool ok() const { return error_.empty(); }
    const std::string& error() const { return error_; }

    // <dir>/<name>.pem and <dir>/<name>.key, signed by `ca` ("ca" or
    // "otherca"). `san` empty: no subjectAltName at all.
    bool issue(const std::string& name, const std::string& ca = "ca",
               const std::string& san = "IP:127.0.0.1,DNS:localhost");

    std::string pem(const std::string& name) const { return dir_ + "/" + name + ".pem"; }
    std::string key(const std::string& name) const { return dir_ + "/" + name + ".key"; }

  private:
    bool openssl(const std::string& args);

    std::string dir_;
    std::string error_;
};

// True if the openssl CLI can be run.
bool have_openssl();

}  // namespace raftlab::testing
