using Mtaeda.Contracts.Equipment.V1;

namespace Mtaeda.Equipment.Domain;

/// <summary>
/// What a turnstile remembers, as saved in its actor's state (System.Text.Json). Only <see cref="Turnstile"/> changes it;
/// a null state means the turnstile was never installed.
/// </summary>
public sealed class TurnstileState
{
    /// <summary>Station it is installed at.</summary>
    public string StationId { get; set; } = "";

    /// <summary>Lines reached through it.</summary>
    public List<string> LineIds { get; set; } = [];

    /// <summary>Model information.</summary>
    public EquipmentInfo Model { get; set; } = new();

    /// <summary>Passages after which it needs maintenance.</summary>
    public long MaxPassagesBeforeMaintenance { get; set; }

    /// <summary>Current status.</summary>
    public TurnstileStatus Status { get; set; }

    /// <summary>Fault behind a LOCKED or FAULTED status; unspecified otherwise.</summary>
    public FaultKind FaultKind { get; set; }

    /// <summary>Reason given with the last status change.</summary>
    public string StatusReason { get; set; } = "";

    /// <summary>When the status last changed.</summary>
    public DateTimeOffset StatusChangedAt { get; set; }

    /// <summary>When it was installed.</summary>
    public DateTimeOffset InstalledAt { get; set; }

    /// <summary>When it was decommissioned; null unless decommissioned.</summary>
    public DateTimeOffset? DecommissionedAt { get; set; }

    /// <summary>Camera installed on it; null when none.</summary>
    public string? CameraId { get; set; }

    /// <summary>When that camera was installed.</summary>
    public DateTimeOffset? CameraInstalledAt { get; set; }

    /// <summary>Entries recorded since installation.</summary>
    public long IngressCount { get; set; }

    /// <summary>Exits recorded since installation.</summary>
    public long EgressCount { get; set; }

    /// <summary>True once the passage count of the current cycle reached the maximum (the threshold event was raised).</summary>
    public bool PassageThresholdExceeded { get; set; }

    /// <summary>Passages (entries plus exits) counted before the current cycle began (at the last completed maintenance).</summary>
    public long PassagesBeforeCycle { get; set; }

    /// <summary>Maintenances completed; each began a new passage cycle.</summary>
    public int MaintenanceCycles { get; set; }

    /// <summary>When the last maintenance was completed; null when none was.</summary>
    public DateTimeOffset? LastMaintainedAt { get; set; }

    /// <summary>The maintenance request being worked on while UNDER_MAINTENANCE; null otherwise.</summary>
    public string? MaintenanceRequestId { get; set; }

    /// <summary>The status, fault kind and reason before the maintenance under way, to go back to if it is called off.</summary>
    public TurnstileStatus StatusBeforeMaintenance { get; set; }

    /// <summary>The fault kind before the maintenance under way.</summary>
    public FaultKind FaultKindBeforeMaintenance { get; set; }

    /// <summary>The status reason before the maintenance under way.</summary>
    public string StatusReasonBeforeMaintenance { get; set; } = "";

    /// <summary>True while its station is offline: passages are refused until the station is opened again.</summary>
    public bool StationOffline { get; set; }

    /// <summary>When the station's availability last changed, as far as the turnstile knows; null when never told.</summary>
    public DateTimeOffset? StationAvailabilityAt { get; set; }

    /// <summary>The most recent batch ids recorded, oldest first, at most <see cref="Turnstile.RecentBatchCapacity"/>.</summary>
    public List<string> RecentBatchIds { get; set; } = [];

    /// <summary>The most recent fault ids recorded, oldest first, at most <see cref="Turnstile.RecentFaultCapacity"/>.</summary>
    public List<string> RecentFaultIds { get; set; } = [];
}
