#include "engine/net/channel.h"

#include "engine/config/config.h"

namespace raftlab::net {

std::shared_ptr<grpc::Channel> make_channel(const std::string& address,
                                            std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
    // Each channel gets its own connection so one peer's trouble (a paused
    // process with a full flow-control window) never stalls another's.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    args.SetMaxSendMessageSize(64 << 20);
    if (!credentials) credentials = grpc::InsecureChannelCredentials();
    return grpc::CreateCustomChannel(config::dial_address(address), credentials, args);
}

}  // namespace raftlab::net
