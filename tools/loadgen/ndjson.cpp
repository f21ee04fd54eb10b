#include "loadgen/ndjson.hpp"

#include <rapidjson/document.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

#include "http/json.hpp"
#include "loadgen/js_number.hpp"

namespace hhplus::loadgen {
namespace {

// Bytes buffered before a write(2): big enough to keep syscalls rare at 100k samples/s, small
// enough to lose little if the process is killed. 1 MiB ≈ 4000 Point lines of ~250 bytes.
constexpr std::size_t kFlushBytes = 1 << 20;

void WriteTags(http::JsonWriter& w, const TagSet& tags) {
    w.StartObject();
    for (const auto& [k, v] : tags) w.Key(k).String(v);
    w.EndObject();
}

void WriteThreshold(http::JsonWriter& w, const ThresholdConfig& t) {
    if (!t.abort_on_fail) {
        w.String(t.source);
        return;
    }
    w.StartObject().Key("threshold").String(t.source).Key("abortOnFail").Bool(true);
    w.Key("delayAbortEval");
    if (t.delay_abort_eval) {
        w.String(FormatGoDuration(*t.delay_abort_eval));
    } else {
        w.Null();
    }
    w.EndObject();
}

std::optional<int> Digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return std::nullopt;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

std::optional<MetricType> ParseMetricType(std::string_view s) {
    for (auto t :
         {MetricType::kCounter, MetricType::kGauge, MetricType::kRate, MetricType::kTrend}) {
        if (MetricTypeName(t) == s) return t;
    }
    return std::nullopt;
}

std::optional<ValueType> ParseValueType(std::string_view s) {
    for (auto t : {ValueType::kDefault, ValueType::kTime, ValueType::kData}) {
        if (ValueTypeName(t) == s) return t;
    }
    return std::nullopt;
}

TagSet ReadTagObject(const rapidjson::Value& v) {
    TagSet tags;
    if (!v.IsObject()) return tags;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        if (it->value.IsString()) SetTag(tags, it->name.GetString(), it->value.GetString());
    }
    return tags;
}

}  // namespace

std::string FormatRfc3339Nano(std::int64_t unix_nanos) {
    std::int64_t secs = unix_nanos / 1'000'000'000;
    std::int64_t frac = unix_nanos % 1'000'000'000;
    if (frac < 0) {
        frac += 1'000'000'000;
        --secs;
    }
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string out = buf;
    if (frac != 0) {
        char fb[16];
        std::snprintf(fb, sizeof fb, "%09lld", static_cast<long long>(frac));
        std::string f = fb;
        while (!f.empty() && f.back() == '0') f.pop_back();
        out += "." + f;
    }
    return out + "Z";
}

std::optional<std::int64_t> ParseRfc3339(std::string_view s) {
    auto year = Digits(s, 0, 4), month = Digits(s, 5, 2), day = Digits(s, 8, 2);
    auto hour = Digits(s, 11, 2), minute = Digits(s, 14, 2), second = Digits(s, 17, 2);
    if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':') {
        return std::nullopt;
    }
    std::size_t pos = 19;
    std::int64_t nanos = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (digits < 9) {
                nanos = nanos * 10 + (s[pos] - '0');
                ++digits;
            }
            ++pos;
        }
        for (; digits < 9; ++digits) nanos *= 10;
    }
    std::int64_t offset = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        auto oh = Digits(s, pos + 1, 2), om = Digits(s, pos + 4, 2);
        if (!oh || !om) return std::nullopt;
        offset = (std::int64_t{*oh} * 3600 + std::int64_t{*om} * 60) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    std::tm tm{};
    tm.tm_year = *year - 1900;
    tm.tm_mon = *month - 1;
    tm.tm_mday = *day;
    tm.tm_hour = *hour;
    tm.tm_min = *minute;
    tm.tm_sec = *second;
    const std::int64_t secs = static_cast<std::int64_t>(timegm(&tm)) - offset;
    return secs * 1'000'000'000 + nanos;
}

Result<std::unique_ptr<NdjsonWriter>, std::string> NdjsonWriter::Open(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) return "cannot open " + path + " for writing: " + std::strerror(errno);
    return std::unique_ptr<NdjsonWriter>(new NdjsonWriter(f));
}

NdjsonWriter::~NdjsonWriter() { Close(); }

void NdjsonWriter::SetThresholds(const std::vector<MetricThresholds>& thresholds) {
    for (const MetricThresholds& mt : thresholds) thresholds_[mt.metric] = mt.thresholds;
}

