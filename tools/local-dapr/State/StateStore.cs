namespace LocalDapr.State;

public enum Concurrency
{
    LastWrite,
    FirstWrite,
}

public enum ETagProblem
{
    Mismatch,
    Invalid,
}

/// <summary>
/// Raised by a store when an ETag does not match (gRPC <c>Aborted</c>, HTTP 409) or is malformed (<c>InvalidArgument</c>,
/// HTTP 400). The message is components-contrib's <c>state.ETagError</c>: its kind's prefix, then the store's detail.
/// </summary>
public sealed class ETagException(ETagProblem problem, string detail)
    : Exception((problem == ETagProblem.Mismatch ? "possible etag mismatch. error from state store" : "invalid etag value") + ": " + detail)
{
    public ETagProblem Problem { get; } = problem;
}

public sealed record StateEntry(byte[] Value, string ETag, DateTimeOffset? ExpiresAt);

/// <summary>One write of a transaction or a save: an upsert when <see cref="Value"/> is set, else a delete.</summary>
public sealed record StateWrite(string Key, byte[]? Value, string? ETag, Concurrency Concurrency, TimeSpan? Ttl)
{
    public bool IsDelete => Value is null;

    /// <summary>The request's <c>ttlInSeconds</c> as given, read into <see cref="Ttl"/> by <see cref="TtlMetadata.Parse"/> for the store.</summary>
    public string? TtlText { get; init; }
}

/// <summary>A state store component. Keys arrive already prefixed (<c>{appId}||{key}</c>).</summary>
public interface IStateStore : IAsyncDisposable
{
    string Name { get; }

    string Type { get; }

    bool IsActorStateStore { get; }

    IReadOnlyList<string> Features { get; }

    ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Applies every write or none; an ETag failure on any write aborts all.</summary>
    ValueTask WriteAsync(IReadOnlyList<StateWrite> writes, CancellationToken cancellationToken);
}
