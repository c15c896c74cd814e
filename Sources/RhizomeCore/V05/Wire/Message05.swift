import RhizomeCrypto

/// Any decoded 0.5 message, one case per wire type (routing.md §2.2).
public enum Message05: Hashable, Sendable {
    /// Type 0: accepted and ignored, body not decoded.
    case dummy
    /// Type 1: body ignored; 0.5.12 sends it empty.
    case keepAlive
    case sigRequest(SigRequest05)
    case sigResponse(SigResponse05)
    case announce(Announcement05)
    case bloom(BloomFilter05)
    case pathLookup(PathLookup05)
    case pathNotify(PathNotify05)
    case pathBroken(PathBroken05)
    case traffic(Traffic05)

    public var wireType: WireType05 {
        switch self {
        case .dummy: return .dummy
        case .keepAlive: return .keepAlive
        case .sigRequest: return .sigRequest
        case .sigResponse: return .sigResponse
        case .announce: return .announce
        case .bloom: return .bloom
        case .pathLookup: return .pathLookup
        case .pathNotify: return .pathNotify
        case .pathBroken: return .pathBroken
        case .traffic: return .traffic
        }
    }

    /// Decodes type byte ‖ body (a frame without its length prefix).
    /// Errors: `emptyPacket`, `unknownType`, or `malformed05(type, reason)`.
    public init(decoding message: UnsafeRawBufferPointer) throws(WireError) {
        guard let typeByte = message.first else { throw .emptyPacket }
        guard let type = WireType05(rawValue: typeByte) else { throw .unknownType(typeByte) }
        try self.init(type: type, body: UnsafeRawBufferPointer(rebasing: message[1...]))
    }

    public init(decoding message: [UInt8]) throws(WireError) {
        let result = message.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Message05 in try Message05(decoding: buf) }
        }
        self = try result.get()
    }

    /// Decodes the body of a message of a known type; failures come wrapped in `malformed05`.
    public init(type: WireType05, body: UnsafeRawBufferPointer) throws(WireError) {
        do throws(WireError) {
            switch type {
            case .dummy: self = .dummy
            case .keepAlive: self = .keepAlive
            case .sigRequest: self = .sigRequest(try SigRequest05(decoding: body))
            case .sigResponse: self = .sigResponse(try SigResponse05(decoding: body))
            case .announce: self = .announce(try Announcement05(decoding: body))
            case .bloom: self = .bloom(try BloomFilter05(decoding: body))
            case .pathLookup: self = .pathLookup(try PathLookup05(decoding: body))
            case .pathNotify: self = .pathNotify(try PathNotify05(decoding: body))
            case .pathBroken: self = .pathBroken(try PathBroken05(decoding: body))
            case .traffic: self = .traffic(try Traffic05(decoding: body))
            }
        } catch {
            throw .malformed05(type, error)
        }
    }

    /// Appends the body (without type byte or prefix). Dummy and keepalive bodies are empty.
    public func encodeBody(into out: inout [UInt8]) {
        switch self {
        case .dummy, .keepAlive: break
        case .sigRequest(let m): m.encode(into: &out)
        case .sigResponse(let m): m.encode(into: &out)
        case .announce(let m): m.encode(into: &out)
        case .bloom(let m): m.encode(into: &out)
        case .pathLookup(let m): m.encode(into: &out)
        case .pathNotify(let m): m.encode(into: &out)
        case .pathBroken(let m): m.encode(into: &out)
        case .traffic(let m): m.encode(into: &out)
        }
    }

    /// Type byte ‖ body.
    public var frame: [UInt8] {
        var out = [wireType.rawValue]
        encodeBody(into: &out)
        return out
    }
}
