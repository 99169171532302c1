using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Common.V1;

namespace Mtaeda.Scheduling.Domain;

/// <summary>What a new work order is about.</summary>
/// <param name="RequestId">The maintenance request it serves.</param>
/// <param name="DeviceId">The device.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Station of the device.</param>
/// <param name="Priority">How urgent.</param>
/// <param name="Description">What is wrong.</param>
/// <param name="DueAt">When the work should be done by; null: never late.</param>
public sealed record NewWorkOrder(string RequestId, string DeviceId, DeviceKind DeviceKind, string StationId, MaintenancePriority Priority, string Description, DateTimeOffset? DueAt);

/// <summary>
/// The work order aggregate: CREATED → ASSIGNED → STARTED → COMPLETED, CANCELLED from any open status. Each accepted
/// transition changes <see cref="State"/> and raises its event in <see cref="Events"/>; a refused one throws
/// <see cref="DomainRefusalException"/> before changing anything. Repeating the command that led to the current
/// status (a retry) changes nothing and is accepted, so callers can retry safely.
/// </summary>
/// <param name="state">The stored state (changed in place).</param>
public sealed class WorkOrder(WorkOrderState state) : Aggregate<WorkOrderState>(state)
{
    /// <summary>The longest completion notes.</summary>
    public const int MaxNotesLength = 2000;

    /// <summary>The longest cancellation reason.</summary>
    public const int MaxReasonLength = 500;


