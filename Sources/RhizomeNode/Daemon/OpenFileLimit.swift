#if canImport(Glibc)
import Glibc
#endif

/// A public peer holds up to `LinkManager.maxLinks` links, each a descriptor, plus handshakes,
/// held refusals, admin and metrics clients: far above the soft limit of 1024 that most shells
/// and many service managers give. Go programs (yggdrasil among them, Go ≥ 1.19) raise their
/// soft limit to the hard one at start, and so does the daemon; the hard limit stays the
/// operator's to set (`LimitNOFILE=` in Configs/rhizome.service).
public enum OpenFileLimit {
    /// Descriptors a node at every cap could hold: links, both handshake budgets, held
    /// refusals, and a margin for listeners, TUN, admin and metrics clients.
    public static let wanted = rlim_t(LinkManager.maxLinks + LinkManager.maxInboundHandshakes
                                      + LinkManager.maxOutboundHandshakes + LinkManager.maxHeldRefusals + 512)

    /// Raises the soft limit to the hard one. Returns the limits before and after, or nil when
    /// they cannot be read.
    @discardableResult
    public static func raise() -> (before: rlim_t, after: rlim_t)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let before = limit.rlim_cur
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 { return (before, before) }
        }
        return (before, limit.rlim_cur)
    }
}
