@testable import Models
import NN
import SCMGen
import XCTest
@testable import Training

/// The training stream makes each batch's model input on the producer thread (serially, off
/// the worker pool): it must be the input the compute threads would have made themselves.
final class PreparedInputTests: XCTestCase {
    func testInputMadeOnTheProducerThreadEqualsTheOneMadeInTheStep() throws {
        let threadsBefore = Threads.count
        Threads.setCount(2)  // the consumer's own input is made on the worker pool
        defer { Threads.setCount(threadsBefore) }
        var prior = PriorConfig()
        (prior.nodesMin, prior.nodesMax) = (4, 9)  // padded batches: masks and node counts matter
        var model = ModelConfig(variant: .C)
        model.pairContext = true
        let stream = try BatchStream(config: prior, seed: 3, batchSize: 6, mode: .mixed, context: true, pairStatistics: true)
        let prefetched = PrefetchingStream.training(stream, model: model)
        for _ in 0..<3 {
            let (batch, prepared) = prefetched.nextPrepared()
            let input = try XCTUnwrap(prepared as? PreparedInput, "the producer made the input").input
            let own = ModelInput(batch, config: model)
            XCTAssertEqual(input.features.scalars, own.features.scalars, "node features")
            XCTAssertEqual(input.pairFeatures?.scalars, own.pairFeatures?.scalars, "pair features")
            XCTAssertEqual(input.pairMask, own.pairMask)
            XCTAssertEqual(input.scaledPairMask, own.scaledPairMask)
            XCTAssertEqual(input.pairNodeCounts, own.pairNodeCounts)
            XCTAssertEqual(input.keyMask, own.keyMask)
            XCTAssertEqual(input.target, own.target)
            XCTAssertEqual(input.deltaScale?.scalars, own.deltaScale?.scalars)
            XCTAssertNotNil(input.pairFeatures, "the default model reads pair features")
        }
    }
}
