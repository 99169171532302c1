using System.Security.Cryptography;
using System.Text;

namespace Mtaeda.Maintenance.Domain;

/// <summary>A reason for maintenance reported about one device.</summary>
/// <param name="DeviceId">The device.</param>
/// <param name="DeviceKind">Turnstile or camera.</param>
/// <param name="StationId">Its station.</param>
/// <param name="Cause">Why.</param>
/// <param name="Description">What was reported.</param>
/// <param name="OccurredAt">When the device reported it.</param>
public sealed record Fault(string DeviceId, DeviceKind DeviceKind, string StationId, MaintenanceCause Cause, string Description, DateTimeOffset OccurredAt)
{
    /// <summary>
    /// The fault's identity: the same report delivered twice has the same key. It is the id of the request the fault
    /// opens, and so of its workflow instance, so a redelivered event cannot start a second process.
    /// </summary>
    public string Key
    {
        get
        {
            var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{DeviceId}|{Cause}|{OccurredAt.UtcTicks}");
            return "mr-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];
        }
    }
}

/// <summary>What reporting a fault did.</summary>
public enum FaultOutcome
{
    /// <summary>No request was open for the device: the fault opened one.</summary>
    Opened = 1,

    /// <summary>The device's open request took the fault in; no new request.</summary>
    Joined = 2,

    /// <summary>The same fault was reported before (a redelivery): nothing changed.</summary>
    Repeated = 3,

    /// <summary>
    /// The same fault opened a request before, and that request is closed (a late redelivery): nothing changed, and no
    /// request is opened again for it.
    /// </summary>
    AlreadyClosed = 4,
}

/// <summary>The maintenance state of one device: its open request, if any, and the faults that joined it.</summary>
public sealed class DeviceMaintenanceState
{
    /// <summary>The device.</summary>
    public string DeviceId { get; set; } = string.Empty;

    /// <summary>The open request, or empty.</summary>
    public string OpenRequestId { get; set; } = string.Empty;

    /// <summary>Keys of the faults that joined the open request (the opening one is the request id).</summary>
    public List<string> JoinedFaults { get; set; } = [];

    /// <summary>The device's requests, oldest first (the last <see cref="DeviceMaintenance.MaxRequests"/>), for listing.</summary>
    public List<string> RequestIds { get; set; } = [];
}

/// <summary>
/// The rule of one open request per device: a fault of a device with an open request joins it, else it opens one; the
/// same fault again changes nothing, also after its request was closed (the device remembers its last
/// <see cref="MaxRequests"/> requests, whose ids are the faults that opened them). Closing the request (completed or
/// cancelled) lets the next fault open a new one.
/// </summary>
/// <param name="state">The device's state (changed in place).</param>
public sealed class DeviceMaintenance(DeviceMaintenanceState state)
{
    /// <summary>The most joined faults remembered for de-duplication; older ones are forgotten.</summary>
    public const int MaxJoinedFaults = 100;

    /// <summary>The most requests of one device remembered for listing; older ones are forgotten.</summary>
    public const int MaxRequests = 50;

    /// <summary>The state after the commands so far.</summary>
    public DeviceMaintenanceState State { get; } = state;

    /// <summary>Takes in a fault.</summary>
    /// <param name="fault">The fault.</param>
    /// <returns>What it did, and the request it belongs to.</returns>
    public (FaultOutcome Outcome, string RequestId) Report(Fault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var key = fault.Key;
        if (State.OpenRequestId.Length == 0)
        {
            if (State.RequestIds.Contains(key)) return (FaultOutcome.AlreadyClosed, key);
            State.OpenRequestId = key;
            State.JoinedFaults.Clear();
            State.RequestIds.Add(key);
            if (State.RequestIds.Count > MaxRequests) State.RequestIds.RemoveAt(0);
            return (FaultOutcome.Opened, key);
        }

        if (State.OpenRequestId == key || State.JoinedFaults.Contains(key)) return (FaultOutcome.Repeated, State.OpenRequestId);
        State.JoinedFaults.Add(key);
        if (State.JoinedFaults.Count > MaxJoinedFaults) State.JoinedFaults.RemoveAt(0);
        return (FaultOutcome.Joined, State.OpenRequestId);
    }

    /// <summary>Closes the device's open request (completed or cancelled); closing another or a closed one changes nothing.</summary>
    /// <param name="requestId">The request.</param>
    /// <returns>True when it was the open request.</returns>
    public bool Close(string requestId)
    {
        if (State.OpenRequestId != requestId) return false;
        State.OpenRequestId = string.Empty;
        State.JoinedFaults.Clear();
        return true;
    }
}
