#include "tests/support/mariadb_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>  // NOLINT(modernize-deprecated-headers): POSIX kill(), not C's signal
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace hhplus::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// Bumped when the template's content changes (users, grants, options baked into the datadir).
constexpr int kTemplateFormat = 1;
// mariadb-install-db takes ~1 s alone and far longer on a loaded 2-core machine with several
// tests building at once (they wait on the lock): a generous bound.
constexpr auto kTemplateLockTimeout = 300s;
constexpr auto kInstallTimeout = 240s;
// A server starts in ~0.2 s idle; crash recovery and a loaded machine can take many seconds.
constexpr auto kReadyTimeout = 120s;
constexpr auto kReadyPollInterval = 50ms;
constexpr auto kStopGrace = 60s;  // clean shutdown flushes at most the 64 MB buffer pool
constexpr auto kClientTimeout = 60s;
constexpr int kPortAttempts = 4;  // a free port can be taken by a parallel test before we bind

struct Captured {
    int status = -1;
    bool timed_out = false;
    std::string out;
    std::string err;
};

// Runs argv with stdout and stderr captured separately; kills it at the deadline.
Captured RunCapture(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
    std::vector<std::string> copy = argv;
    std::vector<char*> args;
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);

    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
        ::close(out_pipe[0]);
        ::close(out_pipe[1]);
        throw std::runtime_error("pipe2 failed");
    }
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(out_pipe[1], STDOUT_FILENO);
        ::dup2(err_pipe[1], STDERR_FILENO);
        const int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);

    Captured result;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_pipes = 2;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (open_pipes > 0) {  // bounded by the deadline
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            ::kill(pid, SIGKILL);
            result.timed_out = true;
            break;
        }
        const int ready = ::poll(fds, 2, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) continue;
            char buffer[4096];
            const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                fds[i].fd = -1;
                --open_pipes;
            }
        }
    }
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.status = status;
    return result;
}

bool Succeeded(const Captured& c) {
    return !c.timed_out && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0;
}

std::string Require(const std::string& name) {
    std::string path = FindExecutable(name);
    if (path.empty())
        throw std::runtime_error(name + " not found (apt-get install mariadb-server)");
    return path;
}

std::string ServerBinary() {
    std::string path = FindExecutable("mariadbd");
    return path.empty() ? Require("mysqld") : path;
}

std::string ClientBinary() {
    std::string path = FindExecutable("mariadb");
    return path.empty() ? Require("mysql") : path;
}

// Options shared by the template build and every test server. Small InnoDB memory and log so
// that many servers fit side by side; no binary log (no replication here); native AIO off so
// parallel servers don't exhaust the kernel's aio-max-nr.
std::vector<std::string> ServerArgs(const fs::path& datadir, const fs::path& socket,
                                    const fs::path& pid_file) {
    return {ServerBinary(),
            "--no-defaults",
            "--datadir=" + datadir.string(),
            "--socket=" + socket.string(),
            "--pid-file=" + pid_file.string(),
            "--user=root",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=64M",
            "--innodb-log-file-size=16M",
            "--innodb-use-native-aio=0",
            "--skip-name-resolve",
            "--character-set-server=utf8mb4"};
}

fs::path TemplateRoot() {
    const char* base = std::getenv("TMPDIR");
    return fs::path(base != nullptr ? base : "/tmp") /
           ("hhplus-mariadb-template-" + std::to_string(::getuid()));
}

// Identifies the server build the template was made with: a new mariadbd rebuilds it.
std::string TemplateKey() {
    const std::string binary = ServerBinary();
    struct stat st {};
    ::stat(binary.c_str(), &st);
    std::ostringstream key;
    key << "format=" << kTemplateFormat << " server=" << binary << " size=" << st.st_size
        << " mtime=" << st.st_mtime;
    return key.str();
}

std::string ReadFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Holds an exclusive flock for its lifetime (released by close, even if we crash).
class FileLock {
  public:
    explicit FileLock(const fs::path& path) {
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) throw std::runtime_error("cannot open " + path.string());
        const auto deadline = std::chrono::steady_clock::now() + kTemplateLockTimeout;
        while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {  // bounded by the deadline
            if (std::chrono::steady_clock::now() >= deadline) {
                ::close(fd_);
                throw std::runtime_error("timed out waiting for " + path.string());
            }
            std::this_thread::sleep_for(50ms);
        }
    }
    ~FileLock() { ::close(fd_); }
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

  private:
    int fd_ = -1;
};

