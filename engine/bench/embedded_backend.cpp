// Raft Lab embedded: three Nodes (the Node that engine/api's Engine wraps)
// inside this process, peers over loopback gRPC, each with its own RocksDB
// and fsync on. Callers call the leader's Node directly and asynchronously:
// no client RPC, no serialisation of the request. This measures the engine
// without the client hop, for comparison with the standalone figures.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "engine/bench/backend.h"
#include "engine/server/node.h"

namespace raftlab::bench {
namespace {

namespace fs = std::filesystem;

int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

// Follows a NotLeader answer to the node it names (at most 3 hops), as a
// remote client follows the hint: a leader change during the run is not an
// error unless no leader is known.
class EmbeddedCaller final : public Caller {
  public:
    EmbeddedCaller(std::vector<std::unique_ptr<server::Node>>& nodes, server::Node& leader,
                   Listener* listener)
        : nodes_(nodes), node_(&leader), listener_(listener) {}

    void put(const std::string& key, const std::string& value) override {
        hops_ = 0;
        key_ = &key;
        value_ = &value;
        send_put();
    }

    void get(const std::string& key, bool linearizable) override {
        node_->get(
            key, linearizable ? server::Consistency::Linearizable : server::Consistency::Eventual,
            [this](server::ReadResult g) {
                OpResult r;
                r.ok = g.error.ok();
                if (!r.ok) {
                    r.error = std::string(server::to_string(g.error.code)) + ": " + g.error.message;
                } else if (g.value) {
                    r.found = true;
                    r.value = std::move(*g.value);
                }
                listener_->on_done(r);
            });
    }

  private:
    void send_put() {
        node_->put(*key_, *value_, [this](server::WriteResult w) {
            if (w.error.code == server::Code::NotLeader && hops_ < 3) {
                for (auto& n : nodes_) {
                    if (n->id() == w.error.leader) {
                        ++hops_;
                        node_ = n.get();
                        return send_put();
                    }
                }
            }
            OpResult r;
            r.ok = w.error.ok();
            if (!r.ok) {
                r.error = std::string(server::to_string(w.error.code)) + ": " + w.error.message;
            }
            listener_->on_done(r);
        });
    }

    std::vector<std::unique_ptr<server::Node>>& nodes_;
    server::Node* node_;
    Listener* listener_;
    int hops_ = 0;
    const std::string* key_ = nullptr;
    const std::string* value_ = nullptr;
};

class EmbeddedBackend final : public Backend {
  public:
    ~EmbeddedBackend() override {
        for (auto& n : nodes_)
            n->stop();
        nodes_.clear();
        std::error_code ec;
        if (remove_dir_) fs::remove_all(dir_, ec);
    }

    bool start(const Options& options, std::string* error) {
        if (options.data_dir.empty()) {
            char tmpl[] = "/tmp/raftlab-bench-XXXXXX";
            if (!::mkdtemp(tmpl)) {
                *error = "cannot create a temp dir in /tmp; give --data-dir";
                return false;
            }
            dir_ = tmpl;
            remove_dir_ = true;
        } else {
            dir_ = options.data_dir;
            std::error_code ec;
            if (fs::exists(dir_, ec) && !fs::is_empty(dir_, ec)) {
                *error = "--data-dir " + dir_.string() +
                         " is not empty; give an empty or new directory (the embedded "
                         "cluster starts fresh)";
                return false;
            }
            fs::create_directories(dir_, ec);
        }
        std::vector<std::string> addresses;
        for (int i = 0; i < 3; ++i)
            addresses.push_back("127.0.0.1:" + std::to_string(free_port()));
        try {
            for (int id = 1; id <= 3; ++id) {
                std::string toml =
                    "[cluster]\ncluster_id = \"bench\"\nnode_id = " + std::to_string(id) +
                    "\nlisten_address = \"" + addresses[id - 1] + "\"\ndb_root_dir = \"" +
                    dir_.string() + "\"\ninitial_cluster = [\n";
                for (int j = 1; j <= 3; ++j) {
                    toml += "  { id = " + std::to_string(j) + ", address = \"" + addresses[j - 1] +
                            "\", role = 0, status = 2 },\n";
                }
                toml += "]\n";
                server::NodeOptions no;
                no.config = config::parse_node_config(toml, "<raftlab-bench embedded>");
                no.op_timeout = std::chrono::milliseconds(options.rpc_timeout_ms);
                nodes_.push_back(server::Node::start(std::move(no)));
            }
        } catch (const std::exception& e) {
            *error = std::string("cannot start the embedded cluster: ") + e.what();
            return false;
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (std::chrono::steady_clock::now() < deadline) {
            for (auto& n : nodes_) {
                auto st = n->status();
                if (n->is_leader() && st.commit_index > 0 && st.applied_index >= st.commit_index) {
                    leader_ = n.get();
                    return true;
                }
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        *error = "the embedded 3-node cluster elected no leader within 15 s (machine overloaded?)";
        return false;
    }

    std::unique_ptr<Caller> make_caller(std::size_t, Listener* listener) override {
        return std::make_unique<EmbeddedCaller>(nodes_, *leader_, listener);
    }

    std::string describe() const override {
        return "Raft Lab embedded: 3 nodes in this process, data in " + dir_.string() +
               ", callers on leader node " + std::to_string(leader_->id());
    }

  private:
    fs::path dir_;
    bool remove_dir_ = false;
    std::vector<std::unique_ptr<server::Node>> nodes_;
    server::Node* leader_ = nullptr;
};

}  // namespace

std::unique_ptr<Backend> make_embedded_backend(const Options& options, std::string* error) {
    auto backend = std::make_unique<EmbeddedBackend>();
    if (!backend->start(options, error)) return nullptr;
    return backend;
}

}  // namespace raftlab::bench
