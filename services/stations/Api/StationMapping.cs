using Google.Protobuf.WellKnownTypes;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Stations.Domain;
using StationMessage = Mtaeda.Contracts.Stations.V1.Station;

namespace Mtaeda.Stations.Api;

/// <summary>The contract's form of a station.</summary>
internal static class StationMapping
{
    public static StationMessage ToContract(this StationState state)
    {
        var message = new StationMessage
        {
            StationId = state.StationId,
            Name = state.Name,
            Address = state.Address?.ToContract(),
            Status = state.Status,
            StatusReason = state.StatusReason,
            RegisteredAt = Time(state.RegisteredAt),
            OpenedAt = Time(state.OpenedAt),
            ClosedAt = Time(state.ClosedAt),
            LastModifiedAt = Time(state.LastModifiedAt),
        };
        message.LineIds.AddRange(state.LineIds);
        message.TurnstileIds.AddRange(state.TurnstileIds);
        message.CameraIds.AddRange(state.CameraIds);
        return message;
    }

    public static StationWorkOrder ToContract(this StationWorkOrderState order)
    {
        var message = new StationWorkOrder
        {
            WorkOrderId = order.WorkOrderId,
            DeviceId = order.DeviceId,
            Priority = order.Priority,
            Status = order.Status,
            TechnicianId = order.TechnicianId,
            CreatedAt = Timestamp.FromDateTimeOffset(order.CreatedAt),
        };
        message.Transitions.AddRange(order.Transitions.Select(t => new WorkOrderTransition { Status = t.Status, At = Timestamp.FromDateTimeOffset(t.At), TechnicianId = t.TechnicianId }));
        return message;
    }

    public static Timestamp? Time(DateTimeOffset? time) => time is { } value ? Timestamp.FromDateTimeOffset(value) : null;
}
