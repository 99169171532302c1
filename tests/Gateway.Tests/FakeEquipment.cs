using System.Collections.Concurrent;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Stations.V1;
using Mtaeda.Testing;
using EquipmentApi = Mtaeda.Contracts.Equipment.V1.Equipment;
using StationsApi = Mtaeda.Contracts.Stations.V1.Stations;

namespace Mtaeda.Gateway.Tests;

/// <summary>
/// What the fake equipment saw and how it answers: batches counted once per (turnstile, batch id), in arrival order per
/// turnstile; every call recorded (so duplicates show); switches to answer Unavailable, or to record a batch and then
/// lose the answer. It also records the gateway's integration events (it subscribes to the <c>gateway</c> topic).
/// </summary>
public sealed class EquipmentState
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConcurrentDictionary<(string Turnstile, string BatchId), RecordPassagesRequest> Recorded { get; } = new();

    public ConcurrentQueue<RecordPassagesRequest> Calls { get; } = new();

    public ConcurrentDictionary<string, ConcurrentQueue<RecordPassagesRequest>> OrderPerTurnstile { get; } = new();

    public ConcurrentQueue<ReportFaultRequest> Faults { get; } = new();

    public ConcurrentDictionary<string, RegisterStationRequest> Stations { get; } = new();

    public ConcurrentDictionary<string, InstallTurnstileRequest> Installed { get; } = new();

    public long Repeats;

    public ConcurrentQueue<(string Type, JsonElement Data)> GatewayEvents { get; } = new();

    /// <summary>Turnstiles that exist (others answer NotFound); null: every turnstile exists.</summary>
    public HashSet<string>? Known { get; set; }

    /// <summary>Turnstiles that are locked (passages answer FailedPrecondition).</summary>
    public ConcurrentDictionary<string, byte> Locked { get; } = new();

    /// <summary>Turnstiles whose station is offline (passages answer FailedPrecondition, STATION_OFFLINE).</summary>
    public ConcurrentDictionary<string, byte> StationOffline { get; } = new();

    /// <summary>Passage calls answered STATION_OFFLINE.</summary>
    public long OfflineRefusals;

    /// <summary>Answer every call with Unavailable.</summary>
    public bool Unavailable { get; set; }

    /// <summary>Record the next N new batches, then answer Unavailable as if the answer had been lost.</summary>
    public int LoseAnswers;

    public long Duplicates;

    public long Ingress => Recorded.Values.Sum(r => r.Ingress);

    public long Egress => Recorded.Values.Sum(r => r.Egress);

    public void Changed()
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    public async Task WaitForAsync(Func<EquipmentState, bool> condition, string what, TimeSpan? timeout = null)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock) changed = _changed.Task;
            if (condition(this)) return;
            try
            {
                await changed.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"timed out waiting for {what}; recorded {Recorded.Count} batches ({Ingress} in, {Egress} out), {Calls.Count} calls");
            }
        }
    }
}

internal sealed class FakeEquipmentService(EquipmentState state) : EquipmentApi.EquipmentBase
{
    public override Task<RecordPassagesResponse> RecordPassages(RecordPassagesRequest request, ServerCallContext context)
    {
        try
        {
            if (state.Unavailable) throw new RpcException(new Status(StatusCode.Unavailable, "equipment is down (test)"));
            if (state.Known is { } known && !known.Contains(request.TurnstileId)) throw new RpcException(new Status(StatusCode.NotFound, $"turnstile {request.TurnstileId} is not installed"));
            if (state.Locked.ContainsKey(request.TurnstileId)) throw new RpcException(new Status(StatusCode.FailedPrecondition, $"turnstile {request.TurnstileId} is LOCKED"));
            if (state.StationOffline.ContainsKey(request.TurnstileId))
            {
                Interlocked.Increment(ref state.OfflineRefusals);
                throw Mtaeda.Contracts.Errors.FailedPrecondition(Mtaeda.Contracts.Common.V1.ErrorReason.StationOffline, $"the station of turnstile {request.TurnstileId} is offline (test)");
            }
            state.Calls.Enqueue(request);
            if (!state.Recorded.TryAdd((request.TurnstileId, request.BatchId), request))
            {
                Interlocked.Increment(ref state.Duplicates);
                return Task.FromResult(new RecordPassagesResponse { Duplicate = true });
            }
            state.OrderPerTurnstile.GetOrAdd(request.TurnstileId, _ => new()).Enqueue(request);
            if (Interlocked.Decrement(ref state.LoseAnswers) >= 0) throw new RpcException(new Status(StatusCode.Unavailable, "answer lost (test)"));
            return Task.FromResult(new RecordPassagesResponse());
        }
        finally
        {
            state.Changed();
        }
    }

