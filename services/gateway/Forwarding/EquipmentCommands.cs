using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Common.V1;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Gateway.V1;
using Mtaeda.Gateway.Journal;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;

namespace Mtaeda.Gateway.Forwarding;

/// <summary>How forwarding one journal entry ended.</summary>
internal enum OutcomeKind
{
    /// <summary>Equipment recorded it (or had already: a duplicate).</summary>
    Recorded,

    /// <summary>Equipment refused it for good; never retried, never counted.</summary>
    Rejected,

    /// <summary>Equipment could not be reached or did not answer: the entry stays journaled and is retried.</summary>
    Transient,

    /// <summary>
    /// Equipment refused it for now: the turnstile's station is offline (<c>STATION_OFFLINE</c>). The entry stays
    /// journaled and is forwarded again after <c>Gateway:StationOfflineRetryInterval</c>; equipment is reachable, so
    /// other devices go on.
    /// </summary>
    Held,
}

/// <summary>The outcome of one call.</summary>
internal sealed record ForwardOutcome(OutcomeKind Kind, bool Duplicate = false, TurnstileStatus StatusAfterFault = TurnstileStatus.Unspecified,
    RejectionReason Reason = RejectionReason.Unspecified, string Message = "", string Status = "OK");

/// <summary>
/// Equipment's gRPC API through the gateway's Dapr sidecar (<c>dapr-app-id</c> proxying), and how its answers are read:
/// NotFound, FailedPrecondition, InvalidArgument, OutOfRange and AlreadyExists are final refusals, except
/// FailedPrecondition for an offline station (reason <c>STATION_OFFLINE</c>), which holds the entry until the station
/// is open; every other failure (Unavailable, DeadlineExceeded, connection errors, ...) is transient and the entry is
/// retried.
/// </summary>
internal sealed class EquipmentCommands(EquipmentApi.EquipmentClient client, GatewayOptions options, TimeProvider time)
{
    public async Task<ForwardOutcome> SendAsync(JournalEntry entry, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow().UtcDateTime + options.EquipmentCallTimeout;
        try
        {
            switch (entry.CommandCase)
            {
                case JournalEntry.CommandOneofCase.RecordPassages:
                    var recorded = await client.RecordPassagesAsync(entry.RecordPassages, deadline: deadline, cancellationToken: cancellationToken);
                    return new ForwardOutcome(OutcomeKind.Recorded, Duplicate: recorded.Duplicate);
                case JournalEntry.CommandOneofCase.ReportFault:
                    var reported = await client.ReportFaultAsync(entry.ReportFault, deadline: deadline, cancellationToken: cancellationToken);
                    return new ForwardOutcome(OutcomeKind.Recorded, StatusAfterFault: reported.Status);
                default:
                    return new ForwardOutcome(OutcomeKind.Rejected, Reason: RejectionReason.InvalidSignal, Message: "the journal entry holds no command", Status: "none");
            }
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Classify(e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return new ForwardOutcome(OutcomeKind.Transient, Message: e.Message, Status: "ConnectionError");
        }
    }

    /// <summary>The turnstile as equipment knows it; null when it cannot say now; a turnstile with no id when it is unknown.</summary>
    public async Task<Turnstile?> TryGetTurnstileAsync(string turnstileId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetTurnstileAsync(new GetTurnstileRequest { TurnstileId = turnstileId },
                deadline: time.GetUtcNow().UtcDateTime + timeout, cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return new Turnstile();
        }
        catch (Exception e) when (e is RpcException or HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Reads a gRPC error from equipment as an outcome: by status code, and for a refusal by its reason code.</summary>
    public static ForwardOutcome Classify(RpcException error)
    {
        var (code, detail) = (error.StatusCode, error.Status.Detail);
        return code switch
        {
            StatusCode.NotFound => new(OutcomeKind.Rejected, Reason: RejectionReason.UnknownDevice, Message: detail, Status: code.ToString()),
            StatusCode.FailedPrecondition => Errors.ReasonOf(error) switch
            {
                ErrorReason.StationOffline => new(OutcomeKind.Held, Message: detail, Status: code.ToString()),
                ErrorReason.TurnstileDecommissioned => new(OutcomeKind.Rejected, Reason: RejectionReason.Decommissioned, Message: detail, Status: code.ToString()),
                _ => new(OutcomeKind.Rejected, Reason: RejectionReason.OutOfService, Message: detail, Status: code.ToString()),
            },
            StatusCode.InvalidArgument or StatusCode.OutOfRange or StatusCode.AlreadyExists =>
                new(OutcomeKind.Rejected, Reason: RejectionReason.InvalidSignal, Message: detail, Status: code.ToString()),
            _ => new(OutcomeKind.Transient, Message: detail, Status: code.ToString()),
        };
    }
}
