import NIOCore
import RhizomeCore

/// Splits a link's byte stream into frames: a length prefix, then that many bytes (type byte and
/// body). The prefix is a 2-byte big-endian length in 0.4 and a uvarint of at most 131070 in 0.5
/// (routing.md §2.1). The whole frame is buffered before it is passed on, so the buffer per link
/// is bounded by the largest frame plus one read. A zero length, an oversize length or a
/// malformed uvarint is a protocol error that closes the link, as in yggdrasil.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    let version: ProtocolVersion

    init(version: ProtocolVersion = .v04) {
        self.version = version
    }

    /// Why the stream stopped making sense; the text ends up in the "Disconnected" log line.
    enum FramingError: Error, CustomStringConvertible {
        case empty
        case oversized(UInt64)
        case badLength
        var description: String {
            switch self {
            case .empty: return "empty packet"
            case .oversized(let n): return "oversized message: length \(n) exceeds \(FrameDecoder.maxFrameLength(.v05))"
            case .badLength: return "malformed frame length (uvarint longer than 10 bytes or above 2^64)"
            }
        }
    }

    /// Largest frame (type byte and body) each version carries: u16 in 0.4; 2 × 65535 in 0.5,
    /// the limit yggdrasil-go sets in ironwood.
    static func maxFrameLength(_ version: ProtocolVersion) -> Int {
        version == .v04 ? Constants.maxFrameLength : 131_070
    }

    /// Bytes of the length prefix that precedes a frame of `length` bytes.
    @inline(__always)
    static func prefixLength(_ length: Int, _ version: ProtocolVersion) -> Int {
        version == .v04 ? 2 : Uvarint.encodedLength(UInt64(length))
    }

    /// What the decoder may buffer: two of the largest frames with their prefixes.
    static func maximumBufferSize(_ version: ProtocolVersion) -> Int {
        2 * (maxFrameLength(version) + Uvarint.maxLength)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let prefix: Int
        let length: Int
        switch version {
        case .v04:
            guard let l = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return .needMoreData }
            (prefix, length) = (2, Int(l))
        case .v05:
            let decoded = buffer.withUnsafeReadableBytes { raw in
                Result { () throws(WireError) in try Uvarint.decode(raw) }
            }
            switch decoded {
            case .success(let (value, bytes)):
                guard value <= UInt64(Self.maxFrameLength(.v05)) else { throw FramingError.oversized(value) }
                (prefix, length) = (bytes, Int(value))
            case .failure(.uvarintTruncated):
                return .needMoreData
            case .failure:
                throw FramingError.badLength
            }
        }
        if length == 0 { throw FramingError.empty }
        guard buffer.readableBytes >= prefix + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: prefix)
        let frame = buffer.readSlice(length: length)!
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// A closed link's unread bytes are dropped: the node takes the link down, and the close may
    /// come from inside a write the node is making, which a frame passed on here would re-enter.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
