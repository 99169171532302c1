using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using System.Net;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mtaeda.Contracts;
using Mtaeda.Contracts.Equipment.V1;
using Mtaeda.Contracts.Ridership.V1;
using Mtaeda.ServiceDefaults;
using Mtaeda.Testing;
using RidershipClient = Mtaeda.Contracts.Ridership.V1.Ridership.RidershipClient;

namespace Mtaeda.Ridership.Tests;

/// <summary>The real ridership app in-process beside a local sidecar, fed by an equipment sidecar, read over gRPC and HTTP.</summary>
public sealed class RidershipIntegrationTests
{
    private static readonly Func<string[], WebApplication> RidershipApp = ServiceApp.Of(typeof(RidershipExtensions).Assembly,
        builder => builder.AddRidership(), app => app.MapRidershipApi().MapRidershipEventHandlers());

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly DateTimeOffset Seven = new(2026, 11, 23, 7, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PassagesRecorded Passages(string batch, long ingress, long egress, DateTimeOffset at, string turnstile = "ts-042-01") => new()
    {
        BatchId = batch,
        TurnstileId = turnstile,
        StationId = "stn-042",
        LineIds = { "A" },
        Ingress = ingress,
        Egress = egress,
        IntervalStart = Timestamp.FromDateTimeOffset(at),
        IntervalEnd = Timestamp.FromDateTimeOffset(at.AddSeconds(30)),
        RecordedAt = Timestamp.FromDateTimeOffset(at.AddSeconds(31)),
    };

    private static Task<GetNetworkTotalsResponse> TotalsAsync(RidershipClient client, GetNetworkTotalsRequest? request = null) =>
        client.GetNetworkTotalsAsync(request ?? new GetNetworkTotalsRequest(), cancellationToken: Ct).ResponseAsync;

    private static Task<GetNetworkTotalsResponse> CountedAsync(RidershipClient client, long ingress) =>
        Eventually.MatchesAsync(() => TotalsAsync(client), totals => totals.Ingress >= ingress, Patience, Ct);

    [Fact]
    public async Task Passages_published_by_equipment_are_counted_once_each_and_read_over_grpc_and_http_also_after_a_restart()
    {
        await using var runtime = LocalRuntime.Create();
        var ridership = await runtime.StartAsync("ridership", RidershipApp, Ct);
        var equipment = await runtime.StartSidecarAsync("equipment", Ct);
        var client = new RidershipClient(equipment.Invoker("ridership"));

        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-1", 3, 2, Seven.AddMinutes(5)), "evt-1", Ct);
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-2", 4, 1, Seven.AddMinutes(5).AddSeconds(30)), "evt-2", Ct);
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-1", 3, 2, Seven.AddMinutes(5)), "evt-1", Ct);
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, new TurnstileInstalled { TurnstileId = "ts-9", StationId = "stn-042" }, cancellationToken: Ct);
        // An event that can never be counted is dropped without holding up the others delivered with it.
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-9", 9, 9, Seven.AddMinutes(5), turnstile: "not an id"), "evt-9", Ct);
        // Delivered in order after the duplicate, so once it is counted the duplicate has been handled too.
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-1", 100, 200, Seven.AddHours(2), turnstile: "ts-042-02"), "evt-3", Ct);

        var totals = await CountedAsync(client, 107);
        Assert.Equal(107, totals.Ingress);
        Assert.Equal(203, totals.Egress);
        Assert.NotNull(totals.Since);

        var since = await TotalsAsync(client, new GetNetworkTotalsRequest { Since = Timestamp.FromDateTimeOffset(Seven.AddMinutes(6)) });
        Assert.Equal((100, 200), (since.Ingress, since.Egress));
        var station = await client.GetStationRidershipAsync(new GetStationRidershipRequest
        {
            StationId = "stn-042",
            StartTime = Timestamp.FromDateTimeOffset(Seven),
            EndTime = Timestamp.FromDateTimeOffset(Seven.AddHours(1)),
        }, cancellationToken: Ct);
        var minute = Assert.Single(station.Minutes);
        Assert.Equal(Seven.AddMinutes(5), minute.Minute.ToDateTimeOffset());
        Assert.Equal((7, 3), (minute.Ingress, minute.Egress));
        var turnstile = await client.GetTurnstileRidershipAsync(new GetTurnstileRidershipRequest
        {
            TurnstileId = "ts-042-02",
            StartTime = Timestamp.FromDateTimeOffset(Seven),
            EndTime = Timestamp.FromDateTimeOffset(Seven.AddHours(3)),
        }, cancellationToken: Ct);
        Assert.Equal(("stn-042", 100L), (turnstile.StationId, turnstile.Ingress));
        var invalid = await Assert.ThrowsAsync<RpcException>(() =>
            client.GetLineRidershipAsync(new GetLineRidershipRequest { LineId = "A B" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Equal("line_id", Assert.Single(Errors.FieldViolationsOf(invalid)).Field);

        // HTTP clients: JSON through the sidecar's invoke API, transcoded by the app.
        using var http = new HttpClient { BaseAddress = new Uri($"{equipment.HttpEndpoint}/v1.0/invoke/ridership/method/") };
        using (var json = JsonDocument.Parse(await http.GetStringAsync("v1/ridership/totals", Ct)))
        {
            Assert.Equal("107", json.RootElement.GetProperty("ingress").GetString());
            Assert.Equal("203", json.RootElement.GetProperty("egress").GetString());
        }

        using (var json = JsonDocument.Parse(await http.GetStringAsync("v1/ridership/totals?since=2026-11-23T07:06:00Z", Ct)))
        {
            Assert.Equal("100", json.RootElement.GetProperty("ingress").GetString());
            Assert.Equal("2026-11-23T07:06:00Z", json.RootElement.GetProperty("since").GetString());
        }

        using (var json = JsonDocument.Parse(await http.GetStringAsync("v1/ridership/stations/stn-042?startTime=2026-11-23T07:00:00Z&endTime=2026-11-23T08:00:00Z", Ct)))
        {
            Assert.Equal("7", json.RootElement.GetProperty("ingress").GetString());
            Assert.Equal(1, json.RootElement.GetProperty("minutes").GetArrayLength());
        }

        using (var bad = await http.GetAsync("v1/ridership/lines/A?startTime=2026-11-23T09:00:00Z&endTime=2026-11-23T08:00:00Z", Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync(Ct));
            Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty("start_time", out _), problem.RootElement.GetRawText());
        }

        // A restart (new app, new sidecar, same store): what was counted stays counted, once.
        await ridership.DisposeAsync();
        await runtime.StartAsync("ridership", RidershipApp, Ct);
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-2", 4, 1, Seven.AddMinutes(5).AddSeconds(30)), "evt-2", Ct);
        await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-3", 1000, 0, Seven.AddHours(2)), "evt-4", Ct);

        var afterRestart = await CountedAsync(client, 1107);
        Assert.Equal((1107, 203), (afterRestart.Ingress, afterRestart.Egress));
        Assert.Equal(totals.Since, afterRestart.Since);
    }

    [Fact]
    public async Task A_batch_with_an_overflowing_event_counts_the_good_ones_at_once_and_dead_letters_the_bad_one()
    {
        await using var runtime = LocalRuntime.Create();
        // Time enough for the sidecar to gather every event below into one bulk delivery.
        var ridership = await runtime.StartAsync("ridership", args => RidershipApp([.. args, "--Ridership:BulkMaxAwait=00:00:01"]), Ct);
        var deadLetters = await runtime.ObserveAsync("operator", ["ridership.passages.deadletter"], Ct);
        var equipment = await runtime.StartSidecarAsync("equipment", Ct);
        var client = new RidershipClient(equipment.Invoker("ridership"));

        for (var i = 1; i <= 8; i++)
        {
            await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages($"b-{i}", i, 0, Seven.AddMinutes(i)), $"evt-good-{i}", Ct);
            if (i == 4)
            {
                await equipment.Client.PublishIntegrationEventAsync(Topics.Passages, Passages("b-poison", long.MaxValue, 0, Seven), "evt-poison", Ct);
            }
        }

        var totals = await CountedAsync(client, 36);
        Assert.Equal((36, 0), (totals.Ingress, totals.Egress));
        var dropped = await deadLetters.WaitForAsync(e => e.Id == "evt-poison", Patience, Ct);
        Assert.Equal(EventType.Of<PassagesRecorded>(), dropped.Type);

        // The subscription names its dead-letter topic, visible in the sidecar's metadata; the poison event is there once.
        using var http = new HttpClient { BaseAddress = new Uri(ridership.HttpEndpoint) };
        using var metadata = JsonDocument.Parse(await http.GetStringAsync("v1.0/metadata", Ct));
        var subscription = metadata.RootElement.GetProperty("subscriptions").EnumerateArray().Single(s => s.GetProperty("topic").GetString() == Topics.Passages);
        Assert.Equal("ridership.passages.deadletter", subscription.GetProperty("deadLetterTopic").GetString());
        Assert.Single(deadLetters.Events, e => e.Id == "evt-poison");
        Assert.Equal(36, (await TotalsAsync(client)).Ingress);
    }
}
