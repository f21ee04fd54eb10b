#include "http/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <cassert>
#include <charconv>
#include <cstring>

namespace hhplus::http {

// ---- writer ---------------------------------------------------------------------------------

void AppendJsonEscaped(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::size_t run = 0;  // start of the pending run of bytes that need no escape
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default: {
                const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
                out.append(esc, sizeof esc);
            }
        }
    }
    out.append(text.data() + run, text.size() - run);
}

std::string JsonEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    AppendJsonEscaped(out, text);
    return out;
}

void JsonWriter::BeforeValue() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (depth_ == 0) return;
    const std::uint64_t bit = std::uint64_t{1} << depth_;
    if (has_member_ & bit) out_.push_back(',');
    has_member_ |= bit;
}

JsonWriter& JsonWriter::StartObject() {
    BeforeValue();
    out_.push_back('{');
    ++depth_;
    assert(depth_ <= kMaxDepth);
    has_member_ &= ~(std::uint64_t{1} << depth_);
    return *this;
}

JsonWriter& JsonWriter::EndObject() {
    assert(depth_ > 0 && !after_key_);
    --depth_;
    out_.push_back('}');
    return *this;
}

JsonWriter& JsonWriter::StartArray() {
    BeforeValue();
    out_.push_back('[');
    ++depth_;
    assert(depth_ <= kMaxDepth);
    has_member_ &= ~(std::uint64_t{1} << depth_);
    return *this;
}

