#include "scenarios/runner/kv_call.h"

#include <grpcpp/grpcpp.h>

namespace raftlab::scenario {

namespace {

using lincheck::Outcome;

// What the node's answer means for the history (kv.proto's ErrorCode).
void judge(const pb::Error& e, CallResult& r) {
    switch (e.code()) {
        case pb::OK:
            r.outcome = Outcome::Ok;
            return;
        case pb::NOT_LEADER:
        case pb::NO_LEADER:
        case pb::INVALID_ARGUMENT:
        case pb::RETRY:  // the proposal lost its index to another term: not applied
        case pb::BUSY:
            r.outcome = Outcome::Failed;
            break;
        default:  // TIMEOUT, SHUTTING_DOWN, INTERNAL: it may still commit
            r.outcome = Outcome::Unknown;
            break;
    }
    r.error = pb::ErrorCode_Name(e.code());
    if (!e.message().empty()) r.error += ": " + e.message();
    r.leader_hint = e.leader_id();
    r.retry_elsewhere = true;
}

}  // namespace

int consistency_number(const std::string& name) {
    if (name == "lease") return 1;
    if (name == "eventual") return 2;
    return 0;
}

CallResult call_kv(pb::KV::Stub& stub, const lincheck::Operation& op, int consistency,
                   std::uint64_t timeout_ms) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
    CallResult r;
    grpc::Status st;
    switch (op.kind) {
        case lincheck::OpKind::Put: {
            pb::PutRequest req;
            req.set_key(op.key);
            req.set_value(op.value.value_or(""));
            pb::PutResponse resp;
            st = stub.Put(&ctx, req, &resp);
            if (st.ok()) judge(resp.error(), r);
            break;
        }
        case lincheck::OpKind::Get: {
            pb::GetRequest req;
            req.set_key(op.key);
            req.set_consistency(static_cast<pb::Consistency>(consistency));
            pb::GetResponse resp;
            st = stub.Get(&ctx, req, &resp);
            if (st.ok()) {
                judge(resp.error(), r);
                if (resp.found()) r.value = resp.value();
            }
            break;
        }
        case lincheck::OpKind::Cas: {
            pb::CompareAndSwapRequest req;
            req.set_key(op.key);
            if (op.expected) {
                req.set_expected(*op.expected);
            } else {
                req.set_expect_absent(true);
            }
            req.set_value(op.value.value_or(""));
            pb::CompareAndSwapResponse resp;
            st = stub.CompareAndSwap(&ctx, req, &resp);
            if (st.ok()) {
                judge(resp.error(), r);
                r.swapped = resp.succeeded();
            }
            break;
        }
        case lincheck::OpKind::Delete: {
            pb::DeleteRequest req;
            req.set_key(op.key);
            pb::DeleteResponse resp;
            st = stub.Delete(&ctx, req, &resp);
            if (st.ok()) judge(resp.error(), r);
            break;
        }
    }
    if (!st.ok()) {
        // The request may have reached the node before the connection broke
        // or the deadline passed: its effect is unknown. Only a connection
        // that was never made proves the request never left.
        const bool never_sent = st.error_code() == grpc::StatusCode::UNAVAILABLE &&
                                st.error_message().find("failed to connect") != std::string::npos;
        r.outcome = never_sent ? Outcome::Failed : Outcome::Unknown;
        r.error =
            "gRPC " + std::to_string(static_cast<int>(st.error_code())) + ": " + st.error_message();
        r.retry_elsewhere = true;
    }
    return r;
}

}  // namespace raftlab::scenario
