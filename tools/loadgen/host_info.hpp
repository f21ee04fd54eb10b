#pragma once
// "Where it ran": cores, load average, virtualisation and whether the target shares the machine.
// The seed guide warns against virtual machines and shared hosts; we cannot always avoid them,
// so the report says which case the figures come from.
#include <string>

#include "loadgen/run_report.hpp"

namespace hhplus::loadgen {

// "0.52 0.40 0.30" from /proc/loadavg ("?" when unreadable).
std::string ReadLoadAverage();
// "kvm", "docker", "none", ... from systemd-detect-virt when installed, else from the
// "hypervisor" CPU flag in /proc/cpuinfo and container marker files; sets `is_virtual`.
std::string DetectVirtualization(bool& is_virtual);
// Whether `address` (numeric IPv4/IPv6) is loopback or one of this machine's interface addresses.
std::string TargetLocation(const std::string& address);
// Cores online and usable by this process (CPU affinity), virtualisation, load average now.
HostReport CaptureHost(const std::string& target_address);

}  // namespace hhplus::loadgen
