#pragma once
// What every handler shares: rendering an AppError (and logging its detail with the request id
// when the failure is ours), and the admin bearer-token check.
#include <optional>
#include <string>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "http/message.hpp"

namespace hhplus::domain {

// The error response of api.md. 5xx details are logged at warn with the request id (S500 at
// error); 4xx details at debug: they are the client's business, not an incident.
http::Response RenderError(const http::Request& request, const AppError& error, const Clock& clock);

// Ok when `Authorization: Bearer <token>` carries `admin_token` (compared in constant time);
// A006 otherwise.
Status CheckAdminToken(const http::Request& request, const std::string& admin_token);

}  // namespace hhplus::domain
