using System.Collections.Concurrent;
using System.Text;
using Dapr;
using Dapr.Client;
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

/// <summary>
/// Integration events on the wire: a protobuf message from <c>protos/</c>, published as a CloudEvent whose
/// <c>type</c> is the message's full name (e.g. <c>mtaeda.equipment.v1.TurnstileLocked</c>) and whose <c>data</c> is
/// the message in proto3 JSON, on the pub/sub component <c>pubsub</c>. Any language that generates from the same
/// files can publish and read them.
/// </summary>
public static class IntegrationEvents
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));
    private static readonly JsonParser Parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    /// <summary>The proto3 JSON of <paramref name="message"/>, as it travels in the CloudEvent's <c>data</c>.</summary>
    /// <param name="message">The event.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(IMessage message) => Formatter.Format(message);

    /// <summary>Reads an event from its proto3 JSON, ignoring fields this version does not know (newer producers).</summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="json">The JSON text.</param>
    /// <returns>The event.</returns>
    /// <exception cref="InvalidJsonException">The JSON is not an event of this type.</exception>
    public static T FromJson<T>(string json)
        where T : IMessage<T>, new() => Parser.Parse<T>(json);

    /// <summary>
    /// Publishes <paramref name="message"/> on <paramref name="topic"/>. Give <paramref name="eventId"/> to make
    /// republishing the same event (an outbox retrying) carry the same CloudEvent id, so subscribers see one event.
    /// </summary>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="topic">The topic (see <see cref="Topics"/>).</param>
    /// <param name="message">The event.</param>
    /// <param name="eventId">The CloudEvent id; a new one when null.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted the event.</returns>
    public static Task PublishIntegrationEventAsync(this DaprClient dapr, string topic, IMessage message, string? eventId = null, CancellationToken cancellationToken = default) =>
        PublishJsonAsync(dapr, topic, message.Descriptor.FullName, ToJson(message), eventId, null, cancellationToken);

    /// <summary>Publishes <paramref name="message"/> about the aggregate <paramref name="subject"/>.</summary>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="topic">The topic (see <see cref="Topics"/>).</param>
    /// <param name="message">The event.</param>
    /// <param name="eventId">The CloudEvent id; a new one when null.</param>
    /// <param name="subject">The aggregate the event is about (turnstile, camera or station id): the CloudEvent
    /// <c>subject</c> and the partition key, so one aggregate's events stay in order on partitioned brokers.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted the event.</returns>
    public static Task PublishIntegrationEventAsync(this DaprClient dapr, string topic, IMessage message, string? eventId, string subject, CancellationToken cancellationToken) =>
        PublishJsonAsync(dapr, topic, message.Descriptor.FullName, ToJson(message), eventId, subject, cancellationToken);

    /// <summary>Publishes an event already in proto3 JSON (as an outbox keeps it).</summary>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="type">The CloudEvent type: the message's full name.</param>
    /// <param name="json">The event in proto3 JSON.</param>
    /// <param name="eventId">The CloudEvent id; a new one when null.</param>
    /// <param name="subject">The aggregate id: CloudEvent <c>subject</c> and partition key; none when null.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted the event.</returns>
    public static Task PublishJsonAsync(this DaprClient dapr, string topic, string type, string json, string? eventId, string? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["cloudevent.type"] = type };
        if (eventId is not null) metadata["cloudevent.id"] = eventId;
        if (subject is not null)
        {
            metadata["cloudevent.subject"] = subject;
            metadata["partitionKey"] = subject;
        }
        return dapr.PublishByteEventAsync(Topics.PubSubName, topic, Encoding.UTF8.GetBytes(json), "application/json", metadata, cancellationToken);
    }
}

/// <summary>Where an integration event came from, for its handler.</summary>
/// <param name="EventId">The CloudEvent id (the same on every redelivery).</param>
/// <param name="Source">The CloudEvent source: the publishing app.</param>
/// <param name="Http">The delivery request.</param>
public sealed record IntegrationEventContext(string EventId, string Source, HttpContext Http);

/// <summary>Subscribing to integration events: one typed handler per event type, run once per CloudEvent id.</summary>
public static class IntegrationEventEndpoints
{
    private static readonly ConcurrentDictionary<string, int> Priorities = new(StringComparer.Ordinal);

    /// <summary>
    /// Subscribes <paramref name="handler"/> to the events of type <typeparamref name="T"/> on <paramref name="topic"/>:
    /// a Dapr routing rule on <c>event.type</c> sends them to <c>/events/{topic}/{type}</c>, where the handler runs at
    /// most once per CloudEvent id (the idempotency guard), so redeliveries are acknowledged without effect. An event
    /// whose data cannot be read is logged once and dropped (to the dead-letter topic when one is configured).
    /// </summary>
    /// <typeparam name="T">The event type.</typeparam>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="topic">The topic (see <see cref="Topics"/>).</param>
    /// <param name="handler">What to do with one event.</param>
    /// <returns>The endpoint, for further conventions.</returns>
    public static RouteHandlerBuilder MapIntegrationEvent<T>(this IEndpointRouteBuilder endpoints, string topic, Func<T, IntegrationEventContext, CancellationToken, Task> handler)
        where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var type = EventType.Of<T>();
        return endpoints.MapPost($"/events/{topic}/{type}", async (HttpContext http, IIdempotencyGuard guard, IConfiguration configuration, IHostEnvironment host, ILoggerFactory loggers) =>
        {
            using var reader = new StreamReader(http.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            T message;
            try
            {
                message = IntegrationEvents.FromJson<T>(body);
            }
            catch (Exception e) when (e is InvalidJsonException or InvalidProtocolBufferException or FormatException)
            {
                loggers.CreateLogger("Mtaeda.IntegrationEvents").LogWarning("Dropping a {Type} event on {Topic} whose data cannot be read: {Error}", type, topic, e.Message);
                return Results.Json(new { status = "DROP" });
            }
            var id = http.Request.CloudEventId() ?? throw new BadHttpRequestException("The delivery carries no CloudEvent id.");
            var source = http.Request.Headers["Cloudevent.source"].ToString();
            var consumer = $"{MtaedaTelemetry.ServiceName(configuration, host.ApplicationName)}:{type}";
            await guard.RunOnceAsync(consumer, id, token => handler(message, new IntegrationEventContext(id, source, http), token), http.RequestAborted);
            return Results.Ok();
        }).WithTopic(new TopicOptions
        {
            PubsubName = Topics.PubSubName,
            Name = topic,
            Match = $"event.type == \"{type}\"",
            Priority = Priorities.AddOrUpdate(topic, 1, (_, p) => p + 1),
        });
    }

    /// <summary>Acknowledges the events of <paramref name="topic"/> that no handler of this app is interested in.</summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="topic">The topic.</param>
    /// <returns>The endpoint.</returns>
    public static RouteHandlerBuilder MapOtherIntegrationEvents(this IEndpointRouteBuilder endpoints, string topic)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapPost($"/events/{topic}/other", () => Results.Ok()).WithTopic(Topics.PubSubName, topic);
    }
}
