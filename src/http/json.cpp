#include "http/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/writer.h>

#include <cassert>
#include <charconv>
#include <cstring>
#include <type_traits>
#include <variant>

namespace hhplus::http {

// ---- writer ---------------------------------------------------------------------------------

namespace {

// RapidJSON's output-stream concept over a std::string (its StringBuffer would need a copy out).
struct StringSink {
    using Ch = char;
    std::string* out;
    void Put(char c) { out->push_back(c); }
    void Flush() {}
};

using CompactWriter = rapidjson::Writer<StringSink>;
using IndentWriter = rapidjson::PrettyWriter<StringSink>;

rapidjson::SizeType Size(std::string_view text) {
    return static_cast<rapidjson::SizeType>(text.size());
}

}  // namespace

struct JsonWriter::Impl {
    Impl(std::size_t reserve, Layout layout) {
        out.reserve(reserve);
        if (layout == Layout::kIndent4) {
            writer.emplace<IndentWriter>(sink).SetIndent(' ', 4);
        } else {
            writer.emplace<CompactWriter>(sink);
        }
    }
    // Calls `f` with the writer of this layout (both have the same member names).
    template <class F>
    void With(F f) {
        std::visit(
            [&](auto& w) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) f(w);
            },
            writer);
    }

    // Whether one whole value was written (RapidJSON's own bookkeeping).
    bool Complete() {
        bool complete = true;
        With([&complete](auto& w) { complete = w.IsComplete(); });
        return complete;
    }

    std::string out;
    StringSink sink{&out};  // `writer` keeps its address: Impl never moves (held by pointer)
    std::variant<std::monostate, CompactWriter, IndentWriter> writer;
};

std::string JsonEscape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    StringSink sink{&out};
    CompactWriter writer(sink);
    writer.String(text.data(), Size(text));
    // Drop the quotes the writer put around the string.
    return out.substr(1, out.size() - 2);
}

JsonWriter::JsonWriter(std::size_t reserve, Layout layout)
    : impl_(std::make_unique<Impl>(reserve, layout)) {}
JsonWriter::~JsonWriter() = default;
JsonWriter::JsonWriter(JsonWriter&&) noexcept = default;
JsonWriter& JsonWriter::operator=(JsonWriter&&) noexcept = default;

JsonWriter& JsonWriter::StartObject() {
    impl_->With([](auto& w) { w.StartObject(); });
    return *this;
}

JsonWriter& JsonWriter::EndObject() {
    impl_->With([](auto& w) { w.EndObject(); });
    return *this;
}

JsonWriter& JsonWriter::StartArray() {
    impl_->With([](auto& w) { w.StartArray(); });
    return *this;
}

JsonWriter& JsonWriter::EndArray() {
    impl_->With([](auto& w) { w.EndArray(); });
    return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
    impl_->With([key](auto& w) { w.Key(key.data(), Size(key)); });
    return *this;
}

JsonWriter& JsonWriter::String(std::string_view value) {
    impl_->With([value](auto& w) { w.String(value.data(), Size(value)); });
    return *this;
}

JsonWriter& JsonWriter::Int(std::int64_t value) {
    impl_->With([value](auto& w) { w.Int64(value); });
    return *this;
}

JsonWriter& JsonWriter::Bool(bool value) {
    impl_->With([value](auto& w) { w.Bool(value); });
    return *this;
}

JsonWriter& JsonWriter::Null() {
    impl_->With([](auto& w) { w.Null(); });
    return *this;
}

JsonWriter& JsonWriter::StringOrNull(const std::optional<std::string_view>& value) {
    return value ? String(*value) : Null();
}

JsonWriter& JsonWriter::IntOrNull(const std::optional<std::int64_t>& value) {
    return value ? Int(*value) : Null();
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
    // The type only steers RapidJSON's checks (a raw value is never a key).
    impl_->With([json](auto& w) { w.RawValue(json.data(), json.size(), rapidjson::kObjectType); });
    return *this;
}

std::string_view JsonWriter::View() const { return impl_->out; }

std::string JsonWriter::Finish() {
    assert(impl_->Complete() || impl_->out.empty());
    std::string out = std::move(impl_->out);
    impl_->out.clear();
    impl_->With([this](auto& w) { w.Reset(impl_->sink); });
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

    const std::string& Detail() const { return detail_; }
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
        if (!builder.Detail().empty())
            return MakeError(ErrorCode::kInvalidRequest, builder.Detail());
        std::string detail = "body: ";
        detail += rapidjson::GetParseError_En(result.Code());
        return MakeError(ErrorCode::kInvalidRequest, std::move(detail));
    }
    if (!builder.CheckRequired()) return MakeError(ErrorCode::kInvalidRequest, builder.Detail());
    return builder.Take();
}

Result<JsonObject> ParseObject(std::string_view body, std::initializer_list<Field> fields,
                               EmptyBody empty) {
    return ParseObject(body, std::span<const Field>(fields.begin(), fields.size()), empty);
}

}  // namespace hhplus::http
