#include "redis/client.hpp"
#include "redis/script.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "tests/integration/redis/async_test_util.hpp"
#include "tests/support/process.hpp"
#include "tests/support/redis_server.hpp"

namespace hhplus::redis {
namespace {

using std::chrono::milliseconds;
using testing::Await;
using testing::RunUntil;
using testing::Spawn;
using Slot = std::shared_ptr<std::optional<RedisResult<Reply>>>;

class RedisClientTest : public ::testing::Test {
  protected:
    Endpoint ServerEndpoint() const { return *ParseRedisUrl(server_.Url()); }

    // Tests that are not about timeouts wait this long for a reply: a reply late by seconds on a
    // busy machine is slow, not wrong. (The library's 1 s default is for a live service.)
    static constexpr std::chrono::seconds kPatientTimeout{30};
    static ClientOptions Patient() {
        ClientOptions options;
        options.command_timeout = kPatientTimeout;
        return options;
    }

    std::unique_ptr<Client> MakeClient(ClientOptions options = Patient()) {
        if (options.role.empty()) options.role = "test";
        auto client = std::make_unique<Client>(ioc_.get_executor(), ServerEndpoint(), options);
        client->Start();
        EXPECT_TRUE(RunUntil(ioc_, [&client] { return client->Connected(); }));
        return client;
    }

    RedisResult<Reply> Cmd(Client& client, std::vector<std::string> args) {
        return Await(ioc_, client.Command(std::move(args)));
    }

    // Retries until the command succeeds (the client may be between connections).
    RedisResult<Reply> CmdWhenConnected(Client& client, const std::vector<std::string>& args) {
        RedisResult<Reply> result = Error{Errc::kUnavailable, "not tried"};
        const auto deadline = std::chrono::steady_clock::now() + testing::kDefaultWait;
        while (std::chrono::steady_clock::now() < deadline) {
            result = Cmd(client, args);
            if (result.ok()) break;
            RunUntil(
                ioc_, [&client] { return client.Connected(); }, milliseconds(200));
        }
        return result;
    }

    static bool AllDone(const std::vector<Slot>& slots) {
        for (const auto& s : slots) {
            if (!s->has_value()) return false;
        }
        return true;
    }

    // Options whose metrics hook counts written commands into sent_.
    ClientOptions Counting(std::chrono::milliseconds command_timeout = kPatientTimeout) {
        ClientOptions options;
        options.command_timeout = command_timeout;
        options.on_commands_sent = [this](std::size_t n) { sent_ += n; };
        return options;
    }

    // A key of this test only (each test also has its own server).
    std::string Key(const std::string& name) const {
        return std::string("t:") + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
               ":" + name;
    }

    hhplus::testing::RedisServer server_;
    boost::asio::io_context ioc_;
    std::size_t sent_ = 0;
};

TEST_F(RedisClientTest, SetGetIncrNilAndErrorReplies) {
    auto client = MakeClient();
    auto set = Cmd(*client, {"SET", Key("a"), "hello"});
    ASSERT_TRUE(set.ok()) << set.error().detail;
    EXPECT_EQ(set->type, Reply::Type::kStatus);
    EXPECT_EQ(set->str, "OK");

    auto get = Cmd(*client, {"GET", Key("a")});
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->type, Reply::Type::kString);
    EXPECT_EQ(get->str, "hello");

    auto missing = Cmd(*client, {"GET", Key("missing")});
    ASSERT_TRUE(missing.ok());
    EXPECT_TRUE(missing->IsNil());

    auto incr = Cmd(*client, {"INCR", Key("n")});
    ASSERT_TRUE(incr.ok());
    EXPECT_EQ(incr->type, Reply::Type::kInteger);
    EXPECT_EQ(incr->integer, 1);
    EXPECT_EQ(Cmd(*client, {"INCRBY", Key("n"), "41"})->integer, 42);

    // A Redis error is the command's reply, not a transport error.
    auto not_integer = Cmd(*client, {"INCR", Key("a")});
    ASSERT_TRUE(not_integer.ok());
    EXPECT_TRUE(not_integer->IsError());
    EXPECT_EQ(not_integer->str.rfind("ERR", 0), 0u) << not_integer->str;
    auto wrong_type = Cmd(*client, {"HGET", Key("a"), "f"});
    ASSERT_TRUE(wrong_type.ok());
    EXPECT_EQ(wrong_type->str.rfind("WRONGTYPE", 0), 0u) << wrong_type->str;
    auto unknown = Cmd(*client, {"NO-SUCH-COMMAND"});
    ASSERT_TRUE(unknown.ok());
    EXPECT_TRUE(unknown->IsError());

