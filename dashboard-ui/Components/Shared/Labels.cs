using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Scheduling.V1;
using Mtaeda.Contracts.Stations.V1;
using MudBlazor;

namespace Mtaeda.Dashboard.Components.Shared;

/// <summary>Words and colours for the contracts' enums.</summary>
public static class Labels
{
    /// <summary>A station status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The label.</returns>
    public static string Of(StationStatus status) => status switch
    {
        StationStatus.Active => "Active",
        StationStatus.Closed => "Closed",
        StationStatus.Offline => "Offline",
        _ => "Unknown",
    };

    /// <summary>The colour of a station status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The colour.</returns>
    public static Color ColorOf(StationStatus status) => status switch
    {
        StationStatus.Active => Color.Success,
        StationStatus.Closed => Color.Default,
        StationStatus.Offline => Color.Error,
        _ => Color.Warning,
    };

    /// <summary>A turnstile status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The label.</returns>
    public static string Of(TurnstileStatus status) => status switch
    {
        TurnstileStatus.Operational => "In service",
        TurnstileStatus.Locked => "Locked",
        TurnstileStatus.Faulted => "Faulted",
        TurnstileStatus.Decommissioned => "Decommissioned",
        _ => "Unknown",
    };

    /// <summary>The colour of a turnstile status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The colour.</returns>
    public static Color ColorOf(TurnstileStatus status) => status switch
    {
        TurnstileStatus.Operational => Color.Success,
        TurnstileStatus.Locked => Color.Warning,
        TurnstileStatus.Faulted => Color.Error,
        _ => Color.Default,
    };

    /// <summary>A priority.</summary>
    /// <param name="priority">The priority.</param>
    /// <returns>The label.</returns>
    public static string Of(MaintenancePriority priority) => priority switch
    {
        MaintenancePriority.Critical => "Critical",
        MaintenancePriority.High => "High",
        MaintenancePriority.Medium => "Medium",
        MaintenancePriority.Low => "Low",
        _ => "—",
    };

    /// <summary>The colour of a priority.</summary>
    /// <param name="priority">The priority.</param>
    /// <returns>The colour.</returns>
    public static Color ColorOf(MaintenancePriority priority) => priority switch
    {
        MaintenancePriority.Critical => Color.Error,
        MaintenancePriority.High => Color.Warning,
        MaintenancePriority.Medium => Color.Info,
        _ => Color.Default,
    };

    /// <summary>A work order status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The label.</returns>
    public static string Of(WorkOrderStatus status) => status switch
    {
        WorkOrderStatus.Created => "Created",
        WorkOrderStatus.Assigned => "Assigned",
        WorkOrderStatus.Started => "Started",
        WorkOrderStatus.Completed => "Completed",
        WorkOrderStatus.Cancelled => "Cancelled",
        _ => "Unknown",
    };

    /// <summary>A protobuf enum name for people: its prefix dropped, e.g. NOTIFICATION_EVENT_KIND_TURNSTILE_LOCKED → "Turnstile locked".</summary>
    /// <param name="name">The name as the hub and notifications send it.</param>
    /// <param name="prefix">The enum's prefix.</param>
    /// <returns>The words.</returns>
    public static string Words(string name, string prefix)
    {
        ArgumentNullException.ThrowIfNull(name);
        var words = (name.StartsWith(prefix, StringComparison.Ordinal) ? name[prefix.Length..] : name).Replace('_', ' ').ToLowerInvariant();
        return words.Length == 0 ? name : char.ToUpperInvariant(words[0]) + words[1..];
    }

    /// <summary>A time for people (UTC, to the second), or a dash.</summary>
    /// <param name="time">The time.</param>
    /// <returns>The text.</returns>
    public static string Time(Google.Protobuf.WellKnownTypes.Timestamp? time) => time is null ? "—" : Time(time.ToDateTimeOffset());

    /// <summary>A time for people (UTC, to the second).</summary>
    /// <param name="time">The time.</param>
    /// <returns>The text.</returns>
    public static string Time(DateTimeOffset? time) => time is null ? "—" : time.Value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
}
