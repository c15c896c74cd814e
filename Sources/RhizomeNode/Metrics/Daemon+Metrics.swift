import RhizomeCore
import RhizomeCrypto

extension Daemon {
    /// Starts, moves or stops the metrics endpoint so it matches `value` (`HOST:PORT`; nil or
    /// empty turns it off). Start-up calls it with `MetricsListen`; a reload can call it again.
    /// A moved endpoint closes the old listener before binding the new one. Call it off the
    /// event loop. Throws a `ConfigError` for a bad value, or the bind error.
    public func applyMetricsListen(_ value: String?) throws {
        let wanted = try value.flatMap { $0.isEmpty ? nil : try MetricsListen($0) }
        if metricsServer?.listen == wanted { return }
        if let old = metricsServer {
            try? old.stop().wait()
            metricsServer = nil
            log.info("Metrics endpoint closed")
        }
        guard let wanted else { return }
        let server = MetricsServer(eventLoop: links.eventLoop, log: log) { [weak self] in
            self?.gatherMetrics() ?? []
        }
        do {
            try server.start(listen: wanted)
        } catch {
            throw ConfigError(field: "MetricsListen", message: "\(value ?? ""): cannot listen: \(error)")
        }
        metricsServer = server
    }

    /// Everything the endpoint exports, read from the runtime now. On the event loop.
    func gatherMetrics() -> [MetricFamily] {
        var m = MetricsBuilder()
        m.gauge("rhizome_build_info", "This node's version and protocol version (always 1).",
                [([("version", BuildInfo.version), ("protocol", runtime.version.rawValue)], 1)])

        let live = links.allLinks
        m.gauge("rhizome_links_up", "Peer links up, by scheme.",
                PeerURI.Scheme.allCases.map { s in ([("scheme", s.rawValue)], live.filter { $0.scheme == s }.count) })
        // Closed links' totals plus the live ones', so the counters never go down.
        var t = links.metrics
        for link in live { t.linkClosed(link) }
        m.counter("rhizome_link_bytes_total", "Bytes on peer links (frames with their length prefixes), all links since start.",
                  label: "direction", ["in": Int(truncatingIfNeeded: t.closedBytesReceived), "out": Int(truncatingIfNeeded: t.closedBytesSent)])
        m.counter("rhizome_link_frames_total", "Frames (packets) on peer links, all links since start.",
                  label: "direction", ["in": Int(truncatingIfNeeded: t.closedFramesReceived), "out": Int(truncatingIfNeeded: t.closedFramesSent)])
        let tun = runtime.tunCounters
        m.counter("rhizome_tun_packets_total", "IPv6 packets through the TUN interface: in = written to it (for us), out = read from it.",
                  label: "direction", ["in": Int(truncatingIfNeeded: tun.packetsWritten), "out": Int(truncatingIfNeeded: tun.packetsRead)])
        m.counter("rhizome_tun_bytes_total", "Bytes of IPv6 packets through the TUN interface: in = written to it, out = read from it.",
                  label: "direction", ["in": Int(truncatingIfNeeded: tun.bytesWritten), "out": Int(truncatingIfNeeded: tun.bytesRead)])

        let sessions = runtime.sessions
        let ipv6 = runtime.ipv6
        m.gauge("rhizome_sessions", "Open end-to-end encrypted sessions.", sessions.sessionCount)

        let drops = "Packets and messages dropped, by layer and reason."
        m.counter("rhizome_drops_total", drops, [([("layer", "link"), ("reason", "send_buffer_full")], Int(truncatingIfNeeded: t.closedTrafficDropped))])
        let s = sessions.counters
        m.counter("rhizome_drops_total", drops, [
            ("oversize", s.refusedOversize), ("bad_handshake", s.droppedBadHandshake), ("malformed", s.droppedMalformedTraffic),
            ("replayed", s.droppedReplayedTraffic), ("short_plaintext", s.droppedShortPlaintext), ("other", s.droppedOther),
            ("unencryptable", s.droppedUnencryptable), ("pending_replaced", s.replacedPending), ("buffer_evicted", s.evictedBuffers),
        ].map { ([("layer", "session"), ("reason", $0.0)], $0.1) })
        let c = ipv6.counters
        m.counter("rhizome_drops_total", drops, [
            ("not_ipv6", c.droppedNotIPv6), ("too_short", c.droppedTooShort), ("bad_source", c.droppedBadSource),
            ("bad_destination", c.droppedBadDestination), ("not_for_us", c.droppedNotForUs), ("spoofed_source", c.droppedSpoofedSource),
            ("too_big", c.packetTooBigSent), ("bad_out_of_band", c.droppedBadOutOfBand), ("pending_replaced", c.pendingReplaced),
            ("pending_evicted", c.pendingEvicted),
        ].map { ([("layer", "ipv6"), ("reason", $0.0)], $0.1) })
        routerMetrics?(&m)

        m.gauge("rhizome_table_entries", "Entries in the node's bounded tables.", [
            ([("table", "sessions_pending")], sessions.pendingCount), ([("table", "key_cache")], ipv6.cacheCount),
            ([("table", "lookups_pending")], ipv6.pendingCount),
        ])
        m.counter("rhizome_lookups_total", "Key lookups: sent, answered for us, ignored, responses accepted and rejected.",
                  label: "event", ["sent": c.lookupsSent, "answered": c.lookupsAnswered, "ignored": c.lookupsIgnored,
                                   "response_accepted": c.responsesAccepted, "response_rejected": c.responsesRejected])
        let failures = t.handshakeFailures
        m.counter("rhizome_handshake_failures_total", "Link handshakes that failed or were refused, by reason.",
                  HandshakeFailureReason.allCases.map { ([("reason", $0.rawValue)], failures[$0] ?? 0) })
        m.counter("rhizome_reloads_total", "Config reloads applied.", reloadCounts.done)
        m.counter("rhizome_reload_failures_total", "Config reloads refused (an error in the config, an unreadable file).", reloadCounts.failed)
        if let rss = ProcessMemory.residentBytes() {
            m.gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss)
        }
        return m.families
    }

    /// 0.4's router: tree, DHT and path tables, router drops.
    static func routerMetrics04(_ runtime: NodeRuntime<Router>) -> (inout MetricsBuilder) -> Void {
        { [weak runtime] m in
            guard let router = runtime?.router else { return }
            addTree(&m, depth: router.coords.count, root: router.root)
            let sizes = router.tableSizes
            m.gauge("rhizome_table_entries", "", [
                ([("table", "peers")], sizes.peers), ([("table", "dht")], sizes.dht),
                ([("table", "paths")], sizes.paths), ([("table", "dht_expired")], sizes.expired),
            ])
            let c = router.counters
            m.counter("rhizome_drops_total", "", [
                ("oversize", c.droppedOversize), ("no_route", c.droppedNoRoute), ("bad_signature", c.droppedBadSignature),
                ("table_full", c.droppedTableFull),
            ].map { ([("layer", "router"), ("reason", $0.0)], $0.1) })
            m.counter("rhizome_link_protocol_errors_total", "Links closed for a protocol error from the peer.",
                      c.linksClosedForProtocolErrors)
        }
    }

    /// 0.5's router: tree (announcements), paths, rumors, blooms, router drops.
    static func routerMetrics05(_ runtime: NodeRuntime<Router05>) -> (inout MetricsBuilder) -> Void {
        { [weak runtime] m in
            guard let router = runtime?.router else { return }
            addTree(&m, depth: router.coords.count, root: router.rootKey)
            let sizes = router.tableSizes
            m.gauge("rhizome_table_entries", "", [
                ([("table", "peers")], router.blooms.count), ([("table", "tree")], sizes.infos),
                ([("table", "paths")], sizes.paths), ([("table", "rumors")], sizes.rumors),
                ([("table", "tree_pending")], sizes.pending),
            ])
            let c = router.counters
            m.counter("rhizome_drops_total", "", [
                ("oversize", c.droppedOversize), ("tree_full", c.droppedInfosFull),
                ("bad_notify_signature", c.droppedBadNotifySignature), ("unsolicited_notify", c.droppedUnsolicitedNotify),
                ("too_long", c.droppedTooLong), ("broken_path", c.trafficBroken),
            ].map { ([("layer", "router"), ("reason", $0.0)], $0.1) })
            m.counter("rhizome_link_protocol_errors_total", "Links closed for a protocol error from the peer.",
                      c.linksClosedForProtocolErrors)
            m.counter("rhizome_table_evictions_total", "Entries evicted to keep a table within its bound.",
                      label: "table", ["paths": c.pathsEvicted, "rumors": c.rumorsEvicted])
        }
    }

    private static func addTree(_ m: inout MetricsBuilder, depth: Int, root: PublicKey) {
        m.gauge("rhizome_tree_depth", "Hops from this node to the spanning tree's root (0 when it is the root).", depth)
        m.gauge("rhizome_tree_root_info", "The spanning tree's root key (always 1; one series).", [([("root", root.hex)], 1)])
    }
}
