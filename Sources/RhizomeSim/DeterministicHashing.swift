#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Swift seeds `Hasher` randomly per process and gives every `Dictionary`/`Set` storage its own
/// seed (its address), so their iteration order differs between processes and even between two
/// runs in one process. The routers iterate dictionaries in a few places (DHT path table ties
/// in greedy routing, the order of teardowns after a link loss or a new predecessor), which
/// changes frame order and therefore, eventually, the run. With `SWIFT_DETERMINISTIC_HASHING=1`
/// in the environment *when the process starts*, hashing is unseeded and storage seeds depend
/// only on capacity, so a run is a pure function of its config. Setting the variable later has no
/// effect (the runtime reads it at load time), hence `reexecIfNeeded`.
public enum DeterministicHashing {
    public static let variable = "SWIFT_DETERMINISTIC_HASHING"

    /// Whether the variable was set (to a true value) for this process.
    public static var isEnabled: Bool {
        guard let raw = getenv(variable) else { return false }
        switch String(cString: raw).lowercased() {
        case "1", "true", "yes", "on": return true
        default: return false
        }
    }

    /// If deterministic hashing is off and the variable is absent, re-executes the current program
    /// with the variable set and the same arguments. Returns only when no re-exec happened (the
    /// variable was already present, explicitly set to something false, or `execv` failed).
    public static func reexecIfNeeded() {
        guard getenv(variable) == nil else { return }
        setenv(variable, "1", 1)
        // /proc/self/exe is the running binary whatever argv[0] says (Linux); else argv[0].
        #if os(Linux)
        let path = "/proc/self/exe"
        #else
        let path = String(cString: CommandLine.unsafeArgv[0]!)
        #endif
        _ = path.withCString { execv($0, CommandLine.unsafeArgv) }
        // execv only returns on failure: carry on with randomized hashing.
    }
}
