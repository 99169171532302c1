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

    /// <summary>
    /// Factory clients retry transient failures of idempotent calls (the named client too); a POST is not retried, because it
    /// may not be idempotent, and neither is a client error.
    /// </summary>
    [Theory]
    [InlineData("timetable", "GET", "/timetable", HttpStatusCode.OK, 3)]
    [InlineData("", "POST", "/work-orders", HttpStatusCode.ServiceUnavailable, 1)]
    [InlineData("", "GET", "/missing", HttpStatusCode.NotFound, 1)]
    public async Task Factory_clients_retry_only_transient_failures_of_idempotent_calls(string clientName, string method, string path, HttpStatusCode status, int calls)
    {
        await using var upstream = await FlakyUpstreamAsync();
        await using var service = await StartAsync();
        using var client = service.App.Services.GetRequiredService<IHttpClientFactory>().CreateClient(clientName);
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(upstream.BaseAddress, path));

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(calls, upstream.Hits(path));
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
