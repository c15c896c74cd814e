// swift-tools-version:6.0
import PackageDescription

// Layers, outermost last; arrows point down only (see README "Layout"):
//   CSodium -> RhizomeCrypto -> RhizomeCore (wire + routing, sans-IO) -> RhizomeSessions -> RhizomeIPv6
//   -> RhizomeNode (SwiftNIO I/O shell, config) -> executables.
let package = Package(
    name: "Rhizome",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "Rhizome", targets: ["RhizomeNode"]),
        .executable(name: "rhizome", targets: ["rhizome"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .target(name: "RhizomeCrypto", dependencies: ["CSodium"]),
        .target(name: "RhizomeCore", dependencies: ["RhizomeCrypto"]),
        .target(name: "RhizomeIPv6", dependencies: ["RhizomeCrypto"]),
        .target(
            name: "RhizomeNode",
            dependencies: [
                "RhizomeCore", "RhizomeIPv6", "RhizomeCrypto",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
        .executableTarget(
            name: "rhizome",
            dependencies: [
                "RhizomeNode",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RhizomeCryptoTests", dependencies: ["RhizomeCrypto", "RhizomeIPv6"], exclude: ["Vectors"]),
        .testTarget(name: "RhizomeCoreTests", dependencies: ["RhizomeCore", "RhizomeCrypto"]),
        .testTarget(name: "RhizomeNodeTests", dependencies: ["RhizomeNode"]),
        .target(name: "RhizomeTestSupport", path: "Tests/RhizomeTestSupport"),
        .testTarget(name: "RhizomeCLITests", dependencies: ["RhizomeTestSupport"]),
        .testTarget(name: "RhizomeInteropTests", dependencies: ["RhizomeTestSupport"]),
    ]
)
