using System.Runtime.Serialization;

namespace Mtaeda.Scheduling.Domain;

/// <summary>A work order as it is stored (actor state) and handed back by the actor.</summary>
[DataContract]
public sealed class WorkOrderState
{
    /// <summary>The work order id (the maintenance request's id).</summary>
    [DataMember(Order = 1)] public string WorkOrderId { get; set; } = string.Empty;

    /// <summary>The maintenance request it serves.</summary>
    [DataMember(Order = 2)] public string RequestId { get; set; } = string.Empty;

    /// <summary>The device to service.</summary>
    [DataMember(Order = 3)] public string DeviceId { get; set; } = string.Empty;

    /// <summary>Turnstile or camera.</summary>
    [DataMember(Order = 4)] public DeviceKind DeviceKind { get; set; }

    /// <summary>Station of the device.</summary>
    [DataMember(Order = 5)] public string StationId { get; set; } = string.Empty;

    /// <summary>How urgent.</summary>
    [DataMember(Order = 6)] public MaintenancePriority Priority { get; set; }

    /// <summary>What is wrong.</summary>
    [DataMember(Order = 7)] public string Description { get; set; } = string.Empty;

    /// <summary>Where the order is; <see cref="WorkOrderStatus.Unspecified"/> until created.</summary>
    [DataMember(Order = 8)] public WorkOrderStatus Status { get; set; }

    /// <summary>The technician, empty until assigned.</summary>
    [DataMember(Order = 9)] public string TechnicianId { get; set; } = string.Empty;

    /// <summary>When the work should be done by; null: never late.</summary>
    [DataMember(Order = 10)] public DateTimeOffset? DueAt { get; set; }

    /// <summary>When it was created.</summary>
    [DataMember(Order = 11)] public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>When it was (last) assigned.</summary>
    [DataMember(Order = 12)] public DateTimeOffset? AssignedAt { get; set; }

    /// <summary>When the work started.</summary>
    [DataMember(Order = 13)] public DateTimeOffset? StartedAt { get; set; }

    /// <summary>When the work was completed.</summary>
    [DataMember(Order = 14)] public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>When the order was cancelled.</summary>
    [DataMember(Order = 15)] public DateTimeOffset? CancelledAt { get; set; }

    /// <summary>The technician's notes on completion.</summary>
    [DataMember(Order = 16)] public string Notes { get; set; } = string.Empty;

    /// <summary>Why it was cancelled.</summary>
    [DataMember(Order = 17)] public string CancelReason { get; set; } = string.Empty;

    /// <summary>Who made the latest change.</summary>
    [DataMember(Order = 18)] public string LastChangedBy { get; set; } = string.Empty;

    /// <summary>How many changes the order has had (1 once created): the newer of two copies has the higher version.</summary>
    [DataMember(Order = 19)] public long Version { get; set; }

    /// <summary>True once created.</summary>
    public bool Exists => Status != WorkOrderStatus.Unspecified;

    /// <summary>True while created, assigned or started.</summary>
    public bool IsOpen => Status is WorkOrderStatus.Created or WorkOrderStatus.Assigned or WorkOrderStatus.Started;

    /// <summary>True when open and past its due time at <paramref name="now"/>.</summary>
    /// <param name="now">The time to judge at.</param>
    /// <returns>Whether the order is late.</returns>
    public bool IsLateAt(DateTimeOffset now) => IsOpen && DueAt is { } due && due <= now;

    /// <summary>A copy, so that a refused command leaves the original untouched.</summary>
    /// <returns>The copy.</returns>
    public WorkOrderState Copy() => (WorkOrderState)MemberwiseClone();
}
