#include "domain/auth/user_store.hpp"

#include "domain/dependency_errors.hpp"

namespace hhplus::auth {

namespace asio = boost::asio;

namespace {

constexpr std::string_view kInsertUserSql =
    "INSERT INTO users (email, password_hash) VALUES (?, ?)";
constexpr std::string_view kFindUserByEmailSql =
    "SELECT id, email, password_hash, balance FROM users WHERE email = ?";

}  // namespace

asio::awaitable<Result<std::int64_t>> UserStore::Insert(std::string email,
                                                        std::string password_hash) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{std::move(email), std::move(password_hash)};
    auto r = co_await conn->Execute(std::string(kInsertUserSql), std::move(params));
    if (!r.ok()) {
        if (r.error().code == db::Errc::kDuplicateKey) {
            co_return MakeError(ErrorCode::kEmailTaken, "email already registered");
        }
        co_return domain::DbFailure(r.error());
    }
    co_return static_cast<std::int64_t>(r->insert_id);
}

asio::awaitable<Result<std::optional<UserRecord>>> UserStore::FindByEmail(std::string email) {
    auto conn = co_await pool_.Acquire();
    if (!conn.ok()) co_return domain::DbFailure(conn.error());
    db::Params params{std::move(email)};
    auto r = co_await conn->Execute(std::string(kFindUserByEmailSql), std::move(params));
    if (!r.ok()) co_return domain::DbFailure(r.error());
    if (r->rows.empty()) co_return std::optional<UserRecord>{};
    const auto& row = r->rows.front();
    std::optional<UserRecord> user = UserRecord{row.Int(0), row.Str(1), row.Str(2), row.Int(3)};
    co_return user;
}

}  // namespace hhplus::auth
