import RhizomeCrypto

/// A bounds-checked cursor over received bytes. Every read checks the remaining length first and
/// throws instead of trapping, so decoders built on it cannot crash on hostile input.
///
/// It borrows the buffer: use it only inside the `withUnsafeBytes` (or similar) scope that
/// produced the pointer. Offsets are relative to the start of `buffer`, which lets the traffic
/// fast path report payload positions without copying.
public struct WireReader {
    public let buffer: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ buffer: UnsafeRawBufferPointer, offset: Int = 0) {
        self.buffer = buffer
        self.offset = min(max(0, offset), buffer.count)
    }

    @inline(__always) public var remaining: Int { buffer.count - offset }
    @inline(__always) public var isAtEnd: Bool { offset == buffer.count }

    @inline(__always)
    public func require(_ count: Int) throws(WireError) {
        guard count <= remaining else { throw .truncated(needed: count, available: remaining) }
    }

    /// Throws `leftoverBytes` unless everything has been consumed.
    @inline(__always)
    public func expectEnd() throws(WireError) {
        guard isAtEnd else { throw .leftoverBytes(remaining) }
    }

    public mutating func readUInt8() throws(WireError) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return buffer[offset]
    }

    /// A fixed 8-byte big-endian integer (`seq`, `rootSeq`).
    public mutating func readUInt64() throws(WireError) -> UInt64 {
        try require(8)
        defer { offset += 8 }
        return UInt64(bigEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    public mutating func readKey() throws(WireError) -> PublicKey {
        let raw = try readBytes(PublicKey.byteCount)
        guard let key = PublicKey(bytes: raw) else {
            throw .truncated(needed: PublicKey.byteCount, available: raw.count)
        }
        return key
    }

    public mutating func readSignature() throws(WireError) -> Signature {
        let raw = try readBytes(Signature.byteCount)
        guard let sig = Signature(bytes: raw) else {
            throw .truncated(needed: Signature.byteCount, available: raw.count)
        }
        return sig
    }

    public mutating func readUvarint() throws(WireError) -> UInt64 {
        let (value, length) = try Uvarint.decode(buffer, at: offset)
        offset += length
        return value
    }

    /// The next `count` bytes, without copying.
    public mutating func readBytes(_ count: Int) throws(WireError) -> UnsafeRawBufferPointer {
        guard count >= 0 else { throw .truncated(needed: count, available: remaining) }
        try require(count)
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + count])
    }

    /// Bytes whose length is an untrusted uvarint (ack `bootLen`, lookup `notifyLen`).
    public mutating func readBytes(declaredLength: UInt64) throws(WireError) -> UnsafeRawBufferPointer {
        guard declaredLength <= UInt64(remaining) else {
            throw .lengthOutOfRange(declared: declaredLength, available: remaining)
        }
        return try readBytes(Int(declaredLength))
    }

    /// Everything that is left (payloads).
    public mutating func readRest() -> UnsafeRawBufferPointer {
        defer { offset = buffer.count }
        return UnsafeRawBufferPointer(rebasing: buffer[offset...])
    }

    // MARK: Port lists (§2.1: three conventions)

    /// `coords` of a label: uvarints until the range ends or a 0 has been read (the 0 is kept, as Go
    /// keeps it). The caller's `expectEnd` then rejects anything after an early 0.
    public mutating func readCoords() throws(WireError) -> [PeerPort] {
        var ports = [PeerPort]()
        while !isAtEnd {
            let port = try readUvarint()
            ports.append(port)
            if port == 0 { break }
        }
        return ports
    }

    /// A `route`: uvarints up to and including the first 0. Returns the ports *before* the 0.
    public mutating func readRoute() throws(WireError) -> [PeerPort] {
        var ports = [PeerPort]()
        while true {
            guard !isAtEnd else { throw .unterminatedRoute }
            let port = try readUvarint()
            if port == 0 { return ports }
            ports.append(port)
        }
    }

    /// An `rpath`: uvarints to the end of the range, none of them 0. (Go accepts exactly the same
    /// inputs: its reader stops at a 0, which then fails either the leftover or the "ends in 0"
    /// check.)
    public mutating func readRpath() throws(WireError) -> [PeerPort] {
        var ports = [PeerPort]()
        while !isAtEnd {
            let port = try readUvarint()
            guard port != 0 else { throw .zeroInRpath }
            ports.append(port)
        }
        return ports
    }
}

/// Decoding of a structure that extends to the end of the range it is given (every message body,
/// and every embedded label, token and notify, is such a structure).
public protocol WireDecodable {
    /// Decodes from the reader's position, consuming exactly up to the reader's end.
    init(from reader: inout WireReader) throws(WireError)
}

/// Encoding into a growing byte array. Encodings are always minimal (uvarints, no padding).
public protocol WireEncodable {
    func encode(into out: inout [UInt8])
}

/// A message body that travels as one frame type.
public protocol WireMessageBody: WireDecodable, WireEncodable, Hashable, Sendable {
    static var wireType: WireType { get }
}

extension WireDecodable {
    public init(decoding body: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(body)
        self = try Self(from: &reader)
        try reader.expectEnd()
    }

    public init(decoding body: [UInt8]) throws(WireError) {
        let result = body.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Self in try Self(decoding: buf) }
        }
        self = try result.get()
    }

    public init(decoding body: ArraySlice<UInt8>) throws(WireError) {
        let result = body.withUnsafeBytes { buf in
            Result { () throws(WireError) -> Self in try Self(decoding: buf) }
        }
        self = try result.get()
    }
}

extension WireEncodable {
    /// A fresh array holding the encoding (protocol messages only; traffic has allocation-free paths).
    public var encoded: [UInt8] {
        var out = [UInt8]()
        encode(into: &out)
        return out
    }
}

/// Helpers for the fixed-width fields that sit between uvarints and keys.
public enum WireWriter {
    @inline(__always)
    public static func appendUInt64(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    public static func appendPorts(_ ports: [PeerPort], to out: inout [UInt8]) {
        for port in ports { Uvarint.encode(port, into: &out) }
    }

    @inline(__always)
    public static func portsLength(_ ports: [PeerPort]) -> Int {
        var n = 0
        for port in ports { n += Uvarint.encodedLength(port) }
        return n
    }
}
