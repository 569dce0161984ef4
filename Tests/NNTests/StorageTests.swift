import XCTest
@testable import NN

/// Storage of 64 MB and more is recycled for the next storage of the same size (a thread's own
/// glibc arena would mmap it afresh, and the kernel zero each page again).
final class StorageTests: XCTestCase {
    func testLargeStorageIsReusedAndStillZeroFilled() {
        let count = Storage.recycledMinimum + 3
        var first: Storage? = Storage(uninitializedCount: count)
        let address = first!.pointer
        first!.pointer[count - 1] = 7
        first = nil
        let again = Storage(count: count)  // the same buffer, zero-filled again
        XCTAssertEqual(again.pointer, address)
        XCTAssertEqual(again.pointer[count - 1], 0)
        let other = Storage(uninitializedCount: count)  // none left of that size: a new one
        XCTAssertNotEqual(other.pointer, address)
        withExtendedLifetime(again) {}
    }

    func testAtMostTheLimitIsKeptAndSmallStorageNever() {
        let count = Storage.recycledMinimum + 5
        var big: [Storage] = (0..<(Storage.recycledLimit + 2)).map { _ in Storage(uninitializedCount: count) }
        big.removeAll()
        XCTAssertEqual(Storage.recycledCount, Storage.recycledLimit)
        var small: Storage? = Storage(uninitializedCount: Storage.recycledMinimum - 1)
        small = nil
        XCTAssertNil(small)
        XCTAssertEqual(Storage.recycledCount, Storage.recycledLimit, "a smaller buffer goes back to the allocator")
        let again = (0..<Storage.recycledLimit).map { _ in Storage(uninitializedCount: count) }  // takes them all back
        XCTAssertEqual(Storage.recycledCount, 0)
        withExtendedLifetime(again) {}
    }
}