    // The connection is still in step after the errors.
    EXPECT_EQ(Cmd(*client, {"GET", Key("a")})->str, "hello");

    auto range = Cmd(*client, {"MGET", Key("a"), Key("missing")});
    ASSERT_TRUE(range.ok());
    ASSERT_EQ(range->type, Reply::Type::kArray);
    ASSERT_EQ(range->elements.size(), 2u);
    EXPECT_EQ(range->elements[0].str, "hello");
    EXPECT_TRUE(range->elements[1].IsNil());

    // The handshake named the connection after its role.
    EXPECT_NE(server_.Cli({"CLIENT", "LIST"}).find("name=hhplus-client-test"), std::string::npos);
}

TEST_F(RedisClientTest, ValuesAndKeysAreBinarySafe) {
    auto client = MakeClient();
    std::string value("\0\r\n$3\r\n*1\r\n\xff\xfe\0", 14);  // ends in a NUL too
    for (int i = 0; i < 256; ++i) value.push_back(static_cast<char>(i));
    const std::string key = Key(std::string("k\0\r\n", 4));
    ASSERT_TRUE(Cmd(*client, {"SET", key, value}).ok());
    auto get = Cmd(*client, {"GET", key});
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->str, value);
    EXPECT_EQ(Cmd(*client, {"STRLEN", key})->integer, static_cast<long long>(value.size()));

    // Larger than one read chunk and one write, in both directions.
    std::string big(3 * 1024 * 1024 + 7, 'x');
    for (std::size_t i = 0; i < big.size(); i += 4099) big[i] = static_cast<char>(i % 251);
    ASSERT_TRUE(Cmd(*client, {"SET", Key("big"), big}).ok());
    auto big_get = Cmd(*client, {"GET", Key("big")});
    ASSERT_TRUE(big_get.ok());
    EXPECT_EQ(big_get->str, big);
}

TEST_F(RedisClientTest, ThousandConcurrentCommandsArePipelinedInOrder) {
    std::size_t sent = 0;
    std::size_t writes = 0;
    ClientOptions options = Patient();
    options.on_commands_sent = [&](std::size_t n) {
        sent += n;
        ++writes;
    };
    auto client = MakeClient(options);
    constexpr int kCallers = 1000;

    std::vector<Slot> incr;
    for (int i = 0; i < kCallers; ++i)
        incr.push_back(Spawn(ioc_, client->Command({"INCR", Key("n")})));
    ASSERT_TRUE(RunUntil(ioc_, [&] { return AllDone(incr); }));
    for (int i = 0; i < kCallers; ++i) {
        const auto& r = **incr[i];
        ASSERT_TRUE(r.ok()) << i << ": " << r.error().detail;
        // Issued in this order, so executed in this order: the i-th caller saw i+1.
        EXPECT_EQ(r->integer, i + 1) << i;
    }

    std::vector<Slot> echo;
    for (int i = 0; i < kCallers; ++i) {
        echo.push_back(Spawn(ioc_, client->Command({"ECHO", "payload-" + std::to_string(i)})));
    }
    ASSERT_TRUE(RunUntil(ioc_, [&] { return AllDone(echo); }));
    for (int i = 0; i < kCallers; ++i) {
        const auto& r = **echo[i];
        ASSERT_TRUE(r.ok()) << i;
        EXPECT_EQ(r->str, "payload-" + std::to_string(i));
    }

    EXPECT_EQ(sent, 2u * kCallers);
    // Coalesced: far fewer writes than commands (each wave goes out in a few writes).
    EXPECT_LT(writes, static_cast<std::size_t>(kCallers));
}

TEST_F(RedisClientTest, CommandsSentAreCounted) {
    auto client = MakeClient(Counting());
    EXPECT_EQ(sent_, 0u);  // the handshake does not count
    ASSERT_TRUE(Cmd(*client, {"PING"}).ok());
    ASSERT_TRUE(Cmd(*client, {"PING"}).ok());
    EXPECT_EQ(sent_, 2u);
    std::vector<std::vector<std::string>> three{{"PING"}, {"PING"}, {"PING"}};
    ASSERT_TRUE(Await(ioc_, client->Pipeline(three)).ok());
    EXPECT_EQ(sent_, 5u);
    // Refused and failed commands are not sent.
    EXPECT_FALSE(Cmd(*client, {}).ok());
    EXPECT_EQ(sent_, 5u);
}

