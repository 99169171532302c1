using System.Security.Cryptography;
using System.Text;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Identification.V1;
using Mtaeda.Contracts.Maintenance.V1;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Contracts.Scheduling.V1;

namespace Mtaeda.Notifications.Domain;

/// <summary>How each event notifications reacts to becomes an alert: its kind, priority, title and text.</summary>
public static class AlertRules
{
    /// <summary>
    /// The alert id of the event with CloudEvent id <paramref name="eventId"/>: the same on every redelivery, so a
    /// redelivered event finds its alert instead of raising a second one.
    /// </summary>
    /// <param name="eventId">The CloudEvent id.</param>
    /// <returns>The alert id, <c>alr-</c> and 24 hex digits.</returns>
    public static string AlertId(string eventId) => "alr-" + Digest(eventId);

    /// <summary>The id of the delivery of an alert through one channel of one configuration (the same on every retry).</summary>
    /// <param name="alertId">The alert.</param>
    /// <param name="configurationId">The configuration.</param>
    /// <param name="channel">The channel.</param>
    /// <returns>The delivery id, <c>dlv-</c> and 24 hex digits.</returns>
    public static string DeliveryId(string alertId, string configurationId, ChannelKind channel) =>
        "dlv-" + Digest($"{alertId}|{configurationId}|{(int)channel}");

    /// <summary>
    /// The priority of an alert: a locked or jammed turnstile admits nobody (HIGH), a malfunction is MEDIUM, a
    /// maintenance request and a work order carry their own, an escalation of level 2 (not completed in time) is
    /// CRITICAL, and a completed work order is LOW (good news).
    /// </summary>
    /// <param name="kind">The kind.</param>
    /// <param name="carried">The priority the event carries, if any.</param>
    /// <param name="escalationLevel">The escalation level, for <see cref="NotificationEventKind.WorkOrderEscalated"/>.</param>
    /// <returns>The priority.</returns>
    public static MaintenancePriority PriorityOf(NotificationEventKind kind, MaintenancePriority carried = MaintenancePriority.Unspecified, int escalationLevel = 0) => kind switch
    {
        NotificationEventKind.TurnstileLocked => MaintenancePriority.High,
        NotificationEventKind.TurnstileFaulted => MaintenancePriority.Medium,
        NotificationEventKind.WorkOrderCompleted => MaintenancePriority.Low,
        NotificationEventKind.WorkOrderEscalated when escalationLevel >= 2 => MaintenancePriority.Critical,
        _ => carried == MaintenancePriority.Unspecified ? MaintenancePriority.Medium : carried,
    };

    /// <summary>The alert of a locked (or jammed) turnstile.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(TurnstileLocked e) => new(
        NotificationEventKind.TurnstileLocked, e.StationId, e.TurnstileId, PriorityOf(NotificationEventKind.TurnstileLocked),
        $"Turnstile {e.TurnstileId} {(e.Kind == FaultKind.Jammed ? "jammed" : "locked")}",
        Reason(e.Reason), Time(e.LockedAt));

    /// <summary>The alert of a malfunctioning turnstile.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(TurnstileFaulted e) => new(
        NotificationEventKind.TurnstileFaulted, e.StationId, e.TurnstileId, PriorityOf(NotificationEventKind.TurnstileFaulted),
        $"Turnstile {e.TurnstileId} malfunctioned", Reason(e.Reason), Time(e.FaultedAt));

    /// <summary>The alert of a maintenance request.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(MaintenanceRequired e) => new(
        NotificationEventKind.MaintenanceRequired, e.StationId, e.DeviceId, PriorityOf(NotificationEventKind.MaintenanceRequired, e.Priority),
        $"Maintenance required for {e.DeviceId}", Reason(e.Description), Time(e.RequiredAt), RequestId: e.RequestId);

    /// <summary>The alert of a new work order.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(WorkOrderCreated e) => new(
        NotificationEventKind.WorkOrderCreated, e.StationId, e.DeviceId, PriorityOf(NotificationEventKind.WorkOrderCreated, e.Priority),
        $"Work order {e.WorkOrderId} created for {e.DeviceId}", Reason(e.Description), Time(e.CreatedAt), e.WorkOrderId, e.RequestId);

    /// <summary>The alert of an escalated work order.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(WorkOrderEscalated e) => new(
        NotificationEventKind.WorkOrderEscalated, e.StationId, e.DeviceId, PriorityOf(NotificationEventKind.WorkOrderEscalated, e.Priority, e.Level),
        $"Work order {e.WorkOrderId} escalated (level {e.Level})",
        e.Level >= 2 ? "It was not completed in time." : "It was not assigned in time.", Time(e.EscalatedAt), e.WorkOrderId, e.RequestId);

    /// <summary>The alert of a completed work order.</summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(WorkOrderCompleted e) => new(
        NotificationEventKind.WorkOrderCompleted, e.StationId, e.DeviceId, PriorityOf(NotificationEventKind.WorkOrderCompleted),
        $"Work order {e.WorkOrderId} completed", Reason(e.Notes), Time(e.CompletedAt), e.WorkOrderId, e.RequestId);

    /// <summary>
    /// The alert of a watch-list match: where (station, turnstile, camera), when, the offender, the case and the alert
    /// level (LOW, MEDIUM, HIGH as the priority of the same name), for the supervisors and the offender's recipients. No
    /// image: the dashboard asks identification for it, for the roles allowed to see it.
    /// </summary>
    /// <param name="e">The event.</param>
    /// <returns>The facts.</returns>
    public static AlertFacts From(OffenderIdentified e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var at = e.Interaction ?? throw new ArgumentException("the event carries no interaction");
        var direction = at.Direction switch
        {
            Mtaeda.Contracts.Gateway.V1.PassageDirection.Ingress => "entering",
            Mtaeda.Contracts.Gateway.V1.PassageDirection.Egress => "leaving",
            _ => "passing",
        };
        return new(
            NotificationEventKind.OffenderIdentified, at.StationId, at.CameraId, PriorityOf(e.AlertLevel),
            $"Watch-list match at {at.StationId}",
            $"Offender {e.OffenderId} (case {e.CaseReference}, alert level {LevelName(e.AlertLevel)}) seen {direction} by camera {at.CameraId} at turnstile {at.TurnstileId}.",
            Time(at.OccurredAt), IdentificationId: e.IdentificationId, Recipients: [.. e.Recipients]);
    }

    /// <summary>The priority of a watch-list alert: its alert level, LOW, MEDIUM or HIGH.</summary>
    /// <param name="level">The offender's alert level.</param>
    /// <returns>The priority of the same name (HIGH when the level is not set: a match is never ignored).</returns>
    public static MaintenancePriority PriorityOf(AlertLevel level) => level switch
    {
        AlertLevel.Low => MaintenancePriority.Low,
        AlertLevel.Medium => MaintenancePriority.Medium,
        _ => MaintenancePriority.High,
    };

    private static string LevelName(AlertLevel level) => level switch
    {
        AlertLevel.Low => "LOW",
        AlertLevel.Medium => "MEDIUM",
        _ => "HIGH",
    };

    private static string Reason(string text) => string.IsNullOrWhiteSpace(text) ? "No details were given." : text;

    private static DateTimeOffset Time(Google.Protobuf.WellKnownTypes.Timestamp? at) =>
        at is null ? throw new ArgumentException("the event carries no time") : at.ToDateTimeOffset();

    private static string Digest(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
}
