#include "redis/resp.hpp"

#include <hiredis/hiredis.h>

#include <array>
#include <memory>
#include <new>

namespace hhplus::redis {
namespace {

// Commands up to this many arguments format without a heap allocation for the argv arrays;
// the service's longest command is an EVALSHA with a handful of keys and arguments.
constexpr std::size_t kInlineArgs = 16;

Reply Convert(const redisReply& r) {
    Reply out;
    switch (r.type) {
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::kString;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::kStatus;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = Reply::Type::kError;
            out.str.assign(r.str, r.len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::kInteger;
            out.integer = r.integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::kArray;
            out.elements.reserve(r.elements);
            for (std::size_t i = 0; i < r.elements; ++i)
                out.elements.push_back(Convert(*r.element[i]));
            break;
        default:  // REDIS_REPLY_NIL
            out.type = Reply::Type::kNil;
            break;
    }
    return out;
}

}  // namespace

void AppendCommand(std::string& out, const std::vector<std::string>& args) {
    std::array<const char*, kInlineArgs> inline_argv;
    std::array<std::size_t, kInlineArgs> inline_lens;
    std::vector<const char*> heap_argv;
    std::vector<std::size_t> heap_lens;
    const char** argv = inline_argv.data();
    std::size_t* lens = inline_lens.data();
    if (args.size() > kInlineArgs) {
        heap_argv.resize(args.size());
        heap_lens.resize(args.size());
        argv = heap_argv.data();
        lens = heap_lens.data();
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        argv[i] = args[i].data();
        lens[i] = args[i].size();
    }
    char* cmd = nullptr;
    const int len = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv, lens);
    if (len < 0 || cmd == nullptr) throw std::bad_alloc();  // hiredis fails only when out of memory
    out.append(cmd, static_cast<std::size_t>(len));
    redisFreeCommand(cmd);
}

ReplyParser::ReplyParser() : reader_(redisReaderCreate()) {
    if (reader_ == nullptr) throw std::bad_alloc();
}

ReplyParser::~ReplyParser() { redisReaderFree(reader_); }

RedisResult<Ok> ReplyParser::Feed(const char* data, std::size_t size) {
    if (redisReaderFeed(reader_, data, size) != REDIS_OK) {
        return Error{Errc::kProtocol, std::string("reply parser: ") + reader_->errstr};
    }
    return Ok{};
}

RedisResult<std::optional<Reply>> ReplyParser::Next() {
    void* raw = nullptr;
    if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
        return Error{Errc::kProtocol, std::string("reply parser: ") + reader_->errstr};
    }
    if (raw == nullptr) return std::optional<Reply>();
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                       freeReplyObject);
    return std::optional<Reply>(Convert(*reply));
}

}  // namespace hhplus::redis
