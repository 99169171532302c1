using Mtaeda.Contracts;
using System.Buffers.Text;
using System.Text;
using Dapr.Actors;
using Dapr.Actors.Client;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Stations.Actors;
using Mtaeda.Stations.Domain;
using Mtaeda.Stations.Infrastructure;
using StationMessage = Mtaeda.Contracts.Stations.V1.Station;
using StationsService = Mtaeda.Contracts.Stations.V1.Stations;

namespace Mtaeda.Stations.Api;

/// <summary>
/// The <c>mtaeda.stations.v1.Stations</c> gRPC service. Each command is checked here (InvalidArgument naming the
/// field, before any actor is activated), then decided by the station's actor, which records the change and its
/// events in one turn; the answer comes as soon as that turn is saved.
/// </summary>
/// <param name="actors">Proxies to the Station actors.</param>
/// <param name="index">The index of station ids.</param>
public sealed class StationsApi(IActorProxyFactory actors, StationIndex index) : StationsService.StationsBase
{
    /// <summary>Page size when the request gives none.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>The largest page.</summary>
    public const int MaxPageSize = 1000;

    private const int ReadParallelism = 32;
    private const string PageTokenPrefix = "v1:";

    /// <inheritdoc />
    public override async Task<RegisterStationResponse> RegisterStation(RegisterStationRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var command = new RegisterStationCommand(
            StationRules.Name(request.Name),
            StationRules.Address(PostalAddress.From(request.Address)),
            [.. StationRules.LineIds(request.LineIds)]);
        var reply = await CallAsync(request.StationId, actor => actor.RegisterAsync(command));
        await index.AddAsync(request.StationId, context.CancellationToken);
        return new RegisterStationResponse { RegisteredAt = StationMapping.Time(reply.RegisteredAt ?? reply.Station?.RegisteredAt) };
    }

    /// <inheritdoc />
    public override async Task<RenameStationResponse> RenameStation(RenameStationRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var command = new RenameStationCommand(StationRules.Name(request.Name));
        await CallAsync(request.StationId, actor => actor.RenameAsync(command));
        return new RenameStationResponse();
    }

    /// <inheritdoc />
    public override async Task<ChangeStationAddressResponse> ChangeStationAddress(ChangeStationAddressRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var command = new ChangeStationAddressCommand(StationRules.Address(PostalAddress.From(request.Address)));
        await CallAsync(request.StationId, actor => actor.ChangeAddressAsync(command));
        return new ChangeStationAddressResponse();
    }

    /// <inheritdoc />
    public override async Task<OpenStationResponse> OpenStation(OpenStationRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var reply = await CallAsync(request.StationId, actor => actor.OpenAsync());
        return new OpenStationResponse { Status = reply.Station!.Status };
    }

    /// <inheritdoc />
    public override async Task<CloseStationResponse> CloseStation(CloseStationRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var command = new StationStatusCommand(StationRules.Reason(request.Reason));
        var reply = await CallAsync(request.StationId, actor => actor.CloseAsync(command));
        return new CloseStationResponse { Status = reply.Station!.Status };
    }

    /// <inheritdoc />
    public override async Task<TakeStationOfflineResponse> TakeStationOffline(TakeStationOfflineRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var command = new StationStatusCommand(StationRules.Reason(request.Reason));
        var reply = await CallAsync(request.StationId, actor => actor.TakeOfflineAsync(command));
        return new TakeStationOfflineResponse { Status = reply.Station!.Status };
    }

    /// <inheritdoc />
    public override async Task<StationMessage> GetStation(GetStationRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        var reply = await CallAsync(request.StationId, actor => actor.GetAsync());
        return reply.Station!.ToContract();
    }

    /// <inheritdoc />
    public override async Task<ListStationWorkOrdersResponse> ListStationWorkOrders(ListStationWorkOrdersRequest request, ServerCallContext context)
    {
        StationRules.Id(request.StationId);
        await CallAsync(request.StationId, actor => actor.GetAsync());
        var response = new ListStationWorkOrdersResponse();
        response.WorkOrders.AddRange((await Station(request.StationId).GetWorkOrdersAsync()).Select(StationMapping.ToContract));
        return response;
    }

    /// <inheritdoc />
    public override async Task<ListStationsResponse> ListStations(ListStationsRequest request, ServerCallContext context)
    {
        var pageSize = request.PageSize switch
        {
            0 => DefaultPageSize,
            < 0 or > MaxPageSize => throw Errors.InvalidArgument("page_size", $"must be 1 to {MaxPageSize} (0 means {DefaultPageSize})"),
            var n => n,
        };
        if (!System.Enum.IsDefined(request.Status)) throw Errors.InvalidArgument("status", "is not a station status");
        var after = DecodePageToken(request.PageToken);

        var ids = await index.ListAsync(context.CancellationToken);
        var position = 0;
        if (after is not null)
        {
            var found = BinarySearch(ids, after);
            position = found >= 0 ? found + 1 : ~found;
        }

        var response = new ListStationsResponse();
        while (position < ids.Count && response.Stations.Count < pageSize)
        {
            var chunk = ids.Skip(position).Take(Math.Min(ReadParallelism, pageSize - response.Stations.Count)).ToList();
            var replies = await Task.WhenAll(chunk.Select(ReadAsync));
            foreach (var reply in replies)
            {
                position++;
                if (reply.Station is { } station && (request.Status == StationStatus.Unspecified || station.Status == request.Status))
                {
                    response.Stations.Add(station.ToContract());
                    if (response.Stations.Count == pageSize) break;
                }
            }
        }

        if (position < ids.Count) response.NextPageToken = EncodePageToken(ids[position - 1]);
        return response;
    }

    private Task<StationReply> ReadAsync(string stationId) => Station(stationId).GetAsync();

    private IStationActor Station(string stationId) => actors.CreateActorProxy<IStationActor>(new ActorId(stationId), StationActor.TypeName);

    private async Task<StationReply> CallAsync(string stationId, Func<IStationActor, Task<StationReply>> call)
    {
        var reply = await call(Station(stationId));
        return reply.Refusal is { } refusal ? throw refusal.ToException() : reply;
    }

    private static int BinarySearch(IReadOnlyList<string> ids, string id)
    {
        int low = 0, high = ids.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var order = string.CompareOrdinal(ids[middle], id);
            if (order == 0) return middle;
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }

        return ~low;
    }

    private static string EncodePageToken(string lastId) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(PageTokenPrefix + lastId));

    private static string? DecodePageToken(string token)
    {
        if (token.Length == 0) return null;
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
        }
        catch (FormatException)
        {
            throw Errors.InvalidArgument("page_token", "is not a token this service issued");
        }

        var id = text.StartsWith(PageTokenPrefix, StringComparison.Ordinal) ? text[PageTokenPrefix.Length..] : null;
        return Ids.IsValid(id) ? id : throw Errors.InvalidArgument("page_token", "is not a token this service issued");
    }

}
