/// Why a safetensors file could not be read or written.
public enum SafeTensorsError: Error, Equatable, CustomStringConvertible {
    /// The file is shorter than the 8-byte header length, or shorter than the header it announces.
    case truncated(String)
    /// The header is not a JSON object of the expected form.
    case invalidHeader(String)
    /// A tensor uses a dtype this reader does not support (only `F32`).
    case unsupportedDType(name: String, dtype: String)
    /// A tensor's byte range is reversed, outside the data section, overlaps another, or leaves a gap.
    case invalidOffsets(String)
    /// A tensor's shape does not match its byte count.
    case shapeMismatch(String)
    /// Reading or writing the file failed.
    case io(String)

    /// Human-readable explanation with the offending value and a hint.
    public var description: String {
        switch self {
        case .truncated(let detail): "safetensors file is truncated: \(detail); re-export or re-download it"
        case .invalidHeader(let detail): "safetensors header is invalid: \(detail)"
        case .unsupportedDType(let name, let dtype):
            "tensor \(name) has dtype \(dtype); only F32 is supported, convert it with `tensor.float()` first"
        case .invalidOffsets(let detail): "safetensors data offsets are invalid: \(detail)"
        case .shapeMismatch(let detail): "safetensors shape does not match data: \(detail)"
        case .io(let detail): "safetensors I/O failed: \(detail)"
        }
    }
}
