/// Why a reward could not be formed, calibrated or loaded.
public enum RewardError: Error, Equatable, CustomStringConvertible {
    /// The frame could not be analysed (too small, wrong resolution, no arena visible, undecodable JPEG).
    case badFrame(String)
    /// The camera the reward needs sent no frame.
    case missingCamera(String)
    /// Calibration examples were unusable (too few, one class only).
    case badCalibration(String)
    /// A frozen reward file could not be read or does not match its expected hash.
    case badRewardFile(String)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .badFrame(let message): return "bad frame: \(message)"
        case .missingCamera(let name):
            return "camera '\(name)' sent no frame; check the station's camera names and that it is connected"
        case .badCalibration(let message): return "cannot calibrate: \(message)"
        case .badRewardFile(let message): return "bad reward file: \(message)"
        }
    }
}
