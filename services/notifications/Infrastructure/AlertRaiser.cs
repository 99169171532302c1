using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.ServiceDefaults;
using DeliveryStatus = Mtaeda.Contracts.Notifications.V1.DeliveryStatus;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>
/// What every handled event does: keeps its alert, pushes it to the hub (through the fan-out), and, for each
/// configuration told of it, renders the template and queues one delivery per channel, logged PENDING first. Every id is
/// derived from the event's, so a redelivered event repeats nothing: the alert is found, a logged delivery is not queued
/// again, and the hub's clients treat a second push of an alert id as the same alert.
/// </summary>
/// <param name="alerts">The alerts.</param>
/// <param name="configurations">The configurations.</param>
/// <param name="log">The delivery log.</param>
/// <param name="queue">The delivery queue.</param>
/// <param name="hub">The hub's fan-out.</param>
/// <param name="time">The clock.</param>
public sealed class AlertRaiser(AlertStore alerts, ConfigurationStore configurations, DeliveryLog log, DeliveryQueue queue, HubFanOut hub, TimeProvider time)
{
    /// <summary>Raises the alert of one event.</summary>
    /// <param name="facts">The alert, read from the event.</param>
    /// <param name="eventId">The event's CloudEvent id.</param>
    /// <param name="cancellationToken">Cancels the handling.</param>
    /// <returns>The alert.</returns>
    public async Task<Alert> RaiseAsync(AlertFacts facts, string eventId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var alertId = AlertRules.AlertId(eventId);
        var alert = await alerts.AddAsync(new Alert
        {
            Id = alertId,
            Kind = facts.Kind,
            StationId = facts.StationId,
            DeviceId = facts.DeviceId,
            Priority = facts.Priority,
            Title = facts.Title,
            Text = facts.Text,
            OccurredAt = Timestamp.FromDateTimeOffset(facts.OccurredAt),
            WorkOrderId = facts.WorkOrderId,
            IdentificationId = facts.IdentificationId,
        }, cancellationToken);
        await hub.PublishAsync(new AlertRaised { Alert = alert }, alertId, cancellationToken);

        var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        foreach (var configuration in (await configurations.ListAsync(cancellationToken)).Where(c => ConfigurationRules.Matches(c, facts)))
        {
            var subject = Template.Parse(configuration.Template.Subject, "template.subject").Render(alertId, facts);
            var body = Template.Parse(configuration.Template.Body, "template.body").Render(alertId, facts);
            foreach (var (channel, target) in ChannelsOf(configuration))
            {
                var delivery = new Delivery
                {
                    DeliveryId = AlertRules.DeliveryId(alertId, configuration.ConfigurationId, channel),
                    ConfigurationId = configuration.ConfigurationId,
                    Channel = channel,
                    Target = target,
                    AlertId = alertId,
                    EventKind = facts.Kind,
                    Status = DeliveryStatus.Pending,
                    CreatedAt = now,
                };
                var stored = new StoredDelivery(IntegrationEvents.ToJson(delivery), subject, body, IntegrationEvents.ToJson(alert), IntegrationEvents.ToJson(configuration));
                if (await log.TryAddAsync(stored, cancellationToken)) await queue.EnqueueAsync(stored, cancellationToken);
            }
        }
        return alert;
    }

    private static IEnumerable<(ChannelKind Channel, string Target)> ChannelsOf(NotificationConfiguration configuration)
    {
        var channels = configuration.Channels;
        if (channels.Dashboard) yield return (ChannelKind.Dashboard, "dashboard");
        if (channels.Email is { } email) yield return (ChannelKind.Email, string.Join(", ", email.To));
        if (channels.Webhook is { } webhook) yield return (ChannelKind.Webhook, webhook.Url);
    }
}