JsonWriter& JsonWriter::EndArray() {
    assert(depth_ > 0 && !after_key_);
    --depth_;
    out_.push_back(']');
    return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
    assert(depth_ > 0 && !after_key_);
    BeforeValue();
    out_.push_back('"');
    AppendJsonEscaped(out_, key);
    out_ += "\":";
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
    BeforeValue();
    out_.push_back('"');
    AppendJsonEscaped(out_, value);
    out_.push_back('"');
    return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
    BeforeValue();
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, value);
    out_.append(buf, res.ptr);
    return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
    BeforeValue();
    out_ += value ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::Null() {
    BeforeValue();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::StringOrNull(const std::optional<std::string_view>& value) {
    return value ? String(*value) : Null();
}

JsonWriter& JsonWriter::IntOrNull(const std::optional<std::int64_t>& value) {
    return value ? Int(*value) : Null();
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
    BeforeValue();
    out_ += json;
    return *this;
}

std::string JsonWriter::Finish() {
    assert(depth_ == 0);
    std::string out = std::move(out_);
    out_.clear();
    has_member_ = 0;
    after_key_ = false;
    return out;
}

// ---- reader ---------------------------------------------------------------------------------

std::optional<std::int64_t> ParseJsonInteger(std::string_view text) {
    std::size_t i = 0;
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) ++i;
    if (i >= text.size()) return std::nullopt;
    for (std::size_t j = i; j < text.size(); ++j) {
        if (text[j] < '0' || text[j] > '9') return std::nullopt;
    }
    // JSON forbids leading zeros; "-0" is a valid JSON number but not an integer anyone means.
    if (text[i] == '0' && (text.size() - i > 1 || negative)) return std::nullopt;
    std::int64_t value = 0;
    const auto res = std::from_chars(text.data(), text.data() + text.size(), value);
    if (res.ec != std::errc() || res.ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

const JsonObject::Entry* JsonObject::Find(std::string_view name) const {
    for (const Entry& e : entries_) {
        if (e.name == name) return &e;
    }
    assert(false && "JsonObject: field was not declared");
    return nullptr;
}

bool JsonObject::Has(std::string_view name) const {
    const Entry* e = Find(name);
    return e != nullptr && e->present;
}

std::string_view JsonObject::GetString(std::string_view name) const {
    return FindString(name).value_or(std::string_view());
}

std::int64_t JsonObject::GetInt(std::string_view name) const { return FindInt(name).value_or(0); }

bool JsonObject::GetBool(std::string_view name) const { return FindBool(name).value_or(false); }

std::optional<std::string_view> JsonObject::FindString(std::string_view name) const {
    const Entry* e = Find(name);
    if (e == nullptr || !e->present || e->kind != kString) return std::nullopt;
    return std::string_view(e->text);
}

std::optional<std::int64_t> JsonObject::FindInt(std::string_view name) const {
    const Entry* e = Find(name);
    if (e == nullptr || !e->present || e->kind != kInt64) return std::nullopt;
    return e->number;
}

std::optional<bool> JsonObject::FindBool(std::string_view name) const {
    const Entry* e = Find(name);
    if (e == nullptr || !e->present || e->kind != kBool) return std::nullopt;
    return e->flag;
}

std::span<const JsonObject> JsonObject::GetList(std::string_view name) const {
    const Entry* e = Find(name);
    if (e == nullptr || !e->present || e->kind != kObjectArray) return {};
    return e->list;
}

// SAX handler: accepts exactly one object of declared members; a declared object array holds
// flat objects of its declared members. Returning false from any callback stops the parse at
// once, so nesting never goes deeper than the declared shape.
class ObjectBuilder : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ObjectBuilder> {
  public:
    explicit ObjectBuilder(std::span<const Field> fields) : fields_(fields) {
        Prepare(object_, fields);
    }

    bool Default() { return Fail("unexpected JSON value"); }
    bool Null() { return Fail(depth_ == kOutside ? "body is not an object" : "null value"); }

    bool StartObject() {
        if (depth_ == kOutside && !done_) {
            depth_ = kInObject;
            return true;
        }
        if (depth_ == kInArray) {
            const Field& array = fields_[current_];
            if (static_cast<std::int64_t>(ArrayEntry().list.size()) >= array.max) {
                return Fail("too many elements", current_);
            }
            element_ = JsonObject();
            Prepare(element_, array.members);
            element_seen_ = 0;
            depth_ = kInElement;
            return true;
        }
        return Fail("nested object");
    }
    bool EndObject(rapidjson::SizeType) {
        if (depth_ == kInElement) {
            const auto members = fields_[current_].members;
            for (std::size_t i = 0; i < members.size(); ++i) {
                if (members[i].presence == kRequired &&
                    !(element_seen_ & (std::uint64_t{1} << i))) {
                    return Fail("element misses a required field", current_);
                }
            }
            ArrayEntry().list.push_back(std::move(element_));
            depth_ = kInArray;
            return true;
        }
        depth_ = kOutside;
        done_ = true;
        return true;
    }
    bool StartArray() {
        if (depth_ != kInObject) {
            return Fail(depth_ == kOutside ? "body is not an object" : "array value");
        }
        if (fields_[current_].kind != kObjectArray) return Fail("wrong type", current_);
        ArrayEntry().present = true;
        depth_ = kInArray;
        return true;
    }
    bool EndArray(rapidjson::SizeType) {
        if (static_cast<std::int64_t>(ArrayEntry().list.size()) < fields_[current_].min) {
            return Fail("too few elements", current_);
        }
        depth_ = kInObject;
        return true;
    }

    bool Key(const char* str, rapidjson::SizeType len, bool) {
        const std::string_view key(str, len);
        const bool element = depth_ == kInElement;
        const auto declared = element ? fields_[current_].members : fields_;
        std::uint64_t& seen = element ? element_seen_ : seen_;
        for (std::size_t i = 0; i < declared.size(); ++i) {
            if (declared[i].name != key) continue;
            const std::uint64_t bit = std::uint64_t{1} << i;
            if (seen & bit) return Fail("duplicated field", element ? current_ : i);
            seen |= bit;
            (element ? member_ : current_) = i;
            return true;
        }
        return Fail(element ? "unknown field in an element" : "unknown field");
    }

    bool String(const char* str, rapidjson::SizeType len, bool) {
        if (!InScalarPlace()) return false;
        const Field& f = ValueField();
        if (f.kind != kString) return Fail("wrong type", current_);
        const auto n = static_cast<std::int64_t>(len);
        if (n < f.min || n > f.max) return Fail("string length out of bounds", current_);
        if (HasEncodedSurrogate(std::string_view(str, len))) {
            return Fail("unpaired surrogate escape", current_);
        }
        JsonObject::Entry& e = ValueEntry();
        e.text.assign(str, len);
        e.present = true;
        return true;
    }

    bool RawNumber(const char* str, rapidjson::SizeType len, bool) {
        if (!InScalarPlace()) return false;
        const Field& f = ValueField();
        if (f.kind != kInt64) return Fail("wrong type", current_);
        const auto value = ParseJsonInteger(std::string_view(str, len));
        if (!value) return Fail("not a 64-bit integer", current_);
        if (*value < f.min || *value > f.max) return Fail("integer out of bounds", current_);
        JsonObject::Entry& e = ValueEntry();
        e.number = *value;
        e.present = true;
        return true;
    }

    bool Bool(bool b) {
        if (!InScalarPlace()) return false;
        if (ValueField().kind != kBool) return Fail("wrong type", current_);
        JsonObject::Entry& e = ValueEntry();
        e.flag = b;
        e.present = true;
        return true;
    }

    // After a successful parse: every required field present?
    bool CheckRequired() {
        for (std::size_t i = 0; i < fields_.size(); ++i) {
            if (fields_[i].presence == kRequired && !(seen_ & (std::uint64_t{1} << i))) {
                return Fail("missing required field", i);
            }
        }
        return true;
    }

    const std::string& detail() const { return detail_; }
    JsonObject Take() { return std::move(object_); }

  private:
    static constexpr std::size_t kNoField = static_cast<std::size_t>(-1);
    // Where the parse is: before/after the body, in the body object, in a declared object array,
    // in one of its elements.
    enum Depth { kOutside, kInObject, kInArray, kInElement };

    static void Prepare(JsonObject& object, std::span<const Field> fields) {
        object.entries_.reserve(fields.size());
        for (const Field& f : fields) {
            JsonObject::Entry e;
            e.name = f.name;
            e.kind = f.kind;
            object.entries_.push_back(std::move(e));
        }
    }

    // A scalar belongs in the body object or in an element, never directly in an array.
    bool InScalarPlace() {
        if (depth_ == kOutside) return Fail("body is not an object");
        if (depth_ == kInArray) return Fail("element is not an object", current_);
        return true;
    }
    const Field& ValueField() const {
        return depth_ == kInElement ? fields_[current_].members[member_] : fields_[current_];
    }
    JsonObject::Entry& ValueEntry() {
        return depth_ == kInElement ? element_.entries_[member_] : object_.entries_[current_];
    }
    JsonObject::Entry& ArrayEntry() { return object_.entries_[current_]; }

    // kParseValidateEncodingFlag checks the raw bytes only: RapidJSON 1.1 decodes a lone low
    // surrogate escape ("\udc00") into the bytes ED B0 80, which are not UTF-8, and such a string
    // would reach the database and our responses (found by hhplus-fuzz). Raw input never holds
    // ED A0..ED BF (the validation refuses it), so that pair marks exactly an escaped surrogate.
    static bool HasEncodedSurrogate(std::string_view text) {
        for (std::size_t i = 0; i + 1 < text.size(); ++i) {
            if (static_cast<unsigned char>(text[i]) == 0xED &&
                static_cast<unsigned char>(text[i + 1]) >= 0xA0) {
                return true;
            }
        }
        return false;
    }

    // The detail names declared fields only: an unknown key is client text and stays out of logs.
    bool Fail(const char* what, std::size_t field = kNoField) {
        if (detail_.empty()) {
            detail_ = "body: ";
            detail_ += what;
            if (field != kNoField) {
                detail_ += " '";
                detail_ += fields_[field].name;
                detail_ += '\'';
            }
        }
        return false;
    }

    std::span<const Field> fields_;
    JsonObject object_;
    std::uint64_t seen_ = 0;
    std::size_t current_ = 0;  // the body field being read (the array, inside an array)
    JsonObject element_;       // the array element being read
    std::uint64_t element_seen_ = 0;
    std::size_t member_ = 0;  // the element field being read
    Depth depth_ = kOutside;
    bool done_ = false;
    std::string detail_;
};

Result<JsonObject> ParseObject(std::string_view body, std::span<const Field> fields,
                               EmptyBody empty) {
    assert(fields.size() <= kMaxFields);
    if (body.empty() && empty == EmptyBody::kAsEmptyObject) body = "{}";
    // rapidjson reads a NUL byte as the end of input; raw NUL is never valid JSON text anyway.
    if (body.empty() || std::memchr(body.data(), '\0', body.size()) != nullptr) {
        return MakeError(ErrorCode::kInvalidRequest, "body: empty or not JSON text");
    }
    ObjectBuilder builder(fields);
    rapidjson::MemoryStream stream(body.data(), body.size());
    rapidjson::Reader reader;
    constexpr unsigned kFlags = rapidjson::kParseValidateEncodingFlag |
                                rapidjson::kParseNumbersAsStringsFlag |
                                rapidjson::kParseIterativeFlag;
    const rapidjson::ParseResult result =
        reader.Parse<kFlags, rapidjson::MemoryStream, ObjectBuilder>(stream, builder);
    if (result.IsError()) {
        if (!builder.detail().empty())
            return MakeError(ErrorCode::kInvalidRequest, builder.detail());
        std::string detail = "body: ";
        detail += rapidjson::GetParseError_En(result.Code());
        return MakeError(ErrorCode::kInvalidRequest, std::move(detail));
    }
    if (!builder.CheckRequired()) return MakeError(ErrorCode::kInvalidRequest, builder.detail());
    return builder.Take();
}

Result<JsonObject> ParseObject(std::string_view body, std::initializer_list<Field> fields,
                               EmptyBody empty) {
    return ParseObject(body, std::span<const Field>(fields.begin(), fields.size()), empty);
}

}  // namespace hhplus::http
