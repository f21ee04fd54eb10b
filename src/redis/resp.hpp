#pragma once
// RESP2 on the wire: formatting commands and parsing replies, both through hiredis and both pure
// (no I/O), so they are unit-tested and benchmarked on their own. The rest of src/redis never
// includes <hiredis.h>.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "redis/client.hpp"

struct redisReader;

namespace hhplus::redis {

// Appends `args` as one RESP2 multi-bulk command ("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n") to `out`.
// Binary-safe: arguments may hold any bytes, NUL included. `args` must not be empty.
void AppendCommand(std::string& out, const std::vector<std::string>& args);

// Incremental reply parser: Feed bytes as they arrive, then call Next until it yields nullopt.
// Owns a hiredis redisReader. After a protocol error the parser is unusable (the connection
// must be dropped: the byte stream can no longer be framed).
class ReplyParser {
  public:
    ReplyParser();
    ~ReplyParser();
    ReplyParser(const ReplyParser&) = delete;
    ReplyParser& operator=(const ReplyParser&) = delete;

    // Buffers `size` bytes. kProtocol if the parser already failed.
    RedisResult<Ok> Feed(const char* data, std::size_t size);
    // The next complete reply, nullopt if more bytes are needed, kProtocol on malformed input.
    RedisResult<std::optional<Reply>> Next();

  private:
    redisReader* reader_;
};

}  // namespace hhplus::redis
