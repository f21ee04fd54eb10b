#pragma once
// JSON for handlers: JsonWriter renders response objects straight into one std::string (no DOM),
// ParseObject validates a request body against a declared field list in one SAX pass (no DOM
// either) and rejects anything it was not told about.
//
//   auto body = ParseObject(req.body, {{"email", kString}, {"password", kString}});
//   if (!body) co_return ErrorResponse(body.error(), now_ms);
//   std::string_view email = body->GetString("email");
//
//   JsonWriter w;
//   w.StartObject().Key("userId").Int(1).Key("email").String(email).EndObject();
//   co_return Json(200, w.Finish());
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace hhplus::http {

// Escapes `text` for use between double quotes in JSON, with the same escaper as JsonWriter
// (RapidJSON's): '"', '\\', \b \f \n \r \t, other control characters as \u00XX (upper-case hex;
// JSON.stringify writes lower case, the same JSON). Other bytes, UTF-8 included, pass through.
// The result has no surrounding quotes.
std::string JsonEscape(std::string_view text);

// Builds one JSON value, commas included, on RapidJSON's Writer: the one JSON output path of the
// server and the tools. Misuse (a value where a key is due, unbalanced containers, a second root
// value before Finish) is a programming error, asserted in debug builds.
class JsonWriter {
  public:
    // kIndent4 lays the value out as JSON.stringify(value, null, 4) does (k6's summary export).
    enum class Layout { kCompact, kIndent4 };

    explicit JsonWriter(std::size_t reserve = 256, Layout layout = Layout::kCompact);
    ~JsonWriter();
    JsonWriter(JsonWriter&&) noexcept;
    JsonWriter& operator=(JsonWriter&&) noexcept;

    JsonWriter& StartObject();
    JsonWriter& EndObject();
    JsonWriter& StartArray();
    JsonWriter& EndArray();
    JsonWriter& Key(std::string_view key);
    JsonWriter& String(std::string_view value);
    JsonWriter& Int(std::int64_t value);
    JsonWriter& Bool(bool value);
    JsonWriter& Null();
    JsonWriter& StringOrNull(const std::optional<std::string_view>& value);
    JsonWriter& IntOrNull(const std::optional<std::int64_t>& value);
    // An already rendered JSON value (a stored answer, a number formatted as JavaScript or Go
    // would), inserted verbatim; with kIndent4 it is not re-indented.
    JsonWriter& Raw(std::string_view json);

    // The text so far / the finished text (the writer is empty afterwards, ready for another).
    std::string_view View() const;
    std::string Finish();

  private:
    struct Impl;  // RapidJSON stays out of this header (handlers include it)
    std::unique_ptr<Impl> impl_;
};

// ---- request bodies -------------------------------------------------------------------------

// kObjectArray: an array of flat objects, each validated against `members` (orders' items,
// a product's options). Arrays nest one level only: members are scalars.
enum FieldKind { kString, kInt64, kBool, kObjectArray };
enum Presence { kRequired, kOptional };

// One declared body field. `min`/`max` bound an integer's value, a string's length in bytes, or
// an object array's number of elements.
// `name` must outlive the parse result (use string literals).
struct Field {
    std::string_view name;
    FieldKind kind = kString;
    Presence presence = kRequired;
    std::int64_t min = std::numeric_limits<std::int64_t>::min();
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::span<const Field> members = {};  // kObjectArray: the fields of each element
};

// At most this many declared fields per body (a bitmask tracks duplicates); our largest body
// (admin coupon) has 4.
inline constexpr std::size_t kMaxFields = 32;

// What to do with an empty body (zero bytes): most routes require an object; a few accept none.
enum class EmptyBody { kInvalid, kAsEmptyObject };

// The validated fields of a request body. Getters take a declared name.
class JsonObject {
  public:
    bool Has(std::string_view name) const;
    // For required fields (present by construction); "" / 0 / false when absent.
    std::string_view GetString(std::string_view name) const;
    std::int64_t GetInt(std::string_view name) const;
    bool GetBool(std::string_view name) const;
    // For optional fields.
    std::optional<std::string_view> FindString(std::string_view name) const;
    std::optional<std::int64_t> FindInt(std::string_view name) const;
    std::optional<bool> FindBool(std::string_view name) const;
    // kObjectArray: the elements, in order (empty when absent).
    std::span<const JsonObject> GetList(std::string_view name) const;

  private:
    friend class ObjectBuilder;
    struct Entry {
        std::string_view name;
        FieldKind kind;
        bool present = false;
        bool flag = false;
        std::int64_t number = 0;
        std::string text;
        std::vector<JsonObject> list;
    };
    const Entry* Find(std::string_view name) const;

    std::vector<Entry> entries_;
};

// Parses `body` as one JSON object whose members are exactly among `fields`: every required
// field present, each of its declared kind and within its bounds, no unknown or duplicated
// member, no nested object or array except declared object arrays, no null (a field is either
// absent or of its kind), valid UTF-8, nothing after the object but whitespace. Integers must be
// written as integers: 1.0, 1e3 and -0 are rejected. Any violation → kInvalidRequest (V001) with a
// log-only detail.
Result<JsonObject> ParseObject(std::string_view body, std::span<const Field> fields,
                               EmptyBody empty = EmptyBody::kInvalid);
Result<JsonObject> ParseObject(std::string_view body, std::initializer_list<Field> fields,
                               EmptyBody empty = EmptyBody::kInvalid);

// Strict decimal integer (JSON grammar, no fraction/exponent, no "-0"), nullopt on overflow.
std::optional<std::int64_t> ParseJsonInteger(std::string_view text);

}  // namespace hhplus::http
