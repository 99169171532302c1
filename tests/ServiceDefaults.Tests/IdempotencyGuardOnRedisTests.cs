namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// The guard's tests again against state.redis' rule (components-contrib, and the local runtime's Redis store): a key
/// saved with first-write concurrency, as every claim is, refuses any later save without an ETag until it is deleted or
/// expires. A "done" marker saved over the claim without the claim's ETag is never stored there.
/// </summary>
public sealed class IdempotencyGuardOnRedisTests() : IdempotencyGuardTests(keepsFirstWriteFlag: true);
