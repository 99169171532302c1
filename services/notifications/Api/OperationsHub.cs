using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Notifications.Domain;

namespace Mtaeda.Notifications.Api;

/// <summary>
/// The operations hub (SignalR, <c>/hubs/operations</c> on its own HTTP/1.1 port): the dashboard's live pushes. Only a
/// connection with a valid bearer token of the hub's audience and a known role is accepted (<see cref="HubAuthorization"/>);
/// it joins one group per station it may see for its role (<see cref="HubAccess.GroupsOf"/>), so it receives only the
/// stations and kinds its role allows. Server-to-client methods: <see cref="AlertMethod"/>, <see cref="AlertAcknowledgedMethod"/>
/// and <see cref="NotificationMethod"/>; clients call nothing.
/// </summary>
[Authorize(Policy = HubAuthorization.PolicyName)]
public sealed class OperationsHub : Hub
{
    /// <summary>A new alert: <see cref="AlertMessage"/>.</summary>
    public const string AlertMethod = "alert";

    /// <summary>An alert was acknowledged: <see cref="AlertAcknowledgedMessage"/>.</summary>
    public const string AlertAcknowledgedMethod = "alertAcknowledged";

    /// <summary>A configuration's dashboard notification: <see cref="NotificationMessage"/>.</summary>
    public const string NotificationMethod = "notification";

    /// <inheritdoc />
    public override async Task OnConnectedAsync()
    {
        var (role, stations) = HubAuthorization.AccessOf(Context.User) ?? throw new HubException("The connection has no role or stations.");
        foreach (var group in HubAccess.GroupsOf(role, stations)) await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
        await base.OnConnectedAsync();
    }
}

/// <summary>An alert as the hub pushes it (<c>alert</c>); kind and priority by their proto names, as <c>GET /v1/alerts</c> has them.</summary>
/// <param name="Id">The alert's id.</param>
/// <param name="Kind">E.g. <c>NOTIFICATION_EVENT_KIND_TURNSTILE_LOCKED</c>.</param>
/// <param name="StationId">The station.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="Priority">E.g. <c>MAINTENANCE_PRIORITY_HIGH</c>.</param>
/// <param name="Title">One line.</param>
/// <param name="Text">The details.</param>
/// <param name="OccurredAt">When it happened.</param>
/// <param name="WorkOrderId">The work order, or null.</param>
/// <param name="IdentificationId">The identification of a watch-list match, or null (never its image).</param>
public sealed record AlertMessage(string Id, string Kind, string StationId, string DeviceId, string Priority, string Title, string Text, DateTimeOffset OccurredAt, string? WorkOrderId, string? IdentificationId = null)
{
    /// <summary>The push of an alert.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>The message.</returns>
    public static AlertMessage From(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new(alert.Id, ProtoName(alert.Kind), alert.StationId, alert.DeviceId, ProtoName(alert.Priority), alert.Title, alert.Text,
            alert.OccurredAt.ToDateTimeOffset(), alert.WorkOrderId.Length == 0 ? null : alert.WorkOrderId,
            alert.IdentificationId.Length == 0 ? null : alert.IdentificationId);
    }

    private static string ProtoName<T>(T value)
        where T : struct, Enum =>
        typeof(T).GetField(value.ToString())?.GetCustomAttributes(typeof(Google.Protobuf.Reflection.OriginalNameAttribute), false)
            .OfType<Google.Protobuf.Reflection.OriginalNameAttribute>().FirstOrDefault()?.Name ?? value.ToString();
}

/// <summary>An acknowledgement as the hub pushes it (<c>alertAcknowledged</c>).</summary>
/// <param name="Id">The alert's id.</param>
/// <param name="AcknowledgedBy">Who.</param>
/// <param name="AcknowledgedAt">When.</param>
public sealed record AlertAcknowledgedMessage(string Id, string AcknowledgedBy, DateTimeOffset AcknowledgedAt);

/// <summary>A configuration's rendered notification as the hub pushes it (<c>notification</c>).</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="ConfigurationId">The configuration.</param>
/// <param name="AlertId">The alert it tells of.</param>
/// <param name="StationId">The station.</param>
/// <param name="Subject">The rendered subject.</param>
/// <param name="Body">The rendered body.</param>
public sealed record NotificationMessage(string DeliveryId, string ConfigurationId, string AlertId, string StationId, string Subject, string Body);
