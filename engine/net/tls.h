// gRPC credentials from the [tls] section (docs/security.md). One place turns
// PEM files into server and channel credentials, so the node's server, its
// per-peer clients, the joiner and raftlab-ctl all speak the same TLS.
//
// With require_client_cert the server asks every connection for a certificate
// signed by the CA and refuses the handshake without one (mTLS): a process
// without a valid certificate never reaches a service, peer or client.
#pragma once

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/config/config.h"

namespace raftlab::net {

// PEM text, never logged.
struct TlsMaterial {
    std::string cert_chain;   // may be empty for a client without a certificate
    std::string private_key;  // empty iff cert_chain is
    std::string ca;           // the CA bundle used to verify the other side
    bool require_client_cert = true;
};

// Reads the files; throws std::runtime_error naming the file that failed.
// nullopt when [tls] is off.
std::optional<TlsMaterial> load_tls(const config::TlsSection& section);

// For a client (raftlab-ctl, RemoteClient): `ca_file` required, `cert_file`
// and `key_file` both or neither. Throws std::runtime_error.
TlsMaterial load_client_tls(const std::filesystem::path& ca_file,
                            const std::filesystem::path& cert_file,
                            const std::filesystem::path& key_file);

// Insecure (plaintext) credentials when `tls` is null.
std::shared_ptr<grpc::ServerCredentials> server_credentials(const TlsMaterial* tls);
std::shared_ptr<grpc::ChannelCredentials> channel_credentials(const TlsMaterial* tls);

}  // namespace raftlab::net
