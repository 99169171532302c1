using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mtaeda.Contracts;

namespace Mtaeda.ServiceDefaults;

/// <summary>Bulk delivery of a topic (Dapr <c>bulkSubscribe</c>).</summary>
/// <param name="MaxMessages">Most events in one delivery.</param>
/// <param name="MaxAwait">How long the sidecar waits to fill a delivery.</param>
public sealed record BulkDelivery(int MaxMessages, TimeSpan MaxAwait);

/// <summary>What the app answers the sidecar for one delivered event.</summary>
public enum DeliveryStatus
{
    /// <summary>Handled (or not this app's business): acknowledged.</summary>
    Success,

    /// <summary>Might succeed later: delivered again.</summary>
    Retry,

    /// <summary>Can never succeed: moved to the subscription's dead-letter topic.</summary>
    Drop,
}

/// <summary>
/// The app's programmatic subscriptions, served at <c>GET /dapr/subscribe</c> by <c>MapDefaultEndpoints()</c>: one per
/// topic, routing each event by its CloudEvent <c>type</c> (a rule <c>event.type == "…"</c> per handled type) to
/// <c>/events/{topic}/{type}</c>, everything else on the topic to <c>/events/{topic}</c> (acknowledged), and naming a
/// dead-letter topic, <see cref="DeadLetterTopic"/>, that nothing subscribes to by default.
/// </summary>
/// <param name="configuration">The configuration (<c>APP_ID</c>).</param>
/// <param name="host">The host (application name, when there is no <c>APP_ID</c>).</param>
public sealed class EventSubscriptions(IConfiguration configuration, IHostEnvironment host)
{
    private readonly ConcurrentDictionary<string, TopicSubscription> _topics = new(StringComparer.Ordinal);

    /// <summary>The app id the subscriptions are named after.</summary>
    public string AppId { get; } = MtaedaTelemetry.ServiceName(configuration, host.ApplicationName);

    /// <summary>The dead-letter topic of this app's subscription to <paramref name="topic"/>: <c>{app-id}.{topic}.deadletter</c>.</summary>
    /// <param name="topic">The topic.</param>
    /// <returns>The dead-letter topic.</returns>
    public string DeadLetterTopic(string topic) => $"{AppId}.{topic}.deadletter";

    /// <summary>The subscriptions as Dapr reads them from <c>/dapr/subscribe</c>.</summary>
    /// <returns>The JSON model.</returns>
    public IReadOnlyList<object> ToDapr() => [.. _topics.Values.OrderBy(t => t.PubSubName, StringComparer.Ordinal).ThenBy(t => t.Topic, StringComparer.Ordinal).Select(t => t.ToDapr())];

    internal TopicSubscription Topic(IEndpointRouteBuilder endpoints, string topic, BulkDelivery? bulk, string pubSubName = Topics.PubSubName)
    {
        var created = false;
        var subscription = _topics.GetOrAdd(pubSubName == Topics.PubSubName ? topic : $"{pubSubName}/{topic}", _ =>
        {
            created = true;
            return new TopicSubscription(pubSubName, topic, DeadLetterTopic(topic), bulk);
        });
        if (subscription.Bulk != bulk)
        {
            throw new InvalidOperationException($"Topic {topic} is subscribed both with and without bulk delivery (or with two bulk settings); the sidecar delivers a topic one way.");
        }
        if (created) EventSubscriptionEndpoints.MapOthers(endpoints, subscription);
        return subscription;
    }

    internal sealed class TopicSubscription(string pubSubName, string topic, string deadLetterTopic, BulkDelivery? bulk)
    {
        private readonly List<(string Match, string Path)> _rules = [];

        public string PubSubName { get; } = pubSubName;

        public string Topic { get; } = topic;

        public BulkDelivery? Bulk { get; } = bulk;

        // Topics of the shared component keep their paths; another component's are under its name.
        public string DefaultPath => PubSubName == Topics.PubSubName ? $"/events/{Topic}" : $"/events/{PubSubName}/{Topic}";

        public string Route(string type)
        {
            var path = $"{DefaultPath}/{type}";
            lock (_rules)
            {
                if (_rules.Any(r => r.Path == path)) throw new InvalidOperationException($"{type} on topic {Topic} has a handler already.");
                _rules.Add(($"event.type == \"{type}\"", path));
            }
            return path;
        }