TEST_F(RedisClientTest, PipelineReturnsEveryReplyInOrder) {
    auto client = MakeClient();
    const std::string k = Key("p");
    std::vector<std::vector<std::string>> commands{
        {"SET", k, "1"}, {"INCR", k}, {"HGET", k, "f"}, {"GET", k}, {"DEL", k}};
    auto replies = Await(ioc_, client->Pipeline(commands));
    ASSERT_TRUE(replies.ok()) << replies.error().detail;
    ASSERT_EQ(replies->size(), 5u);
    EXPECT_EQ((*replies)[0].str, "OK");
    EXPECT_EQ((*replies)[1].integer, 2);
    EXPECT_TRUE((*replies)[2].IsError());  // WRONGTYPE, in its place
    EXPECT_EQ((*replies)[3].str, "2");
    EXPECT_EQ((*replies)[4].integer, 1);

    std::vector<std::vector<std::string>> transaction{
        {"MULTI"}, {"INCR", k}, {"INCR", k}, {"EXEC"}};
    auto tx = Await(ioc_, client->Pipeline(transaction));
    ASSERT_TRUE(tx.ok());
    ASSERT_EQ(tx->size(), 4u);
    EXPECT_EQ((*tx)[1].str, "QUEUED");
    ASSERT_EQ((*tx)[3].elements.size(), 2u);
    EXPECT_EQ((*tx)[3].elements[1].integer, 2);

    auto empty = Await(ioc_, client->Pipeline({}));
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->empty());

    // Pipelines and single commands interleave without mixing replies.
    std::vector<std::shared_ptr<std::optional<RedisResult<std::vector<Reply>>>>> pipes;
    std::vector<Slot> singles;
    for (int i = 0; i < 50; ++i) {
        const std::string n = std::to_string(i);
        std::vector<std::vector<std::string>> pair{{"ECHO", "a" + n}, {"ECHO", "b" + n}};
        pipes.push_back(Spawn(ioc_, client->Pipeline(pair)));
        singles.push_back(Spawn(ioc_, client->Command({"ECHO", "s" + n})));
    }
    ASSERT_TRUE(RunUntil(ioc_, [&] {
        for (const auto& p : pipes) {
            if (!p->has_value()) return false;
        }
        return AllDone(singles);
    }));
    for (int i = 0; i < 50; ++i) {
        const std::string n = std::to_string(i);
        const auto& p = **pipes[i];
        ASSERT_TRUE(p.ok());
        EXPECT_EQ(p.value()[0].str, "a" + n);
        EXPECT_EQ(p.value()[1].str, "b" + n);
        EXPECT_EQ((**singles[i])->str, "s" + n);
    }
}

TEST_F(RedisClientTest, TimeoutDiscardsTheLateReplyAndTheNextCallerGetsItsOwn) {
    ClientOptions options = Patient();
    options.command_timeout = milliseconds(250);
    auto client = MakeClient(options);
    auto admin = MakeClient();
    // Holds every client's commands for 700 ms, ours included.
    auto pause = Cmd(*admin, {"CLIENT", "PAUSE", "700"});
    ASSERT_TRUE(pause.ok());
    ASSERT_EQ(pause->str, "OK");

    auto late = Cmd(*client, {"ECHO", "late"});
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, Errc::kTimeout);

    // Ask until answered. The late reply (and those of any other timed-out ECHO) arrives first
    // on the wire, yet every answer must be the asker's own.
    int answered = 0;
    for (int i = 0; i < 200 && answered < 3; ++i) {
        const std::string mine = "next-" + std::to_string(i);
        auto r = Cmd(*client, {"ECHO", mine});
        if (r.ok()) {
            EXPECT_EQ(r->str, mine);
            ++answered;
        } else if (r.error().code == Errc::kUnavailable) {
            RunUntil(
                ioc_, [&client] { return client->Connected(); }, milliseconds(500));
        } else {
            EXPECT_EQ(r.error().code, Errc::kTimeout);
        }
    }
    EXPECT_EQ(answered, 3);
}

