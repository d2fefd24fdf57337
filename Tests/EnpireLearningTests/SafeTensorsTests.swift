import Foundation
import Testing
@testable import EnpireLearning
import EnpireTesting

@Suite("safetensors")
struct SafeTensorsTests {
    private func sample() throws -> [String: Tensor] {
        ["a.weight": try Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, .pi, -1e-7]),
         "b": try Tensor(shape: [4], scalars: [9, 8, 7, 6]),
         "scalar": try Tensor(shape: [], scalars: [42])]
    }

    /// Builds a file from a raw JSON header and data bytes.
    private func file(header: String, data: [UInt8]) -> Data {
        var blob = Data()
        let json = Data(header.utf8)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { blob.append(contentsOf: $0) }
        blob.append(json)
        blob.append(contentsOf: data)
        return blob
    }

    @Test("Round trip keeps names, shapes, values and metadata; header is 8-byte aligned")
    func roundTrip() throws {
        let tensors = try sample()
        let data = try SafeTensors.encode(tensors, metadata: ["format": "pt"])
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(headerLength % 8 == 0)
        let decoded = try SafeTensors.decode(data)
        #expect(decoded.tensors == tensors)
        #expect(decoded.metadata == ["format": "pt"])
    }

    @Test("Rejects truncated and corrupt files with a specific error")
    func rejects() throws {
        let good = try SafeTensors.encode(try sample())
        let four = [UInt8](repeating: 0, count: 16)
        let cases: [(String, Data, (SafeTensorsError) -> Bool)] = [
            ("shorter than 8 bytes", Data([1, 2, 3]), { if case .truncated = $0 { true } else { false } }),
            ("header length beyond file", good.prefix(40), { if case .truncated = $0 { true } else { false } }),
            ("data cut short", good.dropLast(4), { if case .invalidOffsets = $0 { true } else { false } }),
            ("bad JSON", file(header: "{not json", data: []), { if case .invalidHeader = $0 { true } else { false } }),
            ("not an object", file(header: "[1,2]", data: []), { if case .invalidHeader = $0 { true } else { false } }),
            ("offsets out of range",
             file(header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,32]}}"#, data: four),
             { if case .invalidOffsets = $0 { true } else { false } }),
            ("overlapping",
             file(header: #"{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"#
                + #""y":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data: four),
             { if case .invalidOffsets = $0 { true } else { false } }),
            ("unsupported dtype",
             file(header: #"{"x":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}}"#, data: four),
             { if case .unsupportedDType(name: "x", dtype: "F16") = $0 { true } else { false } }),
            ("shape vs byte count",
             file(header: #"{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: four),
             { if case .shapeMismatch = $0 { true } else { false } }),
        ]
        for (label, blob, matches) in cases {
            do {
                _ = try SafeTensors.decode(blob)
                Issue.record("\(label): decoded without error")
            } catch {
                #expect(matches(error), "\(label): got \(error)")
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("Python interop: Swift-written file loads in Python, Python-written file loads in Swift")
    func pythonInterop() throws {
        guard let python = PythonProbe.interpreter(requiring: ["safetensors", "numpy"]) else {
            print("skipping safetensors Python interop: no interpreter with safetensors and numpy "
                + "(set ENPIRE_PYTHON)")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("enpire-st-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let swiftFile = directory.appendingPathComponent("swift.safetensors")
        let pythonFile = directory.appendingPathComponent("python.safetensors")
        try SafeTensors.write(try sample(), metadata: ["who": "swift"], to: swiftFile)
        let script = """
        import sys, json, numpy as np
        from safetensors.numpy import load_file, save_file
        from safetensors import safe_open
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], "np") as f: meta = f.metadata()
        out = {k: {"shape": list(v.shape), "dtype": str(v.dtype), "values": [float(x) for x in v.reshape(-1)]}
               for k, v in t.items()}
        print(json.dumps({"tensors": out, "metadata": meta}))
        save_file({"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "b": np.array([-1.5, 2.25], np.float32)},
                  sys.argv[2], metadata={"who": "python"})
        """
        let output = try PythonProbe.run(python, script: script, arguments: [swiftFile.path, pythonFile.path])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let tensors = try #require(parsed["tensors"] as? [String: [String: Any]])
        for (name, tensor) in try sample() {
            let entry = try #require(tensors[name])
            #expect(entry["shape"] as? [Int] == tensor.shape)
            #expect(entry["dtype"] as? String == "float32")
            #expect((entry["values"] as? [Double])?.map(Float.init) == tensor.scalars)
        }
        #expect(parsed["metadata"] as? [String: String] == ["who": "swift"])
        let fromPython = try SafeTensors.read(from: pythonFile)
        #expect(fromPython.metadata == ["who": "python"])
        #expect(fromPython.tensors["w"] == (try Tensor(shape: [2, 3], scalars: (0..<6).map { Float($0) / 7 })))
        #expect(fromPython.tensors["b"] == (try Tensor(shape: [2], scalars: [-1.5, 2.25])))
    }
}
