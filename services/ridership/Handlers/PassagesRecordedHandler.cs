using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.AspNetCore;
using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Ridership.Domain;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Ridership.Handlers;

/// <summary>
/// Counts each <see cref="PassagesRecorded"/> of the <c>passages</c> topic once. Dapr delivers the topic in bulk
/// (<see cref="RidershipOptions.BulkMaxMessages"/> events, or what arrived within <see cref="RidershipOptions.BulkMaxAwait"/>),
/// and the whole delivery is counted with one read and one state transaction (<see cref="PassageCounter"/>). It does
/// not go through the shared idempotency guard (<c>MapIntegrationEvent</c>): each event's marker is written in the same
/// transaction as the counts, which makes "counted" and "marked" one atomic step instead of two.
/// </summary>
/// <param name="counter">The counter.</param>
/// <param name="time">The clock.</param>
/// <param name="logger">The logger.</param>
public sealed partial class PassagesRecordedHandler(PassageCounter counter, TimeProvider time, ILogger<PassagesRecordedHandler> logger)
{
    /// <summary>The route Dapr delivers the events to.</summary>
    public static readonly string Route = $"/events/{Topics.Passages}";

    private static readonly string PassagesRecordedType = EventType.Of<PassagesRecorded>();

    /// <summary>
    /// Handles one bulk delivery. Each entry answers SUCCESS when counted, a duplicate, or not a passage event; DROP when
    /// it can never be counted; RETRY (every countable entry) when the store kept failing.
    /// </summary>
    /// <param name="http">The delivery.</param>
    /// <returns>The statuses, for the sidecar.</returns>
    public async Task<IResult> HandleAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        JsonDocument delivery;
        try
        {
            delivery = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"The delivery is not JSON: {e.Message}");
        }
        using (delivery)
        {
            if (!delivery.RootElement.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
                throw new BadHttpRequestException("The delivery is not a bulk delivery: it has no \"entries\" array.");
            var statuses = new List<BulkSubscribeAppResponseEntry>(entries.GetArrayLength());
            var countable = new List<(string EntryId, CountRequest Request)>();
            foreach (var entry in entries.EnumerateArray())
            {
                var entryId = entry.TryGetProperty("entryId", out var id) ? id.GetString() ?? "" : "";
                var (status, request) = Read(entryId, entry);
                if (request is null) statuses.Add(new BulkSubscribeAppResponseEntry(entryId, status));
                else countable.Add((entryId, request));
            }

            if (countable.Count > 0)
            {
                try
                {
                    await counter.CountAsync([.. countable.Select(c => c.Request)], http.RequestAborted);
                    statuses.AddRange(countable.Select(c => new BulkSubscribeAppResponseEntry(c.EntryId, BulkSubscribeAppResponseStatus.SUCCESS)));
                }
                catch (DaprException failed)
                {
                    LogRetry(countable.Count, failed.InnerException?.Message ?? failed.Message);
                    statuses.AddRange(countable.Select(c => new BulkSubscribeAppResponseEntry(c.EntryId, BulkSubscribeAppResponseStatus.RETRY)));
                }
            }
            // Statuses by name, as the sidecar reads them.
            return Results.Json(new { statuses = statuses.Select(s => new { entryId = s.EntryId, status = s.Status.ToString() }) });
        }
    }

    // What to do with one entry: a status now, or a request to count.
    private (BulkSubscribeAppResponseStatus Status, CountRequest? Request) Read(string entryId, JsonElement entry)
    {
        if (!entry.TryGetProperty("event", out var cloudEvent) || cloudEvent.ValueKind != JsonValueKind.Object)
        {
            LogDropped(entryId, "the entry carries no CloudEvent");
            return (BulkSubscribeAppResponseStatus.DROP, null);
        }
        var eventId = cloudEvent.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "";
        var type = cloudEvent.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        // Other events of the topic are not this handler's business.
        if (type != PassagesRecordedType) return (BulkSubscribeAppResponseStatus.SUCCESS, null);
        if (eventId.Length == 0)
        {
            LogDropped(entryId, "it has no CloudEvent id, so it cannot be counted once");
            return (BulkSubscribeAppResponseStatus.DROP, null);
        }
        PassageBatch batch;
        try
        {
            batch = PassageBatch.From(IntegrationEvents.FromJson<PassagesRecorded>(DataOf(cloudEvent)), time.GetUtcNow());
        }
        catch (Exception unfit) when (unfit is InvalidJsonException or InvalidProtocolBufferException or FormatException or InvalidPassagesException or InvalidOperationException)
        {
            LogDropped(eventId, unfit.Message);
            return (BulkSubscribeAppResponseStatus.DROP, null);
        }
        return batch.Counts.IsZero ? (BulkSubscribeAppResponseStatus.SUCCESS, null) : (BulkSubscribeAppResponseStatus.SUCCESS, new CountRequest(eventId, batch));
    }

    // The event's data as JSON text: embedded JSON, a JSON string, or data_base64.
    private static string DataOf(JsonElement cloudEvent)
    {
        if (cloudEvent.TryGetProperty("data", out var data))
        {
            return data.ValueKind switch
            {
                JsonValueKind.Object => data.GetRawText(),
                JsonValueKind.String => data.GetString()!,
                _ => throw new FormatException("data is neither a JSON object nor a string"),
            };
        }
        if (cloudEvent.TryGetProperty("data_base64", out var base64) && base64.ValueKind == JsonValueKind.String)
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64.GetString()!));
        throw new FormatException("the event has no data");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropping PassagesRecorded {EventId}: it cannot be counted ({Problem})")]
    private partial void LogDropped(string eventId, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Counting {Count} PassagesRecorded events failed ({Error}); they will be delivered again")]
    private partial void LogRetry(int count, string error);
}
