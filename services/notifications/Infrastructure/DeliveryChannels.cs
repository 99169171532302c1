using System.Text.Json.Nodes;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.ServiceDefaults;
using DeliveryStatus = Mtaeda.Contracts.Notifications.V1.DeliveryStatus;

namespace Mtaeda.Notifications.Infrastructure;

/// <summary>Makes one attempt of a delivery through its channel: e-mail, webhook or dashboard push.</summary>
/// <param name="email">The SMTP sender.</param>
/// <param name="webhooks">The webhook sender.</param>
/// <param name="secrets">The secret store (webhook signing secrets).</param>
/// <param name="hub">The hub's fan-out.</param>
public sealed class DeliveryChannels(EmailSender email, WebhookSender webhooks, DeliverySecrets secrets, HubFanOut hub)
{
    /// <summary>The <c>type</c> of a webhook's payload.</summary>
    public const string WebhookType = "mtaeda.notification";

    /// <summary>Sends one attempt.</summary>
    /// <param name="stored">The delivery.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A task that completes when the channel accepted it.</returns>
    public async Task SendAsync(StoredDelivery stored, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var delivery = stored.Read();
        var configuration = IntegrationEvents.FromJson<NotificationConfiguration>(stored.Configuration);
        var alert = IntegrationEvents.FromJson<Alert>(stored.Alert);
        switch (delivery.Channel)
        {
            case ChannelKind.Email:
                await email.SendAsync(configuration.Channels.Email.To, stored.Subject, stored.Body, delivery.DeliveryId, cancellationToken);
                break;
            case ChannelKind.Webhook:
                var webhook = configuration.Channels.Webhook;
                var secret = await secrets.GetAsync(webhook.SecretName, cancellationToken);
                await webhooks.SendAsync(new Uri(webhook.Url), secret, delivery.DeliveryId, WebhookPayload(delivery, alert, stored), cancellationToken);
                break;
            case ChannelKind.Dashboard:
                await hub.PublishAsync(new NotificationPushed
                {
                    DeliveryId = delivery.DeliveryId,
                    ConfigurationId = delivery.ConfigurationId,
                    AlertId = alert.Id,
                    Kind = alert.Kind,
                    StationId = alert.StationId,
                    Subject = stored.Subject,
                    Body = stored.Body,
                }, delivery.DeliveryId, cancellationToken);
                break;
            default:
                throw new PermanentDeliveryException($"unknown channel {delivery.Channel}");
        }
    }

    /// <summary>
    /// The webhook's body, in the Standard Webhooks payload shape: <c>type</c>, <c>timestamp</c> and <c>data</c> (the
    /// alert in proto3 JSON, with the configuration's id and the rendered subject and body).
    /// </summary>
    /// <param name="delivery">The delivery.</param>
    /// <param name="alert">The alert.</param>
    /// <param name="stored">The rendered text.</param>
    /// <returns>The JSON text.</returns>
    public static string WebhookPayload(Delivery delivery, Alert alert, StoredDelivery stored)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        ArgumentNullException.ThrowIfNull(stored);
        var data = JsonNode.Parse(IntegrationEvents.ToJson(alert))!.AsObject();
        data["configurationId"] = delivery.ConfigurationId;
        data["subject"] = stored.Subject;
        data["body"] = stored.Body;
        return new JsonObject
        {
            ["type"] = WebhookType,
            ["timestamp"] = delivery.CreatedAt.ToDateTimeOffset().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = data,
        }.ToJsonString();
    }
}
