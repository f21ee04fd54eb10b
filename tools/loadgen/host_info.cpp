#include "loadgen/host_info.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sched.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hhplus::loadgen {

std::string ReadLoadAverage() {
    std::ifstream in("/proc/loadavg");
    std::string a, b, c;
    if (!(in >> a >> b >> c)) return "?";
    return a + " " + b + " " + c;
}

std::string DetectVirtualization(bool& is_virtual) {
    is_virtual = false;
    for (const char* path : {"/usr/bin/systemd-detect-virt", "/bin/systemd-detect-virt"}) {
        if (::access(path, X_OK) != 0) continue;
        std::string command = std::string(path) + " 2>/dev/null";
        if (std::FILE* p = ::popen(command.c_str(), "r")) {
            char buf[64] = {};
            std::string out = std::fgets(buf, sizeof buf, p) != nullptr ? buf : "";
            ::pclose(p);
            while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
            if (!out.empty()) {
                is_virtual = out != "none";
                return out;
            }
        }
    }
    std::string kind = "none";
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line;
    while (std::getline(cpuinfo, line)) {
        if (line.rfind("flags", 0) == 0) {
            std::istringstream flags(line.substr(line.find(':') + 1));
            std::string flag;
            while (flags >> flag) {
                if (flag == "hypervisor") kind = "hypervisor (cpu flag)";
            }
            break;
        }
    }
    if (::access("/.dockerenv", F_OK) == 0) kind = kind == "none" ? "docker" : kind + ", docker";
    if (::access("/run/.containerenv", F_OK) == 0)
        kind = kind == "none" ? "podman" : kind + ", podman";
    is_virtual = kind != "none";
    return kind;
}

std::string TargetLocation(const std::string& address) {
    in_addr v4{};
    in6_addr v6{};
    const bool is_v4 = ::inet_pton(AF_INET, address.c_str(), &v4) == 1;
    const bool is_v6 = !is_v4 && ::inet_pton(AF_INET6, address.c_str(), &v6) == 1;
    if (!is_v4 && !is_v6) return "unknown machine (" + address + ")";
    if ((is_v4 && (ntohl(v4.s_addr) >> 24) == 127) || (is_v6 && IN6_IS_ADDR_LOOPBACK(&v6))) {
        return "the same machine (loopback " + address + ")";
    }
    ifaddrs* list = nullptr;
    bool local = false;
    if (::getifaddrs(&list) == 0) {
        for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
            if (it->ifa_addr == nullptr) continue;
            if (is_v4 && it->ifa_addr->sa_family == AF_INET) {
                local |= reinterpret_cast<sockaddr_in*>(it->ifa_addr)->sin_addr.s_addr == v4.s_addr;
            } else if (is_v6 && it->ifa_addr->sa_family == AF_INET6) {
                local |= std::memcmp(&reinterpret_cast<sockaddr_in6*>(it->ifa_addr)->sin6_addr, &v6,
                                     sizeof v6) == 0;
            }
        }
        ::freeifaddrs(list);
    }
    return local ? "the same machine (" + address + " is a local interface)"
                 : "another machine (" + address + ")";
}

HostReport CaptureHost(const std::string& target_address) {
    HostReport h;
    long online = ::sysconf(_SC_NPROCESSORS_ONLN);
    h.cores_online = online > 0 ? static_cast<unsigned>(online) : 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    h.cores_usable = ::sched_getaffinity(0, sizeof set, &set) == 0
                         ? static_cast<unsigned>(CPU_COUNT(&set))
                         : h.cores_online;
    h.loadavg_before = ReadLoadAverage();
    h.virtualization = DetectVirtualization(h.virtual_machine);
    h.target_location = TargetLocation(target_address);
    return h;
}

}  // namespace hhplus::loadgen
