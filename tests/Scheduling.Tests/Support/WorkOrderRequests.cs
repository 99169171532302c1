using Google.Protobuf.WellKnownTypes;

namespace Mtaeda.Scheduling.Tests;

/// <summary>The work orders these tests create.</summary>
internal static class WorkOrderRequests
{
    /// <summary>A jammed turnstile's work order, HIGH, its id also its request's.</summary>
    /// <param name="id">The work order's (and its request's) id.</param>
    /// <param name="stationId">The station; the turnstile is its first one (ts-001-01 at stn-001).</param>
    /// <param name="due">When it is due; null: an hour from now.</param>
    /// <returns>The request.</returns>
    public static CreateWorkOrderRequest Jam(string id, string stationId = "stn-001", DateTimeOffset? due = null) => new()
    {
        WorkOrderId = id,
        RequestId = id,
        DeviceId = $"ts-{stationId[4..]}-01",
        DeviceKind = DeviceKind.Turnstile,
        StationId = stationId,
        Priority = MaintenancePriority.High,
        Description = "jammed",
        DueAt = Timestamp.FromDateTimeOffset(due ?? DateTimeOffset.UtcNow.AddHours(1)),
    };
}