        public object ToDapr()
        {
            lock (_rules)
            {
                return new Dictionary<string, object?>
                {
                    ["pubsubname"] = PubSubName,
                    ["topic"] = Topic,
                    ["routes"] = new { rules = _rules.Select(r => new { match = r.Match, path = r.Path }).ToArray(), @default = DefaultPath },
                    ["deadLetterTopic"] = deadLetterTopic,
                    ["bulkSubscribe"] = Bulk is { } b
                        ? new { enabled = true, maxMessagesCount = b.MaxMessages, maxAwaitDurationMs = (int)Math.Ceiling(b.MaxAwait.TotalMilliseconds) }
                        : null,
                };
            }
        }
    }
}

/// <summary>
/// The one way an MTAEDA service subscribes to integration events: one call per handled event type.
/// <code>
/// app.MapEventHandler&lt;StationClosed, StationClosedHandler&gt;(Topics.Stations);
/// app.MapBulkEventHandler&lt;PassagesRecorded, PassagesRecordedHandler&gt;(Topics.Passages, new BulkDelivery(100, TimeSpan.FromMilliseconds(50)));
/// </code>
/// Each event is read from its proto3 JSON and checked against its contract's bounds (<see cref="IValidatedMessage"/>);
/// one that cannot be read or breaks them is dropped to the dead-letter topic. Whatever a handler throws for one event
/// becomes that event's status (<see cref="DeliveryStatus.Drop"/> for what can never succeed, <see cref="DeliveryStatus.Retry"/>
/// for what might), never an error status for a whole delivery. Handler classes are made per delivery from the app's
/// services (they need no registration); every route requires the Dapr app token when one is configured.
/// </summary>
public static class EventSubscriptionEndpoints
{
    private const string LoggerName = "Mtaeda.Events";

