using System.Diagnostics;

namespace LocalDapr.PubSub;

/// <summary>A W3C trace context (<c>traceparent</c> and <c>tracestate</c>), carried from publisher to subscriber and through invocation.</summary>
public readonly record struct TraceContext(ActivityTraceId TraceId, ActivitySpanId SpanId, ActivityTraceFlags Flags, string? State)
{
    /// <summary>A new span of the same trace: what a sidecar hop adds. Without a parent, a new sampled trace.</summary>
    public static TraceContext ChildOf(string? traceparent, string? tracestate = null)
    {
        if (traceparent is not null && ActivityContext.TryParse(traceparent, tracestate, out var parent))
            return new TraceContext(parent.TraceId, ActivitySpanId.CreateRandom(), parent.TraceFlags, parent.TraceState);
        return new TraceContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, null);
    }

    public TraceContext Child() => this with { SpanId = ActivitySpanId.CreateRandom() };

    public override string ToString() => $"00-{TraceId.ToHexString()}-{SpanId.ToHexString()}-{(Flags.HasFlag(ActivityTraceFlags.Recorded) ? "01" : "00")}";
}
