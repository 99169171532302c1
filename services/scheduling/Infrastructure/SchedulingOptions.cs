using Technician = Mtaeda.Scheduling.Domain.Technician;

namespace Mtaeda.Scheduling.Infrastructure;

/// <summary>Settings of the scheduling service, bound from the <c>Scheduling</c> configuration section.</summary>
public sealed class SchedulingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Scheduling";

    /// <summary>The Dapr state store holding the work-order index (default <c>statestore</c>).</summary>
    public string StateStoreName { get; set; } = "statestore";

    /// <summary>The technicians (appsettings.Development.json seeds a few).</summary>
    public List<Technician> Technicians { get; set; } = [];
}
