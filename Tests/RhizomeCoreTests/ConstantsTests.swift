import Testing
@testable import RhizomeCore

@Suite struct ConstantsTests {
    @Test func networkMTUFollowsFromTheLargestTreeFrame() {
        // The most hops a tree frame can carry: (65535 − 41) / 106, each hop 32 + 64 + up to 10 bytes.
        let maxHops = (Constants.maxFrameLength - 41) / 106
        #expect(maxHops == 617)
        #expect(Constants.networkMTU == 65535 - (1 + 2 * 10 * maxHops + 32 + 32 + 1))
    }

    @Test func metadataIsThirtyEightBytes() {
        #expect(Constants.metadataMagic.count + 2 + Constants.keySize == Constants.metadataLength)
    }
}