    public override Task<ReportFaultResponse> ReportFault(ReportFaultRequest request, ServerCallContext context)
    {
        if (state.Unavailable) throw new RpcException(new Status(StatusCode.Unavailable, "equipment is down (test)"));
        state.Faults.Enqueue(request);
        state.Locked[request.TurnstileId] = 0;
        state.Changed();
        return Task.FromResult(new ReportFaultResponse { Status = TurnstileStatus.Locked });
    }

    public override Task<InstallTurnstileResponse> InstallTurnstile(InstallTurnstileRequest request, ServerCallContext context)
    {
        if (!state.Stations.ContainsKey(request.StationId)) throw new RpcException(new Status(StatusCode.NotFound, $"station {request.StationId} is not registered"));
        if (!state.Installed.TryAdd(request.TurnstileId, request))
        {
            Interlocked.Increment(ref state.Repeats);
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"turnstile {request.TurnstileId} is installed"));
        }
        state.Changed();
        return Task.FromResult(new InstallTurnstileResponse());
    }

    public override Task<Turnstile> GetTurnstile(GetTurnstileRequest request, ServerCallContext context)
    {
        if (state.Unavailable) throw new RpcException(new Status(StatusCode.Unavailable, "equipment is down (test)"));
        if (state.Known is { } known && !known.Contains(request.TurnstileId)) throw new RpcException(new Status(StatusCode.NotFound, "not installed"));
        return Task.FromResult(new Turnstile
        {
            TurnstileId = request.TurnstileId,
            StationId = "stn-001",
            Status = state.Locked.ContainsKey(request.TurnstileId) ? TurnstileStatus.Locked : TurnstileStatus.Operational,
        });
    }
}

internal sealed class FakeStationsService(EquipmentState state) : StationsApi.StationsBase
{
    public override Task<RegisterStationResponse> RegisterStation(RegisterStationRequest request, ServerCallContext context)
    {
        if (request.LineIds.Count == 0 || request.Address is null) throw new RpcException(new Status(StatusCode.InvalidArgument, "line_ids / address: required"));
        if (!state.Stations.TryAdd(request.StationId, request)) Interlocked.Increment(ref state.Repeats);
        state.Changed();
        return Task.FromResult(new RegisterStationResponse());
    }
}

/// <summary>
/// The fake equipment app (<see cref="LocalRuntime.GrpcAppBuilder"/>: h2c, like a real service behind its sidecar),
/// subscribed to the <c>gateway</c> topic; it can be stopped and started again on its port while its sidecar stays up.
/// </summary>
internal static class FakeEquipmentApp
{
    public static async Task<WebApplication> StartAsync(int port, EquipmentState state)
    {
        var builder = LocalRuntime.GrpcAppBuilder(port);
        builder.Services.AddSingleton(state);
        var app = builder.Build();
        app.MapGrpcService<FakeEquipmentService>();
        app.MapGrpcService<FakeStationsService>();
        app.MapGet("/dapr/subscribe", () => Results.Text("""[{"pubsubname":"pubsub","topic":"gateway","route":"/gateway-events"}]""", "application/json"));
        app.MapPost("/gateway-events", async (HttpContext http) =>
        {
            using var document = await JsonDocument.ParseAsync(http.Request.Body, cancellationToken: http.RequestAborted);
            var root = document.RootElement;
            state.GatewayEvents.Enqueue((root.GetProperty("type").GetString()!, root.GetProperty("data").Clone()));
            state.Changed();
            return Results.Ok();
        });
        await app.StartAsync();
        return app;
    }
}
