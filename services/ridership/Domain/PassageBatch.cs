using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Ridership.Domain;

/// <summary>A PassagesRecorded event that is fit to count.</summary>
/// <param name="TurnstileId">The turnstile.</param>
/// <param name="StationId">Its station.</param>
/// <param name="LineIds">The lines reached through it, without repeats.</param>
/// <param name="BatchId">The batch id (empty when the producer gave none).</param>
/// <param name="Counts">Entries and exits.</param>
/// <param name="Minute">The UTC minute the passages are counted in.</param>
public sealed record PassageBatch(string TurnstileId, string StationId, IReadOnlyList<string> LineIds, string BatchId, Counts Counts, DateTimeOffset Minute)
{
    /// <summary>
    /// Reads an event fit to count: its bounds are those of the <c>PassagesRecorded</c> contract. The minute is that of
    /// <c>interval_start</c> (the producer keeps a batch within one minute), else of <c>recorded_at</c>, else of
    /// <paramref name="received"/>.
    /// </summary>
    /// <param name="event">The event.</param>
    /// <param name="received">When it was received.</param>
    /// <returns>The batch.</returns>
    /// <exception cref="DomainRefusalException">A field breaks the contract; the event cannot be counted.</exception>
    public static PassageBatch From(PassagesRecorded @event, DateTimeOffset received)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event.Violations().FieldViolations.FirstOrDefault() is { } violation) throw DomainRefusalException.Invalid(violation.Field, violation.Description);
        var at = @event.IntervalStart?.ToDateTimeOffset() ?? @event.RecordedAt?.ToDateTimeOffset() ?? received;
        return new PassageBatch(@event.TurnstileId, @event.StationId, [.. @event.LineIds.Distinct(StringComparer.Ordinal)], @event.BatchId,
            new Counts(@event.Ingress, @event.Egress), Minutes.Floor(at));
    }
}
