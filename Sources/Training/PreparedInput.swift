import Models
import SCMGen

/// A batch's model input, made on the data producer's thread.
final class PreparedInput {
    let input: ModelInput
    init(_ input: ModelInput) { self.input = input }
}

extension PrefetchingStream {
    /// `stream` prefetched for training `model`: the producer thread makes each batch's
    /// `ModelInput` too (node and pair features; at N = 50 about 6.5 ms per step of the
    /// compute threads' time otherwise), so the compute threads start the forward at once.
    public static func training(_ stream: BatchStream, model: ModelConfig,
                                producerNice: Int32 = PrefetchingStream.trainingNice) -> PrefetchingStream {
        PrefetchingStream(stream, producerNice: producerNice) { PreparedInput(ModelInput($0, config: model, parallel: false)) }
    }

    /// The next batch and its model input (the producer's, or made here when it made none).
    public func nextTraining(model: ModelConfig) -> (batch: TrainingBatch, input: ModelInput) {
        let (batch, prepared) = nextPrepared()
        return (batch, (prepared as? PreparedInput)?.input ?? ModelInput(batch, config: model))
    }
}
