import HDF5Kit
import SCMGen

/// The predictions file of file-formats.md §2, written atomically.
public enum PredictionsFile {
    public static let format = "pfn-predictions"
    public static let formatVersion: Int64 = 1

    /// One dataset's entry: its name in the suite, the prediction, its regime and row counts,
    /// and its node names when known.
    public struct Entry {
        public var name: String
        public var prediction: DatasetPrediction
        public var regimes: Int
        public var rows: Int
        public var nodeNames: [String]?
        public init(name: String, prediction: DatasetPrediction, regimes: Int, rows: Int, nodeNames: [String]? = nil) {
            self.name = name; self.prediction = prediction; self.regimes = regimes; self.rows = rows; self.nodeNames = nodeNames
        }
    }

    /// `standardized`: deltas were predicted on z-scored data and mapped back to the data's units.
    public static func write(_ predictions: [Entry], to path: String, checkpoint: String, modelConfig: String,
                             aggregation: EdgeAggregation, standardized: Bool = false) throws {
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", format)
            try root.setAttribute("format_version", formatVersion)
            try root.setAttribute("checkpoint", checkpoint)
            try root.setAttribute("model_config", modelConfig)
            if standardized { try root.setAttribute("standardized", Int64(1)) }
            for p in predictions {
                let g = try root.createGroup("datasets/\(p.name)")
                let n = p.prediction.nodeCount
                try g.write("edge_probability", p.prediction.edgeProbability, shape: [n, n])
                try g.write("edge_probability_per_regime", p.prediction.edgeProbabilityPerRegime, shape: [p.regimes, n, n])
                try g.write("delta", p.prediction.delta, shape: [p.rows, n])
                try g.setAttribute("aggregation", aggregation.rawValue)
                if let names = p.nodeNames { try g.setAttribute("node_names", names) }
            }
        }
    }
}

extension DatasetPrediction {
    /// The prediction with every self-loop probability i → i set to 0 (a DAG has none; the
    /// models' diagonal logits are not trained to mean anything).
    public func withoutSelfLoops() -> DatasetPrediction {
        var p = self
        let n = nodeCount
        for i in 0..<n { p.edgeProbability[i * n + i] = 0 }
        for k in 0..<(edgeProbabilityPerRegime.count / max(1, n * n)) {
            for i in 0..<n where !p.edgeProbabilityPerRegime[k * n * n + i * n + i].isNaN {
                p.edgeProbabilityPerRegime[k * n * n + i * n + i] = 0
            }
        }
        return p
    }
}
