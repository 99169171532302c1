using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mtaeda.Contracts.Notifications.V1;
using Mtaeda.Dashboard.Alerts;
using Mtaeda.Dashboard.Backend;
using Mtaeda.Testing;

namespace Mtaeda.Dashboard.Tests;

/// <summary>
/// The dashboard's connection to the notifications hub is one WebSocket request, with no SignalR negotiate before it,
/// so the hub's Service needs no session affinity: a negotiate answered by one replica and a WebSocket that reaches
/// another would fail.
/// </summary>
public sealed class HubConnectionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_alert_feed_connects_with_one_websocket_request_without_negotiating_and_receives_pushes()
    {
        var requests = new ConcurrentQueue<(string Path, bool WebSocket, string? Token)>();
        var port = LocalDapr.Sidecar.Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Services.AddSignalR();
        await using var hub = builder.Build();
        hub.UseWebSockets();
        hub.Use(async (context, next) =>
        {
            requests.Enqueue((context.Request.Path, context.WebSockets.IsWebSocketRequest, context.Request.Headers.Authorization.ToString()));
            // A replica that never saw the negotiate: what a connection split over two replicas meets.
            if (context.Request.Path.Value!.EndsWith("/negotiate", StringComparison.Ordinal)) context.Response.StatusCode = StatusCodes.Status404NotFound;
            else await next(context);
        });
        hub.MapHub<PushOnConnect>("/hubs/operations");
        await hub.StartAsync(Ct);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Hub:Url"] = $"http://127.0.0.1:{port}/hubs/operations" }).Build();
        var backend = new FakeBackend().On<ListAlertsRequest>("ListAlerts", _ => new ListAlertsResponse());
        var notifications = new NotificationsApi(backend.Services, new Reachability());
        await using var feed = new AlertFeed(configuration, new FixedToken("user-token"), notifications, NullLogger<AlertFeed>.Instance);
        await feed.StartAsync();

        await Eventually.UntilAsync(() => feed.Alerts.Any(a => a.Id == PushOnConnect.AlertId), "the alert the hub pushed on connect", cancellationToken: Ct);

        Assert.Equal(HubState.Connected, feed.State);
        var seen = requests.ToArray();
        Assert.DoesNotContain(seen, r => r.Path.EndsWith("/negotiate", StringComparison.Ordinal));
        var request = Assert.Single(seen);
        Assert.Equal(("/hubs/operations", true, "Bearer user-token"), (request.Path, request.WebSocket, request.Token));
    }

    private sealed class FixedToken(string token) : IHubTokens
    {
        public Task<string?> GetAsync() => Task.FromResult<string?>(token);
    }

    private sealed class PushOnConnect : Hub
    {
        public const string AlertId = "alert-websocket-1";

        public override Task OnConnectedAsync() =>
            Clients.Caller.SendAsync("alert", new AlertMessage { Id = AlertId, Kind = "fault", StationId = "stn-001", Title = "Jam", OccurredAt = DateTimeOffset.UtcNow });
    }
}