TEST_F(RedisClientTest, WedgedConnectionIsDroppedThenRestored) {
    ClientOptions options = Patient();
    options.command_timeout = milliseconds(200);
    options.connect_timeout = milliseconds(200);
    auto client = MakeClient(options);
    server_.Pause();
    int timeouts = 0;
    bool dropped = false;
    // The oldest unanswered PING grows 200 ms per timeout; at 3 × 200 ms the connection is
    // dropped, after which commands fail fast until a reconnect succeeds.
    for (int i = 0; i < 100 && !dropped; ++i) {
        auto r = Cmd(*client, {"PING"});
        ASSERT_FALSE(r.ok());
        if (r.error().code == Errc::kTimeout) ++timeouts;
        dropped = r.error().code == Errc::kUnavailable;
    }
    EXPECT_TRUE(dropped);
    EXPECT_GE(timeouts, 1);
    EXPECT_FALSE(client->Connected());  // the paused server fails every handshake
    server_.Resume();
    auto pong = CmdWhenConnected(*client, {"PING"});
    ASSERT_TRUE(pong.ok());
    EXPECT_EQ(pong->str, "PONG");
}

TEST_F(RedisClientTest, StoppedServerFailsFastAndRestartedServerIsReconnected) {
    // Long enough that waiting for it could never pass for failing fast, however slow the machine.
    constexpr auto kSlowTimeout = std::chrono::seconds(40);
    auto client = MakeClient(Counting(kSlowTimeout));
    ASSERT_TRUE(Cmd(*client, {"SET", Key("k"), "v"}).ok());
    server_.Stop();
    ASSERT_TRUE(RunUntil(ioc_, [&client] { return !client->Connected(); }));

    const auto started = std::chrono::steady_clock::now();
    auto r = Cmd(*client, {"GET", Key("k")});
    const auto took = std::chrono::steady_clock::now() - started;
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kUnavailable);
    // Not queued, not waiting for its timeout: answered without any I/O. The client's command
    // timeout is kSlowTimeout, so "well under it" tells the two apart on any machine.
    EXPECT_LT(took, kSlowTimeout / 4);
    std::vector<std::vector<std::string>> two{{"PING"}, {"PING"}};
    auto p = Await(ioc_, client->Pipeline(two));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::kUnavailable);

    server_.Start();  // same port; the dataset was not saved
    auto get = CmdWhenConnected(*client, {"GET", Key("k")});
    ASSERT_TRUE(get.ok());
    EXPECT_TRUE(get->IsNil());

    // Restart while connected: the client notices the drop by itself and comes back.
    server_.Restart();
    auto set = CmdWhenConnected(*client, {"SET", Key("k"), "again"});
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(Cmd(*client, {"GET", Key("k")})->str, "again");
}

TEST_F(RedisClientTest, InFlightCommandsFailWhenTheConnectionDrops) {
    auto client = MakeClient(Counting(std::chrono::seconds(20)));
    auto blocked = Spawn(ioc_, client->Command({"BLPOP", Key("empty"), "15"}));
    auto behind = Spawn(ioc_, client->Command({"ECHO", "behind"}));
    ASSERT_TRUE(RunUntil(ioc_, [&] { return sent_ >= 2; }));
    ASSERT_TRUE(RunUntil(ioc_, [&] {
        return server_.Cli({"CLIENT", "LIST"}).find("cmd=blpop") != std::string::npos;
    }));
    server_.Cli({"CLIENT", "KILL", "TYPE", "normal"});  // skips redis-cli's own connection
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return blocked->has_value() && behind->has_value(); },
        std::chrono::seconds(5)));
    ASSERT_FALSE(blocked->value().ok());
    EXPECT_EQ(blocked->value().error().code, Errc::kUnavailable);
    ASSERT_FALSE(behind->value().ok());
    EXPECT_EQ(behind->value().error().code, Errc::kUnavailable);
    EXPECT_TRUE(CmdWhenConnected(*client, {"PING"}).ok());
}

TEST_F(RedisClientTest, QueueFullBeyondMaxPending) {
    ClientOptions options = Patient();
    options.max_pending = 4;
    auto client = MakeClient(options);
    // All five enqueue in the same loop turn, before any reply can arrive.
    std::vector<Slot> slots;
    for (int i = 0; i < 5; ++i) {
        slots.push_back(Spawn(ioc_, client->Command({"ECHO", std::to_string(i)})));
    }
    ASSERT_TRUE(RunUntil(ioc_, [&] { return AllDone(slots); }));
    for (int i = 0; i < 4; ++i) {
        ASSERT_TRUE((**slots[i]).ok()) << i;
        EXPECT_EQ((**slots[i])->str, std::to_string(i));
    }
    ASSERT_FALSE((**slots[4]).ok());
    EXPECT_EQ((**slots[4]).error().code, Errc::kQueueFull);

    std::vector<std::vector<std::string>> five(5, std::vector<std::string>{"PING"});
    auto too_long = Await(ioc_, client->Pipeline(five));
    ASSERT_FALSE(too_long.ok());
    EXPECT_EQ(too_long.error().code, Errc::kQueueFull);
    EXPECT_TRUE(Cmd(*client, {"PING"}).ok());  // the queue drained
}

