using System.Text;
using Dapr.Client;
using Google.Protobuf;
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
    public static Task PublishJsonAsync(this DaprClient dapr, string topic, string type, string json, string? eventId, string? subject, CancellationToken cancellationToken) =>
        PublishJsonAsync(dapr, Topics.PubSubName, topic, type, json, eventId, subject, cancellationToken);

    /// <summary>Publishes an event in proto3 JSON on a pub/sub component other than <see cref="Topics.PubSubName"/> (a broadcast's own).</summary>
    /// <param name="dapr">The Dapr client.</param>
    /// <param name="pubsubName">The pub/sub component.</param>
    /// <param name="topic">The topic.</param>
    /// <param name="type">The CloudEvent type: the message's full name.</param>
    /// <param name="json">The event in proto3 JSON.</param>
    /// <param name="eventId">The CloudEvent id; a new one when null.</param>
    /// <param name="subject">The aggregate id: CloudEvent <c>subject</c> and partition key; none when null.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted the event.</returns>
    public static Task PublishJsonAsync(this DaprClient dapr, string pubsubName, string topic, string type, string json, string? eventId, string? subject, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dapr);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["cloudevent.type"] = type };
        if (eventId is not null) metadata["cloudevent.id"] = eventId;
        if (subject is not null)
        {
            metadata["cloudevent.subject"] = subject;
            metadata["partitionKey"] = subject;
        }
        return dapr.PublishByteEventAsync(pubsubName, topic, Encoding.UTF8.GetBytes(json), "application/json", metadata, cancellationToken);
    }
}
