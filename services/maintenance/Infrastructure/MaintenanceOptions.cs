using Mtaeda.Maintenance.Domain;

namespace Mtaeda.Maintenance.Infrastructure;

/// <summary>Settings of the maintenance service, bound from the <c>Maintenance</c> configuration section.</summary>
public sealed class MaintenanceOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Maintenance";

    /// <summary>The Dapr state store holding requests and devices' open requests (default <c>statestore</c>).</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>Average entries plus exits per minute, over the last hour, from which a station counts as busy.</summary>
    public double BusyPassagesPerMinute { get; set; } = 30;

    /// <summary>The deadlines per priority.</summary>
    public MaintenanceDeadlines Deadlines { get; set; } = new();
}