TEST_F(RedisClientTest, RefusesCommandsThatWouldBreakTheReplyOrder) {
    auto client = MakeClient();
    for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
             {}, {"SUBSCRIBE", "ch"}, {"psubscribe", "c*"}, {"Monitor"}}) {
        auto r = Cmd(*client, bad);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, Errc::kProtocol);
    }
    std::vector<std::vector<std::string>> mixed{{"PING"}, {"SUBSCRIBE", "ch"}};
    auto p = Await(ioc_, client->Pipeline(mixed));
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.error().code, Errc::kProtocol);
    EXPECT_EQ(Cmd(*client, {"PING"})->str, "PONG");
}

TEST_F(RedisClientTest, SelectsTheDatabaseOfTheEndpoint) {
    Endpoint endpoint = ServerEndpoint();
    endpoint.db = 3;
    Client client(ioc_.get_executor(), endpoint, ClientOptions{});
    client.Start();
    ASSERT_TRUE(RunUntil(ioc_, [&client] { return client.Connected(); }));
    ASSERT_TRUE(Cmd(client, {"SET", Key("db"), "three"}).ok());
    EXPECT_EQ(server_.Cli({"-n", "3", "GET", Key("db")}), "three\n");
    EXPECT_EQ(server_.Cli({"-n", "0", "EXISTS", Key("db")}), "0\n");
}

TEST_F(RedisClientTest, NotStartedOrNothingListeningIsUnavailable) {
    Client idle(ioc_.get_executor(), ServerEndpoint(), ClientOptions{});
    auto r = Cmd(idle, {"PING"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::kUnavailable);

    Client nowhere(ioc_.get_executor(), Endpoint{"127.0.0.1", hhplus::testing::FreePort(), 0},
                   ClientOptions{});
    nowhere.Start();
    auto n = Cmd(nowhere, {"PING"});
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code, Errc::kUnavailable);
    EXPECT_FALSE(nowhere.Connected());
}

TEST_F(RedisClientTest, HostNameIsResolvedBeforeEveryConnect) {
    // Built by hand: ParseRedisUrl turns "localhost" into 127.0.0.1 itself, while the client must
    // resolve any name it is given (Compose and Kubernetes service names). "localhost" is the one
    // name every machine's /etc/hosts has.
    Client named(ioc_.get_executor(), Endpoint{"localhost", ServerEndpoint().port, 0},
                 ClientOptions{});
    named.Start();
    ASSERT_TRUE(RunUntil(ioc_, [&named] { return named.Connected(); }));
    ASSERT_TRUE(Cmd(named, {"SET", Key("k"), "v"}).ok());
    // Each reconnect is a new lookup and a new connect.
    server_.Restart();
    auto get = CmdWhenConnected(named, {"PING"});
    ASSERT_TRUE(get.ok());
    EXPECT_EQ(get->str, "PONG");

    // A name that never resolves (RFC 6761 reserves .invalid): unavailable, never connected, and
    // the client keeps its loop alive and answers at once.
    Client nowhere(ioc_.get_executor(), Endpoint{"no-such-redis.invalid", 6379, 0},
                   ClientOptions{});
    nowhere.Start();
    auto n = Cmd(nowhere, {"PING"});
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.error().code, Errc::kUnavailable);
    EXPECT_FALSE(nowhere.Connected());
}

