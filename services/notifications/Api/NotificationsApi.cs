using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.ServiceDefaults.Callers;
using Mtaeda.ServiceDefaults.Paging;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Domain;
using Mtaeda.Notifications.Infrastructure;
using Mtaeda.ServiceDefaults;
using DeliveryStatus = Mtaeda.Contracts.Notifications.V1.DeliveryStatus;
using NotificationsService = Mtaeda.Contracts.Notifications.V1.Notifications;

namespace Mtaeda.Notifications.Api;

/// <summary>
/// The <c>mtaeda.notifications.v1.Notifications</c> API, over gRPC and HTTP JSON (<c>/v1/notification-configurations…</c>,
/// <c>/v1/deliveries</c>, <c>/v1/alerts…</c>). Configurations are checked, templates included, before they are saved
/// (InvalidArgument naming the field); each change is saved with its event for the <c>notifications</c> topic (<see cref="ConfigurationStore"/>).
/// </summary>
/// <param name="configurations">The configurations.</param>
/// <param name="alerts">The alerts.</param>
/// <param name="log">The delivery log.</param>
/// <param name="hub">The hub's fan-out.</param>
/// <param name="options">The list limits.</param>
/// <param name="time">The clock.</param>
public sealed class NotificationsApi(
    ConfigurationStore configurations, AlertStore alerts, DeliveryLog log, HubFanOut hub, NotificationsOptions options, TimeProvider time)
    : NotificationsService.NotificationsBase
{
    /// <inheritdoc />
    public override async Task<NotificationConfiguration> CreateNotificationConfiguration(CreateNotificationConfigurationRequest request, ServerCallContext context)
    {
        var configuration = Checked(request.Configuration);
        var caller = context.Caller();
        caller.RequireEveryStation(configuration.StationIds);
        var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        return await configurations.ChangeAsync(map =>
        {
            if (map.TryGetValue(configuration.ConfigurationId, out var existing))
            {
                caller.RequireEveryStation(existing.StationIds);
                return SameSettings(existing, configuration)
                    ? new ConfigurationChange<NotificationConfiguration>(existing)
                    : throw Errors.AlreadyExists($"Notification configuration {configuration.ConfigurationId} exists with other settings.");
            }
            var made = configuration.Clone();
            made.CreatedAt = now;
            made.ChangedAt = now;
            map[made.ConfigurationId] = made;
            return new(made, new NotificationConfigurationCreated { Configuration = made, CreatedAt = now }, EventId(made.ConfigurationId, "created", now));
        }, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<ListNotificationConfigurationsResponse> ListNotificationConfigurations(ListNotificationConfigurationsRequest request, ServerCallContext context)
    {
        var response = new ListNotificationConfigurationsResponse();
        // A user with a list of stations reads the configurations covering one of them (one covering none listed covers all).
        response.Configurations.AddRange(context.Caller().VisibleAny(await configurations.ListAsync(context.CancellationToken), c => c.StationIds));
        return response;
    }

    /// <inheritdoc />
    public override async Task<NotificationConfiguration> GetNotificationConfiguration(GetNotificationConfigurationRequest request, ServerCallContext context)
    {
        var id = Id(request.ConfigurationId, "configuration_id");
        var configuration = (await configurations.ListAsync(context.CancellationToken)).FirstOrDefault(c => c.ConfigurationId == id)
            ?? throw Errors.NotFound($"Notification configuration {id} does not exist.");
        context.Caller().RequireAnyStation(configuration.StationIds);
        return configuration;
    }

    /// <inheritdoc />
    public override async Task<NotificationConfiguration> UpdateNotificationConfiguration(UpdateNotificationConfigurationRequest request, ServerCallContext context)
    {
        var configuration = Checked(request.Configuration);
        var caller = context.Caller();
        caller.RequireEveryStation(configuration.StationIds);
        var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        return await configurations.ChangeAsync(map =>
        {
            if (!map.TryGetValue(configuration.ConfigurationId, out var existing))
            {
                throw Errors.NotFound($"Notification configuration {configuration.ConfigurationId} does not exist.");
            }
            // A user changes only a configuration of their stations, into one of their stations.
            caller.RequireEveryStation(existing.StationIds);
            if (SameSettings(existing, configuration)) return new ConfigurationChange<NotificationConfiguration>(existing);
            var next = configuration.Clone();
            next.CreatedAt = existing.CreatedAt;
            next.ChangedAt = now;
            map[next.ConfigurationId] = next;
            return new(next, new NotificationConfigurationChanged { Configuration = next, ChangedAt = now }, EventId(next.ConfigurationId, "changed", now));
        }, context.CancellationToken);
    }

    /// <inheritdoc />
    public override async Task<DeleteNotificationConfigurationResponse> DeleteNotificationConfiguration(DeleteNotificationConfigurationRequest request, ServerCallContext context)
    {
        var id = Id(request.ConfigurationId, "configuration_id");
        var caller = context.Caller();
        var now = Timestamp.FromDateTimeOffset(time.GetUtcNow());
        await configurations.ChangeAsync(map =>
        {
            if (map.TryGetValue(id, out var existing)) caller.RequireEveryStation(existing.StationIds);
            return map.Remove(id)
                ? new ConfigurationChange<bool>(true, new NotificationConfigurationRemoved { ConfigurationId = id, RemovedAt = now }, EventId(id, "removed", now))
                : new ConfigurationChange<bool>(false);
        }, context.CancellationToken);
        return new DeleteNotificationConfigurationResponse();
    }

    /// <inheritdoc />
    public override async Task<ListDeliveriesResponse> ListDeliveries(ListDeliveriesRequest request, ServerCallContext context)
    {
        if (request.ConfigurationId.Length > 0) Id(request.ConfigurationId, "configuration_id");
        if (!System.Enum.IsDefined(request.Status)) throw Errors.InvalidArgument("status", "is not a delivery status");
        var caller = context.Caller();
        var page = Pages.Of(await log.ListAsync(request.ConfigurationId, request.Status, caller.IsService ? null : caller.Sees, context.CancellationToken), DeliveryLog.PageKeyOf,
            request.PageSize, request.PageToken, $"{request.ConfigurationId}|{request.Status}", options.MaxListSize);
        var response = new ListDeliveriesResponse { NextPageToken = page.NextPageToken };
        response.Deliveries.AddRange(page.Items);
        return response;
    }

    /// <inheritdoc />
    public override async Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context)
    {
        if (request.StationId.Length > 0) Id(request.StationId, "station_id");
        // A user reads only the alerts the hub would push them: their stations' (ADR 0009), of the kinds their role receives
        // (HubAccess; a watch-list match only a supervisor), filtered before the page is cut.
        var caller = context.Caller();
        var visible = caller.Visible(await alerts.ListAsync(request.StationId, request.Unacknowledged, context.CancellationToken), a => a.StationId)
            .Where(a => caller.User is not { } user || HubAccess.KindsOf((HubRole)(int)user.Role).Contains(a.Kind));
        var page = Pages.Of(visible, AlertStore.PageKeyOf,
            request.PageSize, request.PageToken, $"{request.StationId}|{request.Unacknowledged}", options.MaxListSize);
        var response = new ListAlertsResponse { NextPageToken = page.NextPageToken };
        response.Alerts.AddRange(page.Items);
        return response;
    }

    /// <inheritdoc />
    public override async Task<Alert> AcknowledgeAlert(AcknowledgeAlertRequest request, ServerCallContext context)
    {
        var id = Id(request.AlertId, "alert_id");
        // A user acknowledges as themselves (their name from the token), whatever the request says.
        var by = context.Caller().User?.Name.Trim() ?? request.AcknowledgedBy.Trim();
        if (by.Length == 0) throw Errors.InvalidArgument("acknowledged_by", "is required");
        if (by.Length > 200) throw Errors.InvalidArgument("acknowledged_by", "must be at most 200 characters");
        // A user acknowledges only their stations' alerts (an alert's station never changes, so it is judged before).
        if (context.Caller().User is not null)
        {
            var kept = await alerts.GetAsync(id, context.CancellationToken) ?? throw Errors.NotFound($"Alert {id} does not exist.");
            context.Caller().RequireStation(kept.StationId);
        }
        var (alert, acknowledged) = await alerts.AcknowledgeAsync(id, by, time.GetUtcNow(), context.CancellationToken)
            ?? throw Errors.NotFound($"Alert {id} does not exist.");
        if (acknowledged)
        {
            await hub.PublishAsync(new AlertAcknowledged
            {
                AlertId = alert.Id,
                StationId = alert.StationId,
                Kind = alert.Kind,
                AcknowledgedBy = alert.AcknowledgedBy,
                AcknowledgedAt = alert.AcknowledgedAt,
            }, alert.Id + "-acknowledged", context.CancellationToken);
        }
        return alert;
    }

    private static NotificationConfiguration Checked(NotificationConfiguration? configuration)
    {
        if (configuration is null) throw Errors.InvalidArgument("configuration", "is required");
        try
        {
            ConfigurationRules.Validate(configuration);
        }
        catch (ConfigurationException invalid)
        {
            throw Errors.InvalidArgument(invalid.Field, invalid.Description);
        }
        var copy = configuration.Clone();
        copy.CreatedAt = null;
        copy.ChangedAt = null;
        return copy;
    }

    private static string EventId(string configurationId, string what, Timestamp at) => $"{configurationId}-{what}-{at.Seconds}-{at.Nanos}";

    private static bool SameSettings(NotificationConfiguration a, NotificationConfiguration b)
    {
        var (x, y) = (a.Clone(), b.Clone());
        x.CreatedAt = y.CreatedAt = null;
        x.ChangedAt = y.ChangedAt = null;
        return x.Equals(y);
    }

    private static string Id(string id, string field)
    {
        if (id.Length == 0) throw Errors.InvalidArgument(field, "is required");
        return Ids.IsValid(id) ? id : throw Errors.InvalidArgument(field, Ids.Rule);
    }
}
