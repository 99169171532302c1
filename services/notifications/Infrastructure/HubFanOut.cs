using Dapr.Client;
using Google.Protobuf;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// Publishes what the hub pushes (<c>AlertRaised</c>, <c>AlertAcknowledged</c>, <c>NotificationPushed</c>) on the topic
/// <see cref="Topics.HubFanOut"/> of the component <see cref="Topics.HubFanOutPubSubName"/>, whose consumer id is per
/// replica: every replica receives each push and sends it to the connections it holds (docs/adr/0007-hub-scale-out.md).
/// </summary>
/// <param name="dapr">The Dapr client.</param>
public sealed class HubFanOut(DaprClient dapr)
{
    /// <summary>Publishes a push.</summary>
    /// <param name="message">The push.</param>
    /// <param name="eventId">The CloudEvent id (the same when a retried handler publishes it again).</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when the sidecar accepted it.</returns>
    public Task PublishAsync(IMessage message, string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return dapr.PublishJsonAsync(Topics.HubFanOutPubSubName, Topics.HubFanOut, message.Descriptor.FullName, IntegrationEvents.ToJson(message), eventId, subject: null, cancellationToken);
    }
}