    /// <summary>Subscribes <typeparamref name="THandler"/> to the events of type <typeparamref name="TEvent"/> on <paramref name="topic"/>, one event per delivery, at most once per CloudEvent id.</summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="topic">The topic (see <see cref="Topics"/>).</param>
    /// <returns>The endpoint.</returns>
    public static RouteHandlerBuilder MapEventHandler<TEvent, THandler>(this IEndpointRouteBuilder endpoints, string topic)
        where TEvent : IMessage<TEvent>, new()
        where THandler : IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return MapSingle<TEvent, THandler>(endpoints, Topics.PubSubName, topic, guarded: true);
    }

    /// <summary>
    /// Subscribes <typeparamref name="THandler"/> to the events of type <typeparamref name="TEvent"/> on <paramref name="topic"/>
    /// of the pub/sub component <paramref name="pubSubName"/> whose consumer id is per replica (Dapr's <c>{uuid}</c> or
    /// <c>{podName}</c>), so that every replica of the app receives every event: a broadcast, such as the notifications hub's
    /// fan-out. It is not behind the idempotency guard, whose record in the shared state store would let one replica alone
    /// handle each event; the handler's effect must bear a redelivery (a push a client recognises by its id).
    /// </summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="pubSubName">The pub/sub component (per-replica consumer id).</param>
    /// <param name="topic">The topic.</param>
    /// <returns>The endpoint.</returns>
    public static RouteHandlerBuilder MapBroadcastEventHandler<TEvent, THandler>(this IEndpointRouteBuilder endpoints, string pubSubName, string topic)
        where TEvent : IMessage<TEvent>, new()
        where THandler : IEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(pubSubName);
        return MapSingle<TEvent, THandler>(endpoints, pubSubName, topic, guarded: false);
    }

    private static RouteHandlerBuilder MapSingle<TEvent, THandler>(IEndpointRouteBuilder endpoints, string pubSubName, string topic, bool guarded)
        where TEvent : IMessage<TEvent>, new()
        where THandler : IEventHandler<TEvent>
    {
        var type = EventType.Of<TEvent>();
        var subscriptions = endpoints.ServiceProvider.GetRequiredService<EventSubscriptions>();
        var path = subscriptions.Topic(endpoints, topic, bulk: null, pubSubName).Route(type);
        var consumer = $"{subscriptions.AppId}:{type}";
        return endpoints.MapPost(path, async (HttpContext http, IIdempotencyGuard guard, ILoggerFactory loggers) =>
        {
            var logger = loggers.CreateLogger(LoggerName);
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var id = http.Request.CloudEventId();
            var status = await DeliverAsync<TEvent>(body, id, http.Request.Headers["Cloudevent.source"].ToString(), topic, logger, (message, context) =>
            {
                Task Handle(CancellationToken token) => ActivatorUtilities.GetServiceOrCreateInstance<THandler>(http.RequestServices).HandleAsync(message, context, token);
                return guarded ? (Task)guard.RunOnceAsync(consumer, context.EventId, Handle, http.RequestAborted) : Handle(http.RequestAborted);
            });
            return Results.Json(new { status = Wire(status) });
        }).RequireDapr();
    }

    /// <summary>
    /// Subscribes <typeparamref name="THandler"/> to the events of type <typeparamref name="TEvent"/> on <paramref name="topic"/>
    /// with bulk delivery: the handler gets every fit event of a delivery at once and answers for each.
    /// </summary>
    /// <typeparam name="TEvent">The event type.</typeparam>
    /// <typeparam name="THandler">The handler.</typeparam>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="bulk">How many events a delivery carries at most, and how long the sidecar waits to fill one.</param>
    /// <returns>The endpoint.</returns>
    public static RouteHandlerBuilder MapBulkEventHandler<TEvent, THandler>(this IEndpointRouteBuilder endpoints, string topic, BulkDelivery bulk)
        where TEvent : IMessage<TEvent>, new()
        where THandler : IBulkEventHandler<TEvent>
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(bulk);
        var type = EventType.Of<TEvent>();
        var path = endpoints.ServiceProvider.GetRequiredService<EventSubscriptions>().Topic(endpoints, topic, bulk).Route(type);
        return endpoints.MapPost(path, async (HttpContext http, ILoggerFactory loggers) =>
        {
            var logger = loggers.CreateLogger(LoggerName);
            using var delivery = await ReadBulkAsync(http);
            var statuses = new Dictionary<string, DeliveryStatus>(StringComparer.Ordinal);
            var fit = new List<(string EntryId, ReceivedEvent<TEvent> Event)>();
            foreach (var entry in delivery.RootElement.GetProperty("entries").EnumerateArray())
            {
                var entryId = entry.TryGetProperty("entryId", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "";
                if (!entry.TryGetProperty("event", out var cloudEvent) || cloudEvent.ValueKind != JsonValueKind.Object)
                {
                    LogDropped(logger, type, topic, entryId, "the entry carries no CloudEvent");
                    statuses[entryId] = DeliveryStatus.Drop;
                    continue;
                }
                if (Text(cloudEvent, "type") != type)
                {
                    statuses[entryId] = DeliveryStatus.Success; // Another event of the topic: not this handler's business.
                    continue;
                }
                statuses[entryId] = await DeliverAsync<TEvent>(DataOf(cloudEvent), Text(cloudEvent, "id"), Text(cloudEvent, "source") ?? "", topic, logger, (message, context) =>
                {
                    fit.Add((entryId, new ReceivedEvent<TEvent>(message, context)));
                    return Task.CompletedTask;
                });
            }

            if (fit.Count > 0)
            {
                var handler = ActivatorUtilities.GetServiceOrCreateInstance<THandler>(http.RequestServices);
                foreach (var (entryId, status) in await HandleBulkAsync(handler, fit, type, topic, logger, http.RequestAborted)) statuses[entryId] = status;
            }
            return Results.Json(new { statuses = statuses.Select(s => new { entryId = s.Key, status = Wire(s.Value) }) });
        }).RequireDapr();
    }

    /// <summary>
    /// The status an exception thrown while handling an event stands for: <see cref="DeliveryStatus.Drop"/> when the
    /// event can never succeed (it is unreadable, breaks its bounds or a rule, overflows a count), otherwise
    /// <see cref="DeliveryStatus.Retry"/> (a store, the sidecar or another service failed; another delivery is busy with it).
    /// </summary>
    /// <param name="exception">What the handler threw.</param>
    /// <returns>The status.</returns>
    public static DeliveryStatus StatusOf(Exception exception) => exception switch
    {
        InvalidEventException or ValidationException or InvalidJsonException or InvalidProtocolBufferException
            or FormatException or OverflowException or ArgumentException => DeliveryStatus.Drop,
        _ => DeliveryStatus.Retry,
    };

    internal static void MapOthers(IEndpointRouteBuilder endpoints, EventSubscriptions.TopicSubscription subscription) =>
        endpoints.MapPost(subscription.DefaultPath, async (HttpContext http) =>
        {
            if (subscription.Bulk is null) return Results.Json(new { status = Wire(DeliveryStatus.Success) });
            using var delivery = await ReadBulkAsync(http);
            return Results.Json(new
            {
                statuses = delivery.RootElement.GetProperty("entries").EnumerateArray()
                    .Select(entry => new { entryId = Text(entry, "entryId") ?? "", status = Wire(DeliveryStatus.Success) }).ToArray(),
            });
        }).RequireDapr();

    // One event: read and checked, then handled; every failure becomes its status.
    private static async Task<DeliveryStatus> DeliverAsync<TEvent>(string? json, string? eventId, string source, string topic, ILogger logger,
        Func<TEvent, IntegrationEventContext, Task> handle)
        where TEvent : IMessage<TEvent>, new()
    {
        var type = EventType.Of<TEvent>();
        if (string.IsNullOrEmpty(eventId))
        {
            LogDropped(logger, type, topic, "(none)", "it has no CloudEvent id, so it cannot be handled once");
            return DeliveryStatus.Drop;
        }
        TEvent message;
        try
        {
            message = IntegrationEvents.FromJson<TEvent>(json ?? throw new InvalidEventException("the event has no data"));
            if (message is IValidatedMessage validated && validated.Violations() is { } violations && !violations.IsEmpty())
            {
                throw new InvalidEventException(Errors.Describe(violations));
            }
        }
        catch (Exception e) when (StatusOf(e) == DeliveryStatus.Drop)
        {
            LogDropped(logger, type, topic, eventId, e.Message);
            return DeliveryStatus.Drop;
        }

        try
        {
            await handle(message, new IntegrationEventContext(eventId, source));
            return DeliveryStatus.Success;
        }
        catch (Exception e)
        {
            return Failed(logger, type, topic, eventId, e);
        }
    }

    // A whole batch first; a failure that may pass retries it whole, any other is narrowed down event by event.
    private static async Task<IEnumerable<(string EntryId, DeliveryStatus Status)>> HandleBulkAsync<TEvent>(IBulkEventHandler<TEvent> handler,
        List<(string EntryId, ReceivedEvent<TEvent> Event)> events, string type, string topic, ILogger logger, CancellationToken cancellationToken)
        where TEvent : IMessage<TEvent>, new()
    {
        try
        {
            await handler.HandleAsync([.. events.Select(e => e.Event)], cancellationToken);
            return events.Select(e => (e.EntryId, DeliveryStatus.Success));
        }
        catch (Exception e) when (events.Count == 1 || StatusOf(e) == DeliveryStatus.Retry)
        {
            var status = events.Count == 1 ? Failed(logger, type, topic, events[0].Event.Context.EventId, e) : Failed(logger, type, topic, $"{events.Count} events", e);
            return events.Select(entry => (entry.EntryId, status));
        }
        catch (Exception)
        {
            var statuses = new List<(string, DeliveryStatus)>(events.Count);
            foreach (var (entryId, received) in events)
            {
                try
                {
                    await handler.HandleAsync([received], cancellationToken);
                    statuses.Add((entryId, DeliveryStatus.Success));
                }
                catch (Exception e)
                {
                    statuses.Add((entryId, Failed(logger, type, topic, received.Context.EventId, e)));
                }
            }
            return statuses;
        }
    }

    private static DeliveryStatus Failed(ILogger logger, string type, string topic, string what, Exception e)
    {
        var status = StatusOf(e);
        if (status == DeliveryStatus.Drop) LogDropped(logger, type, topic, what, e.Message);
        else logger.LogWarning("{Type} {What} on {Topic} failed ({Error}); it will be delivered again", type, what, topic, e.Message);
        return status;
    }

    private static void LogDropped(ILogger logger, string type, string topic, string what, string problem) =>
        logger.LogWarning("Dropping {Type} {What} on {Topic} to its dead-letter topic: {Problem}", type, what, topic, problem);

    private static async Task<JsonDocument> ReadBulkAsync(HttpContext http)
    {
        JsonDocument delivery;
        try
        {
            delivery = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
        }
        catch (JsonException e)
        {
            throw new BadHttpRequestException($"The bulk delivery is not JSON: {e.Message}");
        }
        if (!delivery.RootElement.TryGetProperty("entries", out var entries) || entries.ValueKind != JsonValueKind.Array)
        {
            delivery.Dispose();
            throw new BadHttpRequestException("The delivery is not a bulk delivery: it has no \"entries\" array.");
        }
        return delivery;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    // The event's data as JSON text: embedded JSON, a JSON string, or data_base64; null when it has none.
    private static string? DataOf(JsonElement cloudEvent)
    {
        if (cloudEvent.TryGetProperty("data", out var data))
        {
            return data.ValueKind switch
            {
                JsonValueKind.Object => data.GetRawText(),
                JsonValueKind.String => data.GetString(),
                _ => null,
            };
        }
        if (Text(cloudEvent, "data_base64") is { } base64)
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }

    private static string Wire(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Success => "SUCCESS",
        DeliveryStatus.Drop => "DROP",
        _ => "RETRY",
    };
}
