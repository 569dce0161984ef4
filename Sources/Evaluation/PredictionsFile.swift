import HDF5Kit
import SCMGen

/// The predictions file of file-formats.md §2, written atomically.
public enum PredictionsFile {
    public static let format = "pfn-predictions"
    public static let formatVersion: Int64 = 1

    public static func write(_ predictions: [(name: String, prediction: DatasetPrediction, regimes: Int, rows: Int)],
                             to path: String, checkpoint: String, modelConfig: String, aggregation: EdgeAggregation) throws {
        try H5File.writeAtomically(path) { file in
            let root = try file.root
            try root.setAttribute("format", format)
            try root.setAttribute("format_version", formatVersion)
            try root.setAttribute("checkpoint", checkpoint)
            try root.setAttribute("model_config", modelConfig)
            for p in predictions {
                let g = try root.createGroup("datasets/\(p.name)")
                let n = p.prediction.nodeCount
                try g.write("edge_probability", p.prediction.edgeProbability, shape: [n, n])
                try g.write("edge_probability_per_regime", p.prediction.edgeProbabilityPerRegime, shape: [p.regimes, n, n])
                try g.write("delta", p.prediction.delta, shape: [p.rows, n])
                try g.setAttribute("aggregation", aggregation.rawValue)
            }
        }
    }
}
