#include "engine/api/engine.h"

#include <future>
#include <thread>

#include "engine/server/node.h"

namespace raftlab {
namespace {

template <typename Result, typename Call>
Result wait_for(Call call) {
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    call([promise](Result r) { promise->set_value(std::move(r)); });
    return future.get();
}

}  // namespace

WriteResult Client::put(const std::string& key, const std::string& value) {
    return wait_for<WriteResult>([&](auto done) { node_.put(key, value, std::move(done)); });
}

WriteResult Client::del(const std::string& key) {
    return wait_for<WriteResult>([&](auto done) { node_.del(key, std::move(done)); });
}

WriteResult Client::compare_and_swap(const std::string& key, std::optional<std::string> expected,
                                     const std::string& value) {
    return wait_for<WriteResult>([&](auto done) {
        node_.compare_and_swap(key, std::move(expected), value, std::move(done));
    });
}

ReadResult Client::get(const std::string& key, Consistency consistency) {
    return wait_for<ReadResult>([&](auto done) { node_.get(key, consistency, std::move(done)); });
}

ReadResult Client::scan(const std::string& prefix, std::size_t limit, Consistency consistency) {
    return wait_for<ReadResult>(
        [&](auto done) { node_.scan(prefix, limit, consistency, std::move(done)); });
}

std::unique_ptr<Engine> Engine::start_from_config(const std::filesystem::path& toml_file) {
    return start(config::load_node_config(toml_file));
}

std::unique_ptr<Engine> Engine::start_in_dir(const std::filesystem::path& data_dir) {
    return start(config::default_single_node(data_dir));
}

std::unique_ptr<Engine> Engine::start(config::NodeConfig config) {
    server::NodeOptions options;
    options.config = std::move(config);
    return std::unique_ptr<Engine>(new Engine(server::Node::start(std::move(options))));
}

Engine::Engine(std::unique_ptr<server::Node> node)
    : node_(std::move(node)), client_(std::make_unique<Client>(*node_)) {}

Engine::~Engine() {
    stop();
}

void Engine::stop() {
    if (node_) node_->stop();
}

bool Engine::wait_ready(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto st = node_->status();
        if (st.leader != core::kNoNode && st.applied_index >= st.commit_index &&
            st.commit_index > 0) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

bool Engine::is_leader() const {
    return node_->is_leader();
}
core::NodeId Engine::leader_id() const {
    return node_->leader();
}
core::NodeId Engine::node_id() const {
    return node_->id();
}
const std::string& Engine::address() const {
    return node_->listen_address();
}

void Engine::on_leader_change(std::function<void(core::NodeId, core::Term)> callback) {
    node_->add_leader_observer(std::move(callback));
}

}  // namespace raftlab
