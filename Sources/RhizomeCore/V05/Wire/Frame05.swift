import RhizomeCrypto

/// 0.5 stream framing (routing.md §2.1): `length:uvarint ‖ type:u8 ‖ body`, the length counting
/// type byte and body but not itself. Replaces 0.4.7's fixed u16 prefix.
public enum Frame05 {
    /// yggdrasil-go configures ironwood with 2 × 65535: the most bytes (type + body) a frame may
    /// carry. A larger declared length closes the link; a larger outgoing message is dropped.
    public static let maxMessageLength = 131_070
    /// The longest prefix `maxMessageLength` needs (131070 < 2^21).
    public static let maxPrefixLength = 3
    /// The keepalive frame (§2.4): length 1, type 1, empty body.
    public static let keepAlive: [UInt8] = [0x01, WireType05.keepAlive.rawValue]

    /// Bytes of the uvarint prefix for a message (type + body) of `messageLength` bytes.
    @inline(__always)
    public static func prefixLength(forMessageLength messageLength: Int) -> Int {
        Uvarint.encodedLength(UInt64(messageLength))
    }

    /// Reads a frame's length prefix at the start of `stream`.
    /// - Returns: the declared message length and the prefix's size, or nil if the prefix has not
    ///   completely arrived yet.
    /// - Throws: `uvarintOverflow` (malformed prefix), `emptyPacket` (length 0) or
    ///   `messageTooLong` (above `maxMessageLength`): each closes the link.
    public static func decodePrefix(
        _ stream: UnsafeRawBufferPointer, maxMessageLength: Int = maxMessageLength
    ) throws(WireError) -> (length: Int, prefixSize: Int)? {
        let decoded: (value: UInt64, length: Int)
        do throws(WireError) {
            decoded = try Uvarint.decode(stream)
        } catch .uvarintTruncated {
            return nil
        } catch {
            throw error
        }
        guard decoded.value > 0 else { throw .emptyPacket }
        guard decoded.value <= UInt64(maxMessageLength) else {
            throw .messageTooLong(decoded.value > UInt64(Int.max) ? Int.max : Int(decoded.value))
        }
        return (Int(decoded.value), decoded.length)
    }

    /// Stream reassembly: the range (within `stream`) of the first message (type + body) if its
    /// whole frame has arrived, else nil. The frame occupies `0..<range.upperBound`.
    public static func nextMessage(
        in stream: UnsafeRawBufferPointer, maxMessageLength: Int = maxMessageLength
    ) throws(WireError) -> Range<Int>? {
        guard let (length, prefixSize) = try decodePrefix(stream, maxMessageLength: maxMessageLength) else {
            return nil
        }
        guard stream.count - prefixSize >= length else { return nil }
        return prefixSize..<(prefixSize + length)
    }

    /// Decodes exactly one complete frame, prefix included; the prefix must match the byte count.
    public static func decode(frame: UnsafeRawBufferPointer) throws(WireError) -> Message05 {
        guard let (length, prefixSize) = try decodePrefix(frame) else { throw .uvarintTruncated }
        guard length == frame.count - prefixSize else {
            throw .frameLengthMismatch(declared: length, actual: frame.count - prefixSize)
        }
        return try Message05(decoding: UnsafeRawBufferPointer(rebasing: frame[prefixSize...]))
    }

    public static func decode(frame: [UInt8]) throws(WireError) -> Message05 {
        let result = frame.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Message05 in try decode(frame: buf) }
        }
        return try result.get()
    }

    /// Appends prefix, type byte and whatever `body` appends. If the message exceeds
    /// `maxMessageLength`, `out` is restored and `messageTooLong` thrown: the caller drops it, as
    /// Go does. (The body is written after a reserved maximal prefix and moved down if the real
    /// prefix is shorter.)
    public static func appendFrame(
        type: WireType05, to out: inout [UInt8], body: (inout [UInt8]) -> Void
    ) throws(WireError) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: maxPrefixLength))
        out.append(type.rawValue)
        body(&out)
        let length = out.count - start - maxPrefixLength
        guard length <= maxMessageLength else {
            out.removeSubrange(start...)
            throw .messageTooLong(length)
        }
        let prefixSize = prefixLength(forMessageLength: length)
        let unused = maxPrefixLength - prefixSize
        if unused > 0 { out.removeSubrange(start..<(start + unused)) }
        var v = UInt64(length)
        for i in 0..<prefixSize {
            out[start + i] = UInt8(truncatingIfNeeded: v) | (i < prefixSize - 1 ? 0x80 : 0)
            v >>= 7
        }
    }

    public static func append<M: WireMessage05>(_ message: M, to out: inout [UInt8]) throws(WireError) {
        try appendFrame(type: M.wireType, to: &out) { message.encode(into: &$0) }
    }

    public static func append(_ message: Message05, to out: inout [UInt8]) throws(WireError) {
        try appendFrame(type: message.wireType, to: &out) { message.encodeBody(into: &$0) }
    }

    /// Frames an already-encoded body (e.g. a forwarded slice of a received frame).
    public static func append(type: WireType05, body: UnsafeRawBufferPointer, to out: inout [UInt8]) throws(WireError) {
        try appendFrame(type: type, to: &out) { $0.append(contentsOf: body) }
    }

    public static func encode<M: WireMessage05>(_ message: M) throws(WireError) -> [UInt8] {
        var out = [UInt8]()
        try append(message, to: &out)
        return out
    }

    public static func encode(_ message: Message05) throws(WireError) -> [UInt8] {
        var out = [UInt8]()
        try append(message, to: &out)
        return out
    }
}
