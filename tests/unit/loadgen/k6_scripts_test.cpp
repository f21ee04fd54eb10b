// The k6 scripts mirror the native scenarios: each parses (node --check, k6 cannot be installed
// here) and declares exactly the custom metrics the runner reports for its twin scenario, with
// the same types. Node is part of scripts/setup.sh, so a missing node fails the test.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "loadgen/scenarios.hpp"
#include "tests/support/process.hpp"

namespace hhplus::loadgen {
namespace {

std::string SourceDir() {
    const char* root = std::getenv("HHPLUS_SOURCE_DIR");
    return root != nullptr ? root : HHPLUS_LOADGEN_SOURCE_DIR;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// "name type" pairs declared with `new Rate('name')` and friends.
std::set<std::string> DeclaredMetrics(const std::string& source) {
    static const std::regex kDecl(R"(new\s+(Rate|Counter|Trend|Gauge)\(\s*['"]([^'"]+)['"])");
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(source.begin(), source.end(), kDecl);
         it != std::sregex_iterator(); ++it) {
        std::string type = (*it)[1];
        for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.insert((*it)[2].str() + " " + type);
    }
    return out;
}

int NodeCheck(const std::string& node, const std::string& script, std::string& log) {
    hhplus::testing::TempDir dir("loadgen-node");
    hhplus::testing::ChildProcess p({node, "--check", script}, dir.path() / "node.log");
    const int status = p.Wait(std::chrono::seconds(60));
    log = p.LogTail();
    return status;
}

TEST(K6Scripts, ParseAndDeclareTheRunnersCustomMetrics) {
    const std::string node = hhplus::testing::FindExecutable("node");
    ASSERT_FALSE(node.empty())
        << "node is needed to syntax-check the k6 scripts (scripts/setup.sh installs nodejs)";
    int scripts = 0;
    for (const ScenarioInfo& info : ScenarioCatalog()) {
        if (info.k6_script.empty()) continue;
        ++scripts;
        const std::string path = SourceDir() + "/" + info.k6_script;
        const std::string source = ReadFile(path);
        ASSERT_FALSE(source.empty()) << "missing " << info.k6_script;
        // Without a module type node 20 accepts even broken ES modules (its syntax detection
        // falls through), so the folder's package.json must say "type": "module".
        const std::string folder = path.substr(0, path.rfind('/'));
        EXPECT_NE(ReadFile(folder + "/package.json").find("\"type\": \"module\""),
                  std::string::npos)
            << folder;
        std::string log;
        EXPECT_EQ(NodeCheck(node, path, log), 0) << info.k6_script << ":\n" << log;

        std::set<std::string> expected;
        for (const CustomMetricSpec& m : info.metrics)
            expected.insert(m.name + " " + std::string(MetricTypeName(m.type)));
        EXPECT_EQ(DeclaredMetrics(source), expected)
            << info.k6_script << " vs scenario " << info.name;

        // The same check names (the k6 helper module holds the shared issue check).
        const std::string helpers = ReadFile(SourceDir() + "/k6/lib/common.js");
        for (const std::string& check : info.checks) {
            const std::string quoted = "'" + check + "'";
            EXPECT_TRUE(source.find(quoted) != std::string::npos ||
                        helpers.find(quoted) != std::string::npos)
                << info.k6_script << " has no check " << quoted;
        }

        // Options come from the same file the runner reads, and k6's own summary is kept.
        EXPECT_NE(source.find("options/" + info.name + ".json"), std::string::npos)
            << info.k6_script;
        EXPECT_EQ(source.find("handleSummary"), std::string::npos) << info.k6_script;
    }
    EXPECT_EQ(scripts, 5);  // issue-coupon, balance-charge, signup, minimal-smoke, order-rush
    std::string log;
    EXPECT_EQ(NodeCheck(node, SourceDir() + "/k6/lib/common.js", log), 0) << log;
}

TEST(K6Scripts, TheMetricScannerSeesDeclarations) {
    EXPECT_EQ(DeclaredMetrics("const a = new Rate('x_rate'); const b = new Counter(\"y\");"),
              (std::set<std::string>{"x_rate rate", "y counter"}));
    EXPECT_TRUE(DeclaredMetrics("// no metrics here").empty());
}

TEST(K6Scripts, NodeCheckRejectsBrokenSyntax) {
    const std::string node = hhplus::testing::FindExecutable("node");
    ASSERT_FALSE(node.empty());
    hhplus::testing::TempDir dir("loadgen-broken");
    const auto path = dir.path() / "broken.js";
    std::ofstream(dir.path() / "package.json")
        << "{\"type\": \"module\"}\n";  // as in k6/ and test/k6/
    std::ofstream(path) << "export default function ( {\n";
    std::string log;
    EXPECT_NE(NodeCheck(node, path.string(), log), 0);
}

}  // namespace
}  // namespace hhplus::loadgen
