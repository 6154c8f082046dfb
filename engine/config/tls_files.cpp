// The [tls] section's files, checked when the config is loaded so that a
// wrong path, a key that belongs to another certificate or a certificate from
// another CA is one clear line at start, not a cluster whose handshakes fail
// silently later. OpenSSL's libcrypto parses the PEM; nothing is logged, and
// no message ever contains key material (only paths and certificate names).
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "engine/config/config.h"

namespace raftlab::config {
namespace {

struct BioFree {
    void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
    void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
    void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct CtxFree {
    void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using Bio = std::unique_ptr<BIO, BioFree>;
using Cert = std::unique_ptr<X509, X509Free>;
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;

std::string subject_of(X509* cert) {
    char buf[256] = {};
    X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf - 1);
    return buf;
}

class TlsChecker {
  public:
    explicit TlsChecker(NodeConfig& c) : c_(c) {}

    [[noreturn]] void fail(const std::string& field, const std::string& problem,
                           const std::string& fix) const {
        ERR_clear_error();
        throw ConfigError(c_.source, field, problem, fix);
    }

    // The file's bytes; every way of not getting them is its own message.
    std::string read(const std::string& field, const std::filesystem::path& path) const {
        if (path.empty()) {
            fail(field, "is missing while [tls] is on",
                 "add " + field.substr(4) +
                     " = \"path/to/file.pem\", or set enabled = false in [tls]");
        }
        std::error_code ec;
        const auto status = std::filesystem::status(path, ec);
        if (ec || !std::filesystem::exists(status)) {
            fail(field, "= \"" + path.string() + "\" does not exist",
                 "check the path (relative paths start at the working directory " +
                     std::filesystem::current_path().string() + ")");
        }
        if (!std::filesystem::is_regular_file(status)) {
            fail(field, "= \"" + path.string() + "\" is not a regular file",
                 "point it at a PEM file");
        }
        // PEM certificates and keys are a few KiB; a huge file is a wrong
        // path (and must not be read into memory whole).
        constexpr std::uintmax_t kMaxPemBytes = 1u << 20;
        const auto size = std::filesystem::file_size(path, ec);
        if (!ec && size > kMaxPemBytes) {
            fail(field,
                 "= \"" + path.string() + "\" is " + std::to_string(size) +
                     " bytes, too large for a PEM file",
                 "point it at the PEM certificate or key itself");
        }
        std::ifstream in(path, std::ios::binary);
        std::ostringstream text;
        if (in) text << in.rdbuf();
        if (!in || in.bad()) {
            fail(field, "= \"" + path.string() + "\" cannot be read",
                 "give the user running raftlab-node read permission on it");
        }
        if (text.str().empty()) {
            fail(field, "= \"" + path.string() + "\" is empty", "point it at a PEM file");
        }
        return text.str();
    }

    std::vector<Cert> certificates(const std::string& field, const std::filesystem::path& path,
                                   const std::string& pem) const {
        Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        std::vector<Cert> out;
        while (X509* x = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))
            out.emplace_back(x);
        ERR_clear_error();  // the end of the file reads as an error
        if (out.empty()) {
            fail(field, "= \"" + path.string() + "\" holds no PEM certificate",
                 "it must contain a \"-----BEGIN CERTIFICATE-----\" block (openssl x509 -in " +
                     path.string() + " -text shows what it holds)");
        }
        return out;
    }

    Key private_key(const std::filesystem::path& path, const std::string& pem) const {
        Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        // A null password callback with no password: an encrypted key fails
        // here rather than prompting on the terminal.
        Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, const_cast<char*>("")));
        if (!key) {
            fail("tls.key_file", "= \"" + path.string() + "\" holds no unencrypted PEM private key",
                 "it must contain a \"-----BEGIN PRIVATE KEY-----\" block without a passphrase");
        }
        return key;
    }

    void run() {
        const auto& t = c_.tls;
        const std::string cert_pem = read("tls.cert_file", t.cert_file);
        const std::string key_pem = read("tls.key_file", t.key_file);
        const std::string ca_pem = read("tls.ca_file", t.ca_file);
        auto chain = certificates("tls.cert_file", t.cert_file, cert_pem);
        auto cas = certificates("tls.ca_file", t.ca_file, ca_pem);
        Key key = private_key(t.key_file, key_pem);
        X509* leaf = chain.front().get();

        if (X509_check_private_key(leaf, key.get()) != 1) {
            fail("tls.key_file",
                 "= \"" + t.key_file.string() + "\" does not belong to the certificate in " +
                     t.cert_file.string() + " (" + subject_of(leaf) + ")",
                 "use the key the certificate was issued for");
        }

        // The certificate must chain to ca_file now: peers and clients that
        // trust only ca_file would refuse it at every handshake otherwise.
        std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
        for (auto& ca : cas)
            X509_STORE_add_cert(store.get(), ca.get());
        STACK_OF(X509)* untrusted = sk_X509_new_null();
        for (std::size_t i = 1; i < chain.size(); ++i)
            sk_X509_push(untrusted, chain[i].get());
        std::unique_ptr<X509_STORE_CTX, CtxFree> ctx(X509_STORE_CTX_new());
        X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted);
        const int verified = X509_verify_cert(ctx.get());
        const int why = X509_STORE_CTX_get_error(ctx.get());
        sk_X509_free(untrusted);
        if (verified != 1) {
            fail("tls.cert_file",
                 "= \"" + t.cert_file.string() + "\" (" + subject_of(leaf) +
                     ") does not verify against tls.ca_file = \"" + t.ca_file.string() +
                     "\": " + X509_verify_cert_error_string(why),
                 "issue the node's certificate from the CA in ca_file (the same CA on every "
                 "node), and check its validity dates");
        }

        // Peers dial this node at its initial_cluster address and check that
        // the certificate names that host (RFC 6125).
        const auto hp = parse_host_port(dial_address(c_.self().address));
        if (hp) {
            const bool ip = X509_check_ip_asc(leaf, hp->host.c_str(), 0) == 1;
            const bool dns =
                !ip && X509_check_host(leaf, hp->host.c_str(), hp->host.size(), 0, nullptr) == 1;
            if (!ip && !dns) {
                fail("tls.cert_file",
                     "= \"" + t.cert_file.string() + "\" (" + subject_of(leaf) +
                         ") does not name " + hp->host +
                         ", the host peers dial for this node, in its subjectAltName",
                     "issue it with subjectAltName = IP:" + hp->host +
                         " (or DNS:<name> if peers dial a name)");
            }
        }

        struct stat st {};
        if (::stat(t.key_file.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
            c_.warnings.push_back(c_.source + ": tls.key_file \"" + t.key_file.string() +
                                  "\" can be read by other users; chmod 600 it");
        }
        ERR_clear_error();
    }

  private:
    NodeConfig& c_;
};

}  // namespace

void check_tls_files(NodeConfig& config) {
    TlsChecker(config).run();
}

}  // namespace raftlab::config
