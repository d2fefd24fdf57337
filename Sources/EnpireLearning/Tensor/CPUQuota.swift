import Foundation

/// The CPU time a Linux control group allows this process, in whole cores: what `docker --cpus 1.5`, a Kubernetes
/// CPU limit or a systemd `CPUQuota=` set. Such a quota leaves every core in the affinity mask, so a pool sized by
/// the mask alone runs more threads than the quota lets run at once, and they are throttled in turns.
///
/// Reads cgroup v2 (`cpu.max`) and cgroup v1 (`cpu.cfs_quota_us` / `cpu.cfs_period_us`) along the process's group
/// and its ancestors, and keeps the tightest limit; a fractional quota rounds up (1.5 cores → 2 threads).
enum CPUQuota {
    /// Cores a cgroup v2 `cpu.max` line allows (`"max 100000"`: no limit, nil; `"150000 100000"`: 2).
    static func cores(cpuMax text: String) -> Int? {
        let fields = text.split(whereSeparator: \.isWhitespace)
        guard fields.count == 2, fields[0] != "max" else { return nil }
        return cores(quota: String(fields[0]), period: String(fields[1]))
    }

    /// Cores a cgroup v1 quota and period (microseconds, as in `cpu.cfs_quota_us` and `cpu.cfs_period_us`) allow;
    /// nil for no limit (`-1`) or unreadable values.
    static func cores(quota: String, period: String) -> Int? {
        guard let quota = Int(quota.trimmingCharacters(in: .whitespacesAndNewlines)), quota > 0,
              let period = Int(period.trimmingCharacters(in: .whitespacesAndNewlines)), period > 0 else { return nil }
        return max(1, (quota + period - 1) / period)
    }

    /// The group paths of `/proc/self/cgroup` text: the v2 path (line `0::PATH`) and the v1 path of the `cpu`
    /// controller (a line whose controller list contains `cpu`).
    static func groups(procSelfCgroup text: String) -> (unified: String?, cpu: String?) {
        var unified: String?
        var cpu: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "0", parts[1].isEmpty {
                unified = String(parts[2])
            } else if parts[1].split(separator: ",").contains("cpu") {
                cpu = String(parts[2])
            }
        }
        return (unified, cpu)
    }

    /// The directories to look in for `path` under a controller mounted at `mount`: the group and each ancestor up
    /// to the mount (inside a container the mount is the container's own group, so the root is looked at too).
    static func directories(mount: String, path: String) -> [String] {
        var components = path.split(separator: "/").map(String.init)
        var result: [String] = []
        while true {
            result.append(([mount] + components).joined(separator: "/"))
            guard !components.isEmpty else { return result }
            components.removeLast()
        }
    }

    /// The tightest limit this process runs under, or nil when none is set or none can be read (not Linux, no
    /// cgroup file system).
    static func current(root: String = "/sys/fs/cgroup", procSelfCgroup: String = "/proc/self/cgroup") -> Int? {
        guard let text = try? String(contentsOfFile: procSelfCgroup, encoding: .utf8) else { return nil }
        let groups = groups(procSelfCgroup: text)
        var limits: [Int] = []
        func read(_ file: String) -> String? { try? String(contentsOfFile: file, encoding: .utf8) }
        if let path = groups.unified {
            // A pure v2 host mounts the unified tree at the root; a hybrid v1/v2 host at `unified`.
            for mount in [root, root + "/unified"] {
                for directory in directories(mount: mount, path: path) {
                    if let line = read(directory + "/cpu.max"), let cores = cores(cpuMax: line) { limits.append(cores) }
                }
            }
        }
        if let path = groups.cpu {
            for mount in [root + "/cpu", root + "/cpu,cpuacct", root + "/cpuacct,cpu"] {
                for directory in directories(mount: mount, path: path) {
                    if let quota = read(directory + "/cpu.cfs_quota_us"), let period = read(directory + "/cpu.cfs_period_us"),
                       let cores = cores(quota: quota, period: period) {
                        limits.append(cores)
                    }
                }
            }
        }
        return limits.min()
    }
}