TEST_F(RedisClientTest, ScriptSendsEvalOnlyAfterNoScript) {
    auto client = MakeClient(Counting());
    const Script incr_by("return redis.call('INCRBY', KEYS[1], ARGV[1])");
    // A server that never saw the script: EVALSHA → NOSCRIPT → EVAL (2 commands).
    auto first = Await(ioc_, incr_by.Run(*client, {Key("n")}, {"5"}));
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->integer, 5);
    EXPECT_EQ(sent_, 2u);
    // Cached now: EVALSHA alone (1 command).
    auto second = Await(ioc_, incr_by.Run(*client, {Key("n")}, {"2"}));
    ASSERT_TRUE(second.ok());
    EXPECT_EQ(second->integer, 7);
    EXPECT_EQ(sent_, 3u);
    // SCRIPT FLUSH (as after a restart): the fallback again.
    ASSERT_TRUE(Cmd(*client, {"SCRIPT", "FLUSH"}).ok());
    sent_ = 0;
    auto third = Await(ioc_, incr_by.Run(*client, {Key("n")}, {"1"}));
    ASSERT_TRUE(third.ok());
    EXPECT_EQ(third->integer, 8);
    EXPECT_EQ(sent_, 2u);

    // Any other error reply is the answer: no second attempt with the body.
    const Script failing("return redis.error_reply('OOM pretend the server is full')");
    sent_ = 0;
    ASSERT_TRUE(Cmd(*client, {"SCRIPT", "LOAD", std::string(failing.body())}).ok());
    auto refused = Await(ioc_, failing.Run(*client, {Key("x")}, {}));
    ASSERT_TRUE(refused.ok());
    ASSERT_TRUE(refused->IsError());
    EXPECT_EQ(refused->str.rfind("OOM", 0), 0u) << refused->str;
    EXPECT_EQ(sent_, 2u);  // SCRIPT LOAD + one EVALSHA
}

TEST_F(RedisClientTest, StopCancelsAndStartReconnects) {
    ClientOptions options = Patient();
    options.command_timeout = std::chrono::seconds(10);
    auto client = MakeClient(options);
    auto blocked = Spawn(ioc_, client->Command({"BLPOP", Key("empty"), "5"}));
    ASSERT_TRUE(RunUntil(ioc_, [&] {
        return server_.Cli({"CLIENT", "LIST"}).find("cmd=blpop") != std::string::npos;
    }));
    client->Stop();
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return blocked->has_value(); }, std::chrono::seconds(2)));
    ASSERT_FALSE(blocked->value().ok());
    EXPECT_EQ(blocked->value().error().code, Errc::kCancelled);
    EXPECT_FALSE(client->Connected());
    auto after = Cmd(*client, {"PING"});
    ASSERT_FALSE(after.ok());
    EXPECT_EQ(after.error().code, Errc::kCancelled);

    client->Start();
    ASSERT_TRUE(RunUntil(ioc_, [&client] { return client->Connected(); }));
    EXPECT_EQ(Cmd(*client, {"PING"})->str, "PONG");
}

TEST_F(RedisClientTest, DestroyingAClientWithPendingCommandsIsSafe) {
    auto client = MakeClient(Counting(std::chrono::seconds(10)));
    server_.Pause();
    std::vector<Slot> slots;
    for (int i = 0; i < 50; ++i) slots.push_back(Spawn(ioc_, client->Command({"PING"})));
    ASSERT_TRUE(RunUntil(ioc_, [&] { return sent_ >= 50; }));
    // An awaitable created but not yet awaited outlives the Client too.
    auto later = client->Command({"PING"});
    client.reset();
    ASSERT_TRUE(RunUntil(
        ioc_, [&] { return AllDone(slots); }, std::chrono::seconds(5)));
    for (const auto& s : slots) {
        ASSERT_FALSE(s->value().ok());
        EXPECT_EQ(s->value().error().code, Errc::kCancelled);
    }
    auto late = Await(ioc_, std::move(later));
    ASSERT_FALSE(late.ok());
    EXPECT_EQ(late.error().code, Errc::kCancelled);
    server_.Resume();
}

TEST_F(RedisClientTest, DestroyingClientAndIoContextWithSuspendedCommandsIsSafe) {
    {
        boost::asio::io_context local;
        auto client = std::make_unique<Client>(local.get_executor(), ServerEndpoint(),
                                               Counting(std::chrono::seconds(10)));
        client->Start();
        ASSERT_TRUE(RunUntil(local, [&client] { return client->Connected(); }));
        server_.Pause();
        std::vector<Slot> slots;
        for (int i = 0; i < 20; ++i) slots.push_back(Spawn(local, client->Command({"PING"})));
        ASSERT_TRUE(RunUntil(local, [&] { return sent_ >= 20; }));
        client.reset();
        // `local` goes away with every coroutine still suspended: their frames are destroyed
        // without resuming (ASan checks this path).
    }
    server_.Resume();
    EXPECT_EQ(sent_, 20u);
}

}  // namespace
}  // namespace hhplus::redis
