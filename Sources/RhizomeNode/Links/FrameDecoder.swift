import NIOCore
import RhizomeCore

/// Splits a link's byte stream into frames: a 2-byte big-endian length, then that many bytes
/// (type byte and body). The whole frame is buffered before it is passed on, so the buffer per
/// link is bounded by the largest frame (65535 bytes) plus one read. A zero length is a protocol
/// error that closes the link, as in 0.4.7.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct EmptyFrame: Error, CustomStringConvertible {
        var description: String { "empty packet" }
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return .needMoreData }
        if length == 0 { throw EmptyFrame() }
        guard buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        let frame = buffer.readSlice(length: Int(length))!
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