void NdjsonWriter::OnSample(const Metric& metric, double value, const TagSet& tags,
                            std::int64_t unix_nanos, const TagSet* metadata) {
    if (file_ == nullptr) return;
    if (!seen_[metric.name]) {
        seen_[metric.name] = true;
        line_.StartObject().Key("type").String("Metric").Key("data").StartObject();
        line_.Key("name").String(metric.name);
        line_.Key("type").String(MetricTypeName(metric.type));
        line_.Key("contains").String(ValueTypeName(metric.contains));
        line_.Key("thresholds").StartArray();
        if (auto it = thresholds_.find(metric.name); it != thresholds_.end()) {
            for (const ThresholdConfig& t : it->second) WriteThreshold(line_, t);
        }
        line_.EndArray().Key("submetrics");
        if (metric.submetrics.empty()) {
            line_.Null();
        } else {
            line_.StartArray();
            for (const Metric* sub : metric.submetrics) {
                line_.StartObject().Key("name").String(sub->name).Key("suffix").String(sub->suffix);
                line_.Key("tags");
                WriteTags(line_, sub->filter);
                line_.EndObject();
            }
            line_.EndArray();
        }
        line_.EndObject().Key("metric").String(metric.name).EndObject();
        buffer_ += line_.Finish();
        buffer_ += '\n';
    }
    line_.StartObject().Key("type").String("Point").Key("data").StartObject();
    line_.Key("time").String(FormatRfc3339Nano(unix_nanos));
    line_.Key("value").Raw(GoFormatFloat(value));
    line_.Key("tags");
    WriteTags(line_, tags);
    if (metadata != nullptr && !metadata->empty()) {
        line_.Key("metadata");
        WriteTags(line_, *metadata);
    }
    line_.EndObject().Key("metric").String(metric.name).EndObject();
    buffer_ += line_.Finish();
    buffer_ += '\n';
    if (buffer_.size() >= kFlushBytes) Flush();
}

void NdjsonWriter::Flush() {
    if (file_ == nullptr || buffer_.empty()) return;
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) failed_ = true;
    buffer_.clear();
}

bool NdjsonWriter::Close() {
    if (file_ == nullptr) return !failed_;
    Flush();
    if (std::fclose(file_) != 0) failed_ = true;
    file_ = nullptr;
    return !failed_;
}

Result<NdjsonContent, std::string> ReadNdjson(const std::string& path) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path;
    NdjsonContent content;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (line.empty()) continue;
        rapidjson::Document doc;
        doc.Parse(line.c_str(), line.size());
        const std::string where = path + ":" + std::to_string(number) + ": ";
        if (doc.HasParseError() || !doc.IsObject()) return where + "not a JSON object";
        auto type = doc.FindMember("type");
        auto data = doc.FindMember("data");
        if (type == doc.MemberEnd() || !type->value.IsString() || data == doc.MemberEnd() ||
            !data->value.IsObject()) {
            continue;
        }
        const std::string_view kind = type->value.GetString();
        const rapidjson::Value& d = data->value;
        if (kind == "Metric") {
            ReadMetric m;
            auto name = d.FindMember("name");
            auto mtype = d.FindMember("type");
            auto contains = d.FindMember("contains");
            if (name == d.MemberEnd() || !name->value.IsString() || mtype == d.MemberEnd() ||
                !mtype->value.IsString()) {
                return where + "Metric line without name or type";
            }
            m.name = name->value.GetString();
            auto t = ParseMetricType(mtype->value.GetString());
            if (!t) return where + "unknown metric type";
            m.type = *t;
            if (contains != d.MemberEnd() && contains->value.IsString()) {
                m.contains =
                    ParseValueType(contains->value.GetString()).value_or(ValueType::kDefault);
            }
            auto th = d.FindMember("thresholds");
            if (th != d.MemberEnd() && th->value.IsArray()) {
                for (const auto& item : th->value.GetArray()) {
                    ThresholdConfig tc;
                    if (item.IsString()) {
                        tc.source = item.GetString();
                    } else if (item.IsObject() && item.HasMember("threshold") &&
                               item["threshold"].IsString()) {
                        tc.source = item["threshold"].GetString();
                        tc.abort_on_fail = item.HasMember("abortOnFail") &&
                                           item["abortOnFail"].IsBool() &&
                                           item["abortOnFail"].GetBool();
                    } else {
                        continue;
                    }
                    m.thresholds.push_back(std::move(tc));
                }
            }
            auto subs = d.FindMember("submetrics");
            if (subs != d.MemberEnd() && subs->value.IsArray()) {
                for (const auto& sub : subs->value.GetArray()) {
                    if (sub.IsObject() && sub.HasMember("name") && sub["name"].IsString()) {
                        m.submetrics.emplace_back(sub["name"].GetString());
                    }
                }
            }
            content.metrics.push_back(std::move(m));
        } else if (kind == "Point") {
            ReadPoint p;
            auto metric = doc.FindMember("metric");
            auto time = d.FindMember("time");
            auto value = d.FindMember("value");
            if (metric == doc.MemberEnd() || !metric->value.IsString() || time == d.MemberEnd() ||
                !time->value.IsString() || value == d.MemberEnd() || !value->value.IsNumber()) {
                return where + "Point line without metric, time or value";
            }
            p.metric = metric->value.GetString();
            auto t = ParseRfc3339(time->value.GetString());
            if (!t) return where + "unreadable time";
            p.unix_nanos = *t;
            p.value = value->value.GetDouble();
            auto tags = d.FindMember("tags");
            if (tags != d.MemberEnd()) p.tags = ReadTagObject(tags->value);
            auto meta = d.FindMember("metadata");
            if (meta != d.MemberEnd()) p.metadata = ReadTagObject(meta->value);
            content.points.push_back(std::move(p));
        }
    }
    return content;
}

}  // namespace hhplus::loadgen
