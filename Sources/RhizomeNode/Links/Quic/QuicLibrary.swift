import CQuic

/// ngtcp2 1.11 and GnuTLS, loaded with dlopen when the first quic endpoint is made: a node with
/// no quic:// link never maps them, and a machine without them only loses quic://.
enum QuicLibrary {
    struct Unavailable: Error, CustomStringConvertible {
        let detail: String
        var description: String { "quic:// needs libngtcp2 1.11 and GnuTLS: \(detail)" }
    }

    /// Whether the libraries have been loaded in this process.
    static var isLoaded: Bool { rzq_is_loaded() != 0 }

    /// Loads the libraries (once; later calls are free).
    static func load() throws {
        if let error = rzq_load() { throw Unavailable(detail: String(cString: error)) }
    }
}