    /// <summary>Creates the order. Creating it again with the same request and device changes nothing.</summary>
    /// <param name="order">What it is about.</param>
    /// <param name="by">Who creates it.</param>
    /// <param name="now">The time.</param>
    public void Create(NewWorkOrder order, string by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (State.Exists)
        {
            if (State.RequestId == order.RequestId && State.DeviceId == order.DeviceId) return;
            throw DomainRefusalException.AlreadyExists("work_order_id", $"work_order_id '{State.WorkOrderId}' is taken by the work order of request '{State.RequestId}' on '{State.DeviceId}'");
        }

        if (order.DeviceKind == DeviceKind.Unspecified) throw DomainRefusalException.Invalid("device_kind", "is required");
        if (order.Priority == MaintenancePriority.Unspecified) throw DomainRefusalException.Invalid("priority", "is required");
        State.RequestId = order.RequestId;
        State.DeviceId = order.DeviceId;
        State.DeviceKind = order.DeviceKind;
        State.StationId = order.StationId;
        State.Priority = order.Priority;
        State.Description = order.Description;
        State.DueAt = order.DueAt;
        State.Status = WorkOrderStatus.Created;
        State.CreatedAt = now;
        Touch(by);
        Raise(new WorkOrderCreated
        {
            WorkOrderId = State.WorkOrderId,
            RequestId = State.RequestId,
            DeviceId = State.DeviceId,
            DeviceKind = State.DeviceKind,
            StationId = State.StationId,
            Priority = State.Priority,
            Description = State.Description,
            DueAt = Time(State.DueAt),
            CreatedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Assigns the order to a technician (reassigns an assigned one); the same technician again changes nothing.</summary>
    /// <param name="technicianId">A registered technician (the caller checks the registry).</param>
    /// <param name="by">Who assigns.</param>
    /// <param name="now">The time.</param>
    public void Assign(string technicianId, string by, DateTimeOffset now)
    {
        RequireExists();
        RequireNotClosed();
        if (State.Status == WorkOrderStatus.Started)
        {
            if (State.TechnicianId == technicianId) return;
            throw Refused(ErrorReason.WorkOrderAlreadyStarted, $"work order '{State.WorkOrderId}' is started by '{State.TechnicianId}'; it cannot be reassigned");
        }

        if (State.Status == WorkOrderStatus.Assigned && State.TechnicianId == technicianId) return;
        var previous = State.TechnicianId;
        State.TechnicianId = technicianId;
        State.Status = WorkOrderStatus.Assigned;
        State.AssignedAt = now;
        Touch(by);
        Raise(new WorkOrderAssigned
        {
            WorkOrderId = State.WorkOrderId,
            RequestId = State.RequestId,
            DeviceId = State.DeviceId,
            StationId = State.StationId,
            TechnicianId = technicianId,
            PreviousTechnicianId = previous,
            AssignedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Starts the work on an assigned order; starting a started one changes nothing.</summary>
    /// <param name="by">Who starts.</param>
    /// <param name="now">The time.</param>
    public void Start(string by, DateTimeOffset now)
    {
        RequireExists();
        RequireNotClosed();
        if (State.Status == WorkOrderStatus.Started) return;
        if (State.Status != WorkOrderStatus.Assigned)
        {
            throw Refused(ErrorReason.WorkOrderNotAssigned, $"work order '{State.WorkOrderId}' is not assigned to a technician");
        }

        State.Status = WorkOrderStatus.Started;
        State.StartedAt = now;
        Touch(by);
        Raise(new WorkOrderStarted
        {
            WorkOrderId = State.WorkOrderId,
            RequestId = State.RequestId,
            DeviceId = State.DeviceId,
            StationId = State.StationId,
            TechnicianId = State.TechnicianId,
            StartedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Completes a started order; completing a completed one changes nothing.</summary>
    /// <param name="notes">What was done.</param>
    /// <param name="by">Who completes.</param>
    /// <param name="now">The time.</param>
    public void Complete(string notes, string by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(notes);
        RequireExists();
        if (State.Status == WorkOrderStatus.Completed) return;
        if (State.Status == WorkOrderStatus.Cancelled) throw Cancelled();
        if (notes.Length > MaxNotesLength) throw DomainRefusalException.Invalid("notes", $"is longer than {MaxNotesLength} characters");
        if (State.Status != WorkOrderStatus.Started)
        {
            throw Refused(ErrorReason.WorkOrderNotStarted, $"work order '{State.WorkOrderId}' was never started, so it cannot be completed");
        }

        State.Status = WorkOrderStatus.Completed;
        State.CompletedAt = now;
        State.Notes = notes;
        Touch(by);
        Raise(new WorkOrderCompleted
        {
            WorkOrderId = State.WorkOrderId,
            RequestId = State.RequestId,
            DeviceId = State.DeviceId,
            DeviceKind = State.DeviceKind,
            StationId = State.StationId,
            TechnicianId = State.TechnicianId,
            Notes = notes,
            CompletedAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    /// <summary>Cancels an open order; cancelling a cancelled one changes nothing.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="by">Who cancels.</param>
    /// <param name="now">The time.</param>
    public void Cancel(string reason, string by, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(reason);
        RequireExists();
        if (State.Status == WorkOrderStatus.Cancelled) return;
        if (State.Status == WorkOrderStatus.Completed) throw Completed();
        if (reason.Length > MaxReasonLength) throw DomainRefusalException.Invalid("reason", $"is longer than {MaxReasonLength} characters");
        State.Status = WorkOrderStatus.Cancelled;
        State.CancelledAt = now;
        State.CancelReason = reason;
        Touch(by);
        Raise(new WorkOrderCancelled
        {
            WorkOrderId = State.WorkOrderId,
            RequestId = State.RequestId,
            DeviceId = State.DeviceId,
            StationId = State.StationId,
            Reason = reason,
            CancelledAt = Timestamp.FromDateTimeOffset(now),
        });
    }

    private void RequireExists()
    {
        if (!State.Exists) throw DomainRefusalException.NotFound("work_order_id", $"no work order '{State.WorkOrderId}'");
    }

    private void RequireNotClosed()
    {
        if (State.Status == WorkOrderStatus.Completed) throw Completed();
        if (State.Status == WorkOrderStatus.Cancelled) throw Cancelled();
    }

    private DomainRefusalException Refused(ErrorReason reason, string message) =>
        DomainRefusalException.Refused(reason, message, ("work_order_id", State.WorkOrderId));

    private DomainRefusalException Completed() => Refused(ErrorReason.WorkOrderCompleted, $"work order '{State.WorkOrderId}' is completed");

    private DomainRefusalException Cancelled() => Refused(ErrorReason.WorkOrderCancelled, $"work order '{State.WorkOrderId}' is cancelled");

    private void Touch(string by)
    {
        State.LastChangedBy = by;
        State.Version++;
        MarkChanged();
    }

    private static Timestamp? Time(DateTimeOffset? time) => time is { } value ? Timestamp.FromDateTimeOffset(value) : null;
}