bool WaitForSql(const std::vector<std::string>& client_args, ChildProcess& server) {
    const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!server.Running()) return false;
        if (Succeeded(RunCapture(client_args, 10s))) return true;
        std::this_thread::sleep_for(kReadyPollInterval);
    }
    return false;
}

// Builds the template datadir under `root` (mariadb-install-db, then a socket-only server to
// create the database and user) unless it is already current.
void BuildTemplate(const fs::path& root, const std::string& key) {
    const fs::path building = root.string() + ".building";
    std::error_code ec;
    fs::remove_all(building, ec);
    fs::remove_all(root, ec);
    fs::create_directories(building);
    const fs::path datadir = building / "data";

    const Captured installed =
        RunCapture({Require("mariadb-install-db"), "--no-defaults", "--datadir=" + datadir.string(),
                    "--user=root", "--skip-test-db", "--auth-root-authentication-method=socket",
                    "--skip-log-bin", "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
                    "--innodb-use-native-aio=0"},
                   std::chrono::duration_cast<std::chrono::milliseconds>(kInstallTimeout));
    if (!Succeeded(installed)) {
        throw std::runtime_error("mariadb-install-db failed:\n" + installed.out + installed.err);
    }

    const fs::path socket = building / "sock";
    auto args = ServerArgs(datadir, socket, building / "mariadbd.pid");
    args.push_back("--skip-networking");
    ChildProcess server(args, building / "mariadbd.log");
    const std::vector<std::string> root_client = {ClientBinary(),
                                                  "--no-defaults",
                                                  "--protocol=SOCKET",
                                                  "--socket=" + socket.string(),
                                                  "-uroot",
                                                  "-e",
                                                  "SELECT 1"};
    if (!WaitForSql(root_client, server)) {
        throw std::runtime_error("template mariadbd did not start:\n" + server.LogTail());
    }
    const Captured setup =
        RunCapture({ClientBinary(), "--no-defaults", "--protocol=SOCKET",
                    "--socket=" + socket.string(), "-uroot", "-e",
                    "CREATE DATABASE hhplus CHARACTER SET utf8mb4;"
                    "CREATE USER 'hhplus'@'%' IDENTIFIED BY 'hhplus';"
                    "CREATE USER 'hhplus'@'localhost' IDENTIFIED BY 'hhplus';"
                    "GRANT ALL PRIVILEGES ON *.* TO 'hhplus'@'%' WITH GRANT OPTION;"
                    "GRANT ALL PRIVILEGES ON *.* TO 'hhplus'@'localhost' WITH GRANT OPTION;"},
                   std::chrono::duration_cast<std::chrono::milliseconds>(kClientTimeout));
    if (!Succeeded(setup)) throw std::runtime_error("template setup failed: " + setup.err);
    const int status =
        server.Stop(std::chrono::duration_cast<std::chrono::milliseconds>(kStopGrace));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw std::runtime_error("template mariadbd did not shut down cleanly:\n" +
                                 server.LogTail());
    }
    fs::remove(building / "mariadbd.log", ec);
    std::ofstream(building / "READY") << key;
    fs::rename(building, root);
}

// Copies a current template datadir to `target`, building the template first if needed.
void CopyTemplateTo(const fs::path& target) {
    const fs::path root = TemplateRoot();
    FileLock lock(root.string() + ".lock");
    const std::string key = TemplateKey();
    if (ReadFile(root / "READY") != key) BuildTemplate(root, key);
    fs::copy(root / "data", target, fs::copy_options::recursive);
}

// True when every thread of `pid` is in state T (stopped), read from /proc/<pid>/task/*/stat.
bool AllThreadsStopped(pid_t pid) {
    std::error_code ec;
    const fs::path tasks = fs::path("/proc") / std::to_string(pid) / "task";
    bool any = false;
    for (const auto& entry : fs::directory_iterator(tasks, ec)) {
        const std::string stat = ReadFile(entry.path() / "stat");
        // "tid (comm) S ...": the state follows the last ')' (comm may contain spaces).
        const auto close = stat.rfind(')');
        if (close == std::string::npos || close + 2 >= stat.size()) return false;
        if (stat[close + 2] != 'T') return false;
        any = true;
    }
    return any && !ec;
}

}  // namespace

