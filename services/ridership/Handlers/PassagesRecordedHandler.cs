using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Ridership.Domain;
using Mtaeda.Ridership.Infrastructure;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Ridership.Handlers;

/// <summary>
/// Counts each <see cref="PassagesRecorded"/> once. Dapr delivers the <c>passages</c> topic in bulk, and a whole delivery
/// is counted with one read and one state transaction (<see cref="PassageCounter"/>), each event's marker written in the
/// same transaction as the counts, which makes "counted" and "marked" one atomic step (so it is not behind the shared
/// idempotency guard).
/// </summary>
/// <param name="counter">The counter.</param>
/// <param name="time">The clock.</param>
public sealed class PassagesRecordedHandler(PassageCounter counter, TimeProvider time) : IBulkEventHandler<PassagesRecorded>
{
    /// <inheritdoc />
    public async Task HandleAsync(IReadOnlyList<ReceivedEvent<PassagesRecorded>> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(events);
        var now = time.GetUtcNow();
        var requests = new List<CountRequest>(events.Count);
        foreach (var received in events)
        {
            PassageBatch batch;
            try
            {
                batch = PassageBatch.From(received.Event, now);
            }
            catch (DomainRefusalException unfit)
            {
                throw new InvalidEventException(unfit.Message, unfit);
            }
            if (!batch.Counts.IsZero) requests.Add(new CountRequest(received.Context.EventId, batch));
        }
        if (requests.Count > 0) await counter.CountAsync(requests, cancellationToken);
    }
}
