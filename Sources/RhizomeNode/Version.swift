/// Build identity printed by `-version` and served in NodeInfo.
public enum BuildInfo {
    public static let name = "rhizome"
    public static let version = "0.1.0"
}