MariaDbServer::MariaDbServer() : dir_("hhplus-mariadb") {
    datadir_ = dir_.path() / "data";
    socket_ = dir_.path() / "sock";
    CopyTemplateTo(datadir_);
    for (int attempt = 1;; ++attempt) {
        port_ = FreePort();
        Launch();
        if (WaitReady()) return;
        const std::string log = process_.LogTail();
        process_.Stop();
        const bool port_taken = log.find("Address already in use") != std::string::npos ||
                                log.find("Bind on TCP/IP port") != std::string::npos;
        if (!port_taken || attempt == kPortAttempts) {
            throw std::runtime_error("mariadbd did not start on port " + std::to_string(port_) +
                                     ":\n" + log);
        }
    }
}

MariaDbServer::~MariaDbServer() {
    // Its data is about to be deleted: no need for a clean shutdown.
    if (process_.Running()) {
        process_.Signal(SIGCONT);
        process_.Signal(SIGKILL);
        process_.Wait(std::chrono::duration_cast<std::chrono::milliseconds>(kStopGrace));
    }
}

std::string MariaDbServer::Url() const {
    return "mysql://hhplus:hhplus@127.0.0.1:" + std::to_string(port_) + "/hhplus";
}

void MariaDbServer::Launch() {
    auto args = ServerArgs(datadir_, socket_, dir_.path() / "mariadbd.pid");
    args.push_back("--skip-networking=0");
    args.push_back("--bind-address=127.0.0.1");
    args.push_back("--port=" + std::to_string(port_));
    process_ = ChildProcess(args, dir_.path() / "mariadbd.log");
}

bool MariaDbServer::WaitReady() {
    // A real query over TCP as the application user: listening alone is not ready.
    return WaitForSql({ClientBinary(), "--no-defaults", "--protocol=TCP", "--host=127.0.0.1",
                       "--port=" + std::to_string(port_), "--user=hhplus", "--password=hhplus",
                       "--connect-timeout=5", "--database=hhplus", "-e", "SELECT 1"},
                      process_);
}

void MariaDbServer::Stop() {
    if (!process_.Running()) return;
    process_.Signal(SIGCONT);  // a paused server must be able to act on SIGTERM
    process_.Stop(std::chrono::duration_cast<std::chrono::milliseconds>(kStopGrace));
}

void MariaDbServer::Start() {
    if (process_.Running()) return;
    Launch();
    if (!WaitReady()) {
        const std::string log = process_.LogTail();
        process_.Stop();
        throw std::runtime_error("mariadbd did not restart on port " + std::to_string(port_) +
                                 ":\n" + log);
    }
}

void MariaDbServer::Restart() {
    Stop();
    Start();
}

void MariaDbServer::Kill9() {
    if (!process_.Running()) return;
    process_.Signal(SIGKILL);
    process_.Wait(std::chrono::duration_cast<std::chrono::milliseconds>(kStopGrace));
}

void MariaDbServer::Pause() {
    process_.Signal(SIGSTOP);
    // kill() returns before the stop takes effect: a thread busy with a query could still
    // answer it. Wait until every thread of the server is in the stopped state.
    const auto deadline = std::chrono::steady_clock::now() + kStopGrace;
    while (!AllThreadsStopped(process_.pid())) {  // bounded by the deadline
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("mariadbd did not stop on SIGSTOP");
        }
        std::this_thread::sleep_for(5ms);
    }
}

void MariaDbServer::Resume() { process_.Signal(SIGCONT); }
bool MariaDbServer::Running() { return process_.Running(); }

std::string MariaDbServer::Sql(const std::string& statement) const {
    const Captured result =
        RunCapture({ClientBinary(), "--no-defaults", "--protocol=SOCKET",
                    "--socket=" + socket_.string(), "--user=hhplus", "--password=hhplus",
                    "--database=hhplus", "--batch", "--skip-column-names", "-e", statement},
                   std::chrono::duration_cast<std::chrono::milliseconds>(kClientTimeout));
    if (!Succeeded(result)) {
        throw std::runtime_error("mariadb client failed (" +
                                 std::string(result.timed_out ? "timed out" : "error") +
                                 ") for: " + statement + "\n" + result.err);
    }
    return result.out;
}

}  // namespace hhplus::testing
