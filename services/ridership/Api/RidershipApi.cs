using Mtaeda.Contracts;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.Ridership.Domain;
using Mtaeda.Ridership.Infrastructure;
using Mtaeda.ServiceDefaults;
using RidershipService = Mtaeda.Contracts.Ridership.V1.Ridership;

namespace Mtaeda.Ridership.Api;

/// <summary>
/// The <c>mtaeda.ridership.v1.Ridership</c> queries, over gRPC and, through JSON transcoding, HTTP
/// (<c>GET /v1/ridership/totals</c>, <c>/v1/ridership/stations/{station_id}</c>, ...). Fields are checked here
/// (InvalidArgument naming the field); the figures come from <see cref="RidershipQueries"/>.
/// </summary>
/// <param name="queries">The reads.</param>
/// <param name="time">The clock.</param>
public sealed class RidershipApi(RidershipQueries queries, TimeProvider time) : RidershipService.RidershipBase
{
    /// <inheritdoc />
    public override async Task<GetNetworkTotalsResponse> GetNetworkTotals(GetNetworkTotalsRequest request, ServerCallContext context)
    {
        var since = RequestTimes.Optional(request.Since, "since");
        var asOf = time.GetUtcNow();
        var totals = await queries.NetworkTotalsAsync(since, context.CancellationToken);
        return new GetNetworkTotalsResponse
        {
            Ingress = totals.Counts.Ingress,
            Egress = totals.Counts.Egress,
            Since = totals.Since is { } start ? Timestamp.FromDateTimeOffset(start) : null,
            AsOf = Timestamp.FromDateTimeOffset(asOf),
        };
    }

    /// <inheritdoc />
    public override async Task<GetStationRidershipResponse> GetStationRidership(GetStationRidershipRequest request, ServerCallContext context)
    {
        var (id, range) = (Ids.Require(request.StationId, "station_id"), Range(request.StartTime, request.EndTime));
        var (minutes, total) = await SeriesAsync(range, hour => RidershipKeys.StationHour(id, hour), context.CancellationToken);
        return new GetStationRidershipResponse { StationId = id, Ingress = total.Ingress, Egress = total.Egress, Minutes = { minutes } };
    }

    /// <inheritdoc />
    public override async Task<GetTurnstileRidershipResponse> GetTurnstileRidership(GetTurnstileRidershipRequest request, ServerCallContext context)
    {
        var (id, range) = (Ids.Require(request.TurnstileId, "turnstile_id"), Range(request.StartTime, request.EndTime));
        var station = queries.StationOfAsync(id, context.CancellationToken);
        var (minutes, total) = await SeriesAsync(range, hour => RidershipKeys.TurnstileHour(id, hour), context.CancellationToken);
        return new GetTurnstileRidershipResponse { TurnstileId = id, StationId = await station, Ingress = total.Ingress, Egress = total.Egress, Minutes = { minutes } };
    }

    /// <inheritdoc />
    public override async Task<GetLineRidershipResponse> GetLineRidership(GetLineRidershipRequest request, ServerCallContext context)
    {
        var (id, range) = (Ids.Require(request.LineId, "line_id"), Range(request.StartTime, request.EndTime));
        var (minutes, total) = await SeriesAsync(range, hour => RidershipKeys.LineHour(id, hour), context.CancellationToken);
        return new GetLineRidershipResponse { LineId = id, Ingress = total.Ingress, Egress = total.Egress, Minutes = { minutes } };
    }

    // The minutes of the range with passages, as the contract shows them, and their total.
    private async Task<(IEnumerable<MinuteRidership> Minutes, Counts Total)> SeriesAsync(MinuteRange range, Func<DateTimeOffset, string> key, CancellationToken cancellationToken)
    {
        var (minutes, total) = await queries.SeriesAsync(range, key, cancellationToken);
        return (minutes.Select(ToContract), total);
    }

    private static MinuteRidership ToContract(MinuteCounts minute) =>
        new() { Minute = Timestamp.FromDateTimeOffset(minute.Minute), Ingress = minute.Counts.Ingress, Egress = minute.Counts.Egress };

    private MinuteRange Range(Timestamp? start, Timestamp? end) =>
        MinuteRange.Resolve(RequestTimes.Optional(start, "start_time"), RequestTimes.Optional(end, "end_time"), time.GetUtcNow());
}
