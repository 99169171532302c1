using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Mtaeda.ServiceDefaults.Tests.Fakes;

namespace Mtaeda.ServiceDefaults.Tests;

public sealed class HttpResilienceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<LoopbackServer> FlakyUpstreamAsync()
    {
        var calls = 0;
        return LoopbackServer.StartAsync(routes =>
        {
            // Fails twice, then answers: what a restarting dependency looks like.
            routes.MapGet("/timetable", () => Interlocked.Increment(ref calls) <= 2 ? Results.StatusCode(503) : Results.Ok("ok"));
            routes.MapPost("/work-orders", () => Results.StatusCode(503));
            routes.MapGet("/missing", () => Results.NotFound());
        });
    }

    private static Task<TestApp> StartAsync() => TestApp.StartAsync(new Dictionary<string, string?>
    {
        ["HttpResilience:Retry:Delay"] = "00:00:00.010",
        ["HttpResilience:Retry:UseJitter"] = "false",
    });

    [Fact]
    public async Task Factory_clients_retry_transient_failures_of_idempotent_calls()
    {
        await using var upstream = await FlakyUpstreamAsync();
        await using var service = await StartAsync();
        using var client = service.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient("timetable");

        using var response = await client.GetAsync(new Uri(upstream.BaseAddress, "/timetable"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, upstream.Hits("/timetable"));
    }

    [Fact]
    public async Task A_POST_is_not_retried_because_it_may_not_be_idempotent()
    {
        await using var upstream = await FlakyUpstreamAsync();
        await using var service = await StartAsync();
        using var client = service.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        using var response = await client.PostAsync(new Uri(upstream.BaseAddress, "/work-orders"), null, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, upstream.Hits("/work-orders"));
    }

    [Fact]
    public async Task A_client_error_is_not_retried()
    {
        await using var upstream = await FlakyUpstreamAsync();
        await using var service = await StartAsync();
        using var client = service.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient();

        using var response = await client.GetAsync(new Uri(upstream.BaseAddress, "/missing"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, upstream.Hits("/missing"));
    }

    [Fact]
    public async Task A_gRPC_call_is_never_retried()
    {
        await using var upstream = await FlakyUpstreamAsync();
        await using var service = await StartAsync();
        using var client = service.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient();
        using var grpcContent = new ByteArrayContent([0, 0, 0, 0, 0]);
        grpcContent.Headers.ContentType = new("application/grpc");

        using var grpc = await client.PostAsync(new Uri(upstream.BaseAddress, "/work-orders"), grpcContent, Ct);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, grpc.StatusCode);
        Assert.Equal(1, upstream.Hits("/work-orders"));
    }
}
