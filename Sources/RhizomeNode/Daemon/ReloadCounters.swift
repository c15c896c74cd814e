/// Config reloads since start, for the metrics endpoint (`rhizome_reloads_total`,
/// `rhizome_reload_failures_total`). The reload code counts each attempt here, on the node's
/// event loop, where the metrics are read: a reload applied is `reloadsDone`; one refused (a
/// config with an error, a file that cannot be read) is `reloadsFailed`.
public struct ReloadCounters: Sendable, Equatable {
    public var reloadsDone = 0
    public var reloadsFailed = 0
    public init() {}
}
