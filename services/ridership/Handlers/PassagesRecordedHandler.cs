using System.Text;
using Dapr;
using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Ridership.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Ridership.Handlers;

/// <summary>
/// Counts each <see cref="PassagesRecorded"/> of the <c>equipment</c> topic once. It does not go through the shared
/// idempotency guard (<c>MapIntegrationEvent</c>): the event's marker is written in the same state transaction as
/// the counts (<see cref="PassageCounter"/>), which makes "counted" and "marked" one atomic step instead of two.
/// </summary>
/// <param name="counter">The counter.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">The logger.</param>
public sealed partial class PassagesRecordedHandler(PassageCounter counter, TimeProvider time, ILogger<PassagesRecordedHandler> logger)
{
    /// <summary>The route Dapr delivers the events to.</summary>
    public static readonly string Route = $"/events/{Topics.Equipment}/{EventType.Of<PassagesRecorded>()}";

    /// <summary>Handles one delivery: 200 when counted or a duplicate, DROP when the event can never be counted.</summary>
    /// <param name="http">The delivery.</param>
    /// <returns>The answer to the sidecar.</returns>
    public async Task<IResult> HandleAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        var eventId = http.Request.CloudEventId() ?? throw new BadHttpRequestException("The delivery carries no CloudEvent id, so it cannot be counted once.");
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(http.RequestAborted);
        PassageBatch batch;
        try
        {
            batch = PassageBatch.From(IntegrationEvents.FromJson<PassagesRecorded>(body), time.GetUtcNow());
        }
        catch (Exception unfit) when (unfit is InvalidJsonException or InvalidProtocolBufferException or FormatException or InvalidPassagesException)
        {
            LogDropped(eventId, unfit.Message);
            return Results.Json(new { status = "DROP" });
        }

        if (!batch.Counts.IsZero) await counter.CountAsync(eventId, batch, http.RequestAborted);
        return Results.Ok();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping PassagesRecorded {EventId}: it cannot be counted ({Problem})")]
    private partial void LogDropped(string eventId, string problem);
}
