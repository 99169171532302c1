using Google.Protobuf.WellKnownTypes;
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

    public static Timestamp? Time(DateTimeOffset? time) => time is { } value ? Timestamp.FromDateTimeOffset(value) : null;
}
