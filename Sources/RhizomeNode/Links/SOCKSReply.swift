/// The proxy's side of a SOCKS5 exchange (RFC 1928, RFC 1929), read without I/O so that any
/// bytes a proxy sends can be checked (and fuzzed) apart from the channel: `SOCKSClientHandler`
/// buffers what arrives and asks `parse` for the reply of the stage it is in.
///
/// What is checked is what 0.4.7's client needs to go on: the method reply's version (5) and
/// method, the authentication reply's status, and the CONNECT reply's status, address type and
/// length. The CONNECT reply's version and reserved bytes and the authentication reply's version
/// byte are not checked. Every reply is at most 262 bytes (a 255-byte domain name).
public enum SOCKSReply: Equatable, Sendable {
    /// Method reply: the proxy needs no authentication; CONNECT comes next.
    case noAuthentication
    /// Method reply: the proxy asks for username/password (RFC 1929).
    case usernamePassword
    /// RFC 1929 reply: the credentials were accepted.
    case authenticated
    /// CONNECT reply: the proxy has connected to the target; the link's bytes follow.
    case connected
    /// The exchange cannot go on; the text is what the log says after "SOCKS proxy: ".
    case failure(String)

    /// Which reply the client waits for.
    public enum Stage: Sendable {
        case method, authentication, connect
    }

    /// Longest reply: CONNECT with a domain-name address (4 + 1 + 255 + 2).
    public static let maxReplyLength = 262

    /// The reply at the start of `bytes` and how many bytes it took, or nil while it is
    /// incomplete. A failure may be decided before the whole reply has arrived (a bad version or
    /// address type); then the bytes taken are those read so far.
    public static func parse<C: Collection>(_ stage: Stage, _ bytes: C) -> (reply: SOCKSReply, length: Int)?
    where C.Element == UInt8 {
        var it = bytes.makeIterator()
        func next() -> UInt8? { it.next() }
        switch stage {
        case .method:
            guard let version = next(), let method = next() else { return nil }
            guard version == 0x05 else { return (.failure("not a SOCKS5 proxy"), 2) }
            switch method {
            case 0x00: return (.noAuthentication, 2)
            case 0x02: return (.usernamePassword, 2)
            default: return (.failure("no acceptable authentication method"), 2)
            }
        case .authentication:
            guard next() != nil, let status = next() else { return nil }
            return (status == 0x00 ? .authenticated : .failure("authentication refused"), 2)
        case .connect:
            guard bytes.count >= 5 else { return nil }
            _ = next()
            let code = next()!
            _ = next()
            let addressType = next()!
            let first = next()!
            let addressLength: Int
            switch addressType {
            case 0x01: addressLength = 4
            case 0x04: addressLength = 16
            case 0x03: addressLength = 1 + Int(first)
            default: return (.failure("bad reply address type \(addressType)"), 5)
            }
            let total = 4 + addressLength + 2
            guard bytes.count >= total else { return nil }
            return (code == 0x00 ? .connected : .failure("CONNECT refused (code \(code))"), total)
        }
    }
}
