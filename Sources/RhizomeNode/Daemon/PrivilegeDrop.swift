#if canImport(Glibc)
import Glibc
#endif

/// `-user USER[:GROUP]`, as yggdrasil 0.5.12 reads it: each part is tried as a numeric id and
/// then as a name, and must exist; the group defaults to the user's primary group, which is
/// also the only supplementary group. Resolved before the node starts (a wrong name stops
/// start-up before anything is opened) and applied once the TUN, the listeners and the admin
/// socket exist. Leaving uid 0 clears every capability, so nothing privileged is possible
/// afterwards.
public struct PrivilegeDrop: Sendable, Equatable {
    public let uid: uid_t
    public let gid: gid_t
    /// The text given, for messages.
    public let spec: String

    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { "-user \(message)" }
    }

    public init(_ spec: String) throws {
        self.spec = spec
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userText = parts[0]
        guard !userText.isEmpty else { throw Failure(message: "\"\(spec)\": the user is empty") }
        if parts.count == 2 && parts[1].isEmpty { throw Failure(message: "\"\(spec)\": the group after ':' is empty") }
        guard let user = Self.lookUpUser(userText) else { throw Failure(message: "\"\(spec)\": unknown user \"\(userText)\"") }
        uid = user.uid
        if parts.count == 2 {
            guard let group = Self.lookUpGroup(parts[1]) else { throw Failure(message: "\"\(spec)\": unknown group \"\(parts[1])\"") }
            gid = group
        } else {
            gid = user.gid
        }
    }

    static func lookUpUser(_ text: String) -> (uid: uid_t, gid: gid_t)? {
        if let id = UInt32(text), let pw = getpwuid(id) { return (pw.pointee.pw_uid, pw.pointee.pw_gid) }
        guard let pw = getpwnam(text) else { return nil }
        return (pw.pointee.pw_uid, pw.pointee.pw_gid)
    }

    static func lookUpGroup(_ text: String) -> gid_t? {
        if let id = UInt32(text), let gr = getgrgid(id) { return gr.pointee.gr_gid }
        return getgrnam(text)?.pointee.gr_gid
    }

    /// Hands the admin socket to the user (so it can still delete it on the way out and group
    /// members can reach it), then sets the groups, the group and the user, in that order.
    /// glibc applies each to every thread of the process.
    public func apply(adminSocket: String?) throws {
        if let adminSocket, chown(adminSocket, uid, gid) != 0 {
            throw Failure(message: "\(spec): chown \(adminSocket) \(uid):\(gid): \(String(cString: strerror(errno)))")
        }
        var groups = [gid]
        guard setgroups(1, &groups) == 0 else { throw Failure(message: "\(spec): setgroups \(gid): \(String(cString: strerror(errno)))") }
        guard setgid(gid) == 0 else { throw Failure(message: "\(spec): setgid \(gid): \(String(cString: strerror(errno)))") }
        guard setuid(uid) == 0 else { throw Failure(message: "\(spec): setuid \(uid): \(String(cString: strerror(errno)))") }
        if uid != 0 && setuid(0) == 0 { throw Failure(message: "\(spec): uid 0 could be regained after setuid \(uid)") }
    }
}
