#include "engine/net/tls.h"

#include <fstream>
#include <sstream>

namespace raftlab::net {
namespace {

std::string read_pem(const std::filesystem::path& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error(std::string(what) + " " + path.string() +
                                 " cannot be opened; check the path and its permissions");
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().empty()) {
        throw std::runtime_error(std::string(what) + " " + path.string() +
                                 " is empty; point it at a PEM file");
    }
    return text.str();
}

}  // namespace

std::optional<TlsMaterial> load_tls(const config::TlsSection& section) {
    if (!section.enabled) return std::nullopt;
    TlsMaterial m;
    m.cert_chain = read_pem(section.cert_file, "tls.cert_file");
    m.private_key = read_pem(section.key_file, "tls.key_file");
    m.ca = read_pem(section.ca_file, "tls.ca_file");
    m.require_client_cert = section.require_client_cert;
    return m;
}

TlsMaterial load_client_tls(const std::filesystem::path& ca_file,
                            const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file) {
    if (ca_file.empty()) {
        throw std::runtime_error(
            "TLS needs the CA that signed the nodes' certificates; give --cacert ca.pem");
    }
    if (cert_file.empty() != key_file.empty()) {
        throw std::runtime_error(
            "a client certificate needs both --cert and --key (the key it was issued for)");
    }
    TlsMaterial m;
    m.ca = read_pem(ca_file, "--cacert");
    if (!cert_file.empty()) {
        m.cert_chain = read_pem(cert_file, "--cert");
        m.private_key = read_pem(key_file, "--key");
    }
    return m;
}

std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsMaterial* tls) {
    if (!tls) return grpc::InsecureServerCredentials();
    grpc::SslServerCredentialsOptions options(
        tls->require_client_cert ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                                 : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    options.pem_root_certs = tls->ca;
    options.pem_key_cert_pairs.push_back({tls->private_key, tls->cert_chain});
    return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const TlsMaterial* tls) {
    if (!tls) return grpc::InsecureChannelCredentials();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = tls->ca;
    // A node presents its own certificate when it dials a peer: with mTLS the
    // peer's server refuses any connection that does not.
    options.pem_private_key = tls->private_key;
    options.pem_cert_chain = tls->cert_chain;
    return grpc::SslCredentials(options);
}

}  // namespace raftlab::net
