using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Dashboard.Alerts;
using AlertMessage = Mtaeda.Dashboard.Alerts.AlertMessage;

namespace Mtaeda.Dashboard.Backend;

/// <summary>Notifications' API (alerts, configurations, the delivery log) through the dashboard's sidecar, with gRPC.</summary>
/// <param name="services">The clients.</param>
/// <param name="reachability">Where reachability is recorded.</param>
public sealed class NotificationsApi(Services services, Reachability reachability)
{
    /// <summary>The app id.</summary>
    public const string AppId = "notifications";

    /// <summary>How many of the newest alerts a page starts with.</summary>
    public const int FirstAlerts = 200;

    /// <summary>The newest alerts (the first page of notifications' list, newest first; the hub pushes the new ones).</summary>
    /// <param name="stationId">Only this station's, when given.</param>
    /// <param name="unacknowledged">Only those not acknowledged.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The alerts.</returns>
    public async Task<IReadOnlyList<AlertMessage>> ListAlertsAsync(string? stationId = null, bool unacknowledged = false, CancellationToken cancellationToken = default)
    {
        var list = await reachability.CallAsync(AppId, () => services.Notifications.ListAlertsAsync(new ListAlertsRequest { StationId = stationId ?? string.Empty, Unacknowledged = unacknowledged, PageSize = FirstAlerts }, cancellationToken: cancellationToken).ResponseAsync);
        return [.. list.Alerts.Select(Of).OrderByDescending(a => a.OccurredAt)];
    }

    /// <summary>Acknowledges an alert on behalf of <paramref name="by"/>.</summary>
    /// <param name="alertId">The alert.</param>
    /// <param name="by">Who acknowledges (the signed-in user's name).</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The alert as acknowledged.</returns>
    public async Task<AlertMessage> AcknowledgeAsync(string alertId, string by, CancellationToken cancellationToken = default) =>
        Of(await reachability.CallAsync(AppId, () => services.Notifications.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { AlertId = alertId, AcknowledgedBy = by }, cancellationToken: cancellationToken).ResponseAsync));

    /// <summary>The configurations.</summary>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The configurations.</returns>
    public async Task<IReadOnlyList<NotificationConfiguration>> ListConfigurationsAsync(CancellationToken cancellationToken = default) =>
        (await reachability.CallAsync(AppId, () => services.Notifications.ListNotificationConfigurationsAsync(new ListNotificationConfigurationsRequest(), cancellationToken: cancellationToken).ResponseAsync)).Configurations;

    /// <summary>Creates (no id) or changes a configuration.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The configuration as stored.</returns>
    public Task<NotificationConfiguration> SaveConfigurationAsync(NotificationConfiguration configuration, CancellationToken cancellationToken = default) =>
        reachability.CallAsync(AppId, () => configuration.ConfigurationId.Length == 0
            ? services.Notifications.CreateNotificationConfigurationAsync(new CreateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: cancellationToken).ResponseAsync
            : services.Notifications.UpdateNotificationConfigurationAsync(new UpdateNotificationConfigurationRequest { Configuration = configuration }, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>Removes a configuration.</summary>
    /// <param name="configurationId">The configuration.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>When removed.</returns>
    public Task RemoveConfigurationAsync(string configurationId, CancellationToken cancellationToken = default) =>
        reachability.CallAsync(AppId, () => services.Notifications.DeleteNotificationConfigurationAsync(new DeleteNotificationConfigurationRequest { ConfigurationId = configurationId }, cancellationToken: cancellationToken).ResponseAsync);

    /// <summary>The delivery log, newest first, <paramref name="pages"/> pages of <see cref="PagedReads.PageSize"/> deep.</summary>
    /// <param name="pages">How many pages.</param>
    /// <param name="cancellationToken">Cancels.</param>
    /// <returns>The deliveries, and whether there are more.</returns>
    public Task<PagedList<Delivery>> ListDeliveriesAsync(int pages = 1, CancellationToken cancellationToken = default) =>
        PagedReads.ReadAsync<Delivery>(async token =>
        {
            var page = await reachability.CallAsync(AppId, () => services.Notifications.ListDeliveriesAsync(new ListDeliveriesRequest { PageSize = PagedReads.PageSize, PageToken = token }, cancellationToken: cancellationToken).ResponseAsync);
            return (page.Deliveries, page.NextPageToken);
        }, pages);

    /// <summary>An alert as the hub pushes it, from notifications' message.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>The same, as the hub words it.</returns>
    public static AlertMessage Of(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new AlertMessage
        {
            Id = alert.Id, Kind = ConfigurationForm.ProtoName(alert.Kind), StationId = alert.StationId, DeviceId = alert.DeviceId,
            Priority = ConfigurationForm.ProtoName(alert.Priority), Title = alert.Title, Text = alert.Text,
            OccurredAt = alert.OccurredAt?.ToDateTimeOffset() ?? default, WorkOrderId = alert.WorkOrderId.Length == 0 ? null : alert.WorkOrderId,
            IdentificationId = alert.IdentificationId.Length == 0 ? null : alert.IdentificationId,
            AcknowledgedBy = alert.AcknowledgedBy.Length == 0 ? null : alert.AcknowledgedBy, AcknowledgedAt = alert.AcknowledgedAt?.ToDateTimeOffset(),
        };
    }
}
