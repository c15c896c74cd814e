import RhizomeCrypto

/// Binds the shell to the real QUIC engine. Until the engine is merged, QUIC is unavailable.
enum QuicEngines {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String { "this build has no QUIC engine" }
    }

    /// Loads the QUIC library and makes the node's identity; called once, on first use.
    static func factory(keys: SigningKeyPair) throws -> QuicEngineFactory {
        throw Unavailable()
    }
}
