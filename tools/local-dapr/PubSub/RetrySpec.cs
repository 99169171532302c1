using LocalDapr.Configuration;

namespace LocalDapr.PubSub;

public enum DeliveryOutcome
{
    Success,
    Retry,
    Drop,
}

/// <summary>A retry policy as Dapr describes one (component <c>backOff*</c> metadata or a resiliency retry policy).</summary>
public sealed record RetrySpec(bool Exponential, TimeSpan Duration, TimeSpan MaxInterval, int MaxRetries)
{
    /// <summary>Which codes of an invocation's answer are retried (a resiliency retry policy's <c>matching</c>).</summary>
    public Resiliency.RetryMatching Matching { get; init; } = Resiliency.RetryMatching.All;

    /// <summary>The in-memory pub/sub's own redelivery: 10 attempts 100 ms apart (components-contrib <c>pubsub/in-memory</c>).</summary>
    public static RetrySpec InMemoryDefault { get; } = new(false, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(60), 10);

    /// <summary>Reads <c>backOffPolicy</c>, <c>backOffDuration</c>, <c>backOffInitialInterval</c>, <c>backOffMaxInterval</c>, <c>backOffMaxRetries</c>.</summary>
    public static RetrySpec FromComponent(ComponentSpec spec, RetrySpec fallback)
    {
        var policy = spec.Meta("backOffPolicy");
        var exponential = policy switch
        {
            null => fallback.Exponential,
            "constant" => false,
            "exponential" => true,
            _ => throw new ConfigurationException(spec.File, spec.Line, $"unexpected back off policy type: {policy}"),
        };
        var duration = spec.MetaDuration(exponential ? "backOffInitialInterval" : "backOffDuration", exponential && policy is not null ? TimeSpan.FromMilliseconds(500) : fallback.Duration);
        return new RetrySpec(exponential, duration, spec.MetaDuration("backOffMaxInterval", fallback.MaxInterval), spec.MetaInt("backOffMaxRetries", fallback.MaxRetries));
    }
}
