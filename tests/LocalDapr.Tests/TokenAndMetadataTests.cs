using ConformanceApp;
using ConformanceApp.Grpc;
using Dapr;
using Dapr.Client;
using Grpc.Core;

namespace LocalDapr.Tests;

/// <summary>Runs on both backends: <see cref="TokenAndMetadataTests_InMemory"/> and <see cref="TokenAndMetadataTests_Redis"/>.</summary>
public abstract class TokenAndMetadataTests
{
    /// <summary>The backend this run of the suite uses.</summary>
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task With_an_api_token_every_call_but_health_needs_it()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("guarded", apiToken: "s3cret");
        using var http = Http.Client();

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        await node.Recorder.WaitForAsync(r => r.Count == 1);

        var refused = await Assert.ThrowsAsync<DaprException>(() => node.ClientWithToken(null).PublishEventAsync("pubsub", "orders", new Order(2), Ct));
        Assert.Equal(StatusCode.Unauthenticated, Assert.IsType<RpcException>(refused.InnerException).StatusCode);
        var wrong = await Assert.ThrowsAsync<DaprException>(() => node.ClientWithToken("guess").SaveStateAsync("statestore", "k", 1, cancellationToken: Ct));
        Assert.Equal("authentication error: api token mismatch", Assert.IsType<RpcException>(wrong.InnerException).Status.Detail);

        using var metadata = await http.GetAsync($"{node.HttpEndpoint}/v1.0/metadata", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, metadata.StatusCode);
        Assert.Equal("invalid api token\n", await metadata.Content.ReadAsStringAsync(Ct));
        using var health = await http.GetAsync($"{node.HttpEndpoint}/v1.0/healthz", Ct);
        Assert.Equal(HttpStatusCode.NoContent, health.StatusCode);
        Assert.True(await node.ClientWithToken(null).CheckHealthAsync(Ct));

        var proxied = new Echo.EchoClient(DaprClient.CreateInvocationInvoker("guarded", node.GrpcEndpoint, daprApiToken: null));
        Assert.Equal(StatusCode.Unauthenticated, (await Assert.ThrowsAsync<RpcException>(() => proxied.SayAsync(new SayRequest(), cancellationToken: Ct).ResponseAsync)).StatusCode);
    }

    [Fact]
    public async Task With_an_app_token_the_sidecar_sends_it_on_deliveries_and_invocations()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("app-guarded", appApiToken: "app-s3cret");
        var caller = await harness.AddAsync("caller", withApp: false);
        using var http = Http.Client();

        await node.Client.PublishEventAsync("pubsub", "orders", new Order(1), Ct);
        var received = (await node.Recorder.WaitForAsync(r => r.Count == 1)).Single();
        Assert.Equal("app-s3cret", received.AppToken);

        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/app-guarded/method/echo/x", Ct);
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("app-s3cret", echo.RootElement.GetProperty("appToken").GetString());
    }

    [Fact]
    public async Task Metadata_reports_the_app_its_components_and_subscriptions()
    {
        await using var harness = Harness.Create(backend: Backend);
        var node = await harness.AddAsync("described");

        var metadata = await node.Client.GetMetadataAsync(Ct);

        Assert.Equal("described", metadata.Id);
        Assert.Contains(metadata.Components, c => c.Name == "pubsub" && c.Type == Backend.PubSubType);
        Assert.Contains(metadata.Components, c => c.Name == "statestore" && c.Type == Backend.StateType);
        using var http = Http.Client();
        using var doc = JsonDocument.Parse(await http.GetStringAsync($"{node.HttpEndpoint}/v1.0/metadata", Ct));
        var subscriptions = doc.RootElement.GetProperty("subscriptions").EnumerateArray().ToList();
        Assert.Contains(subscriptions, s => s.GetProperty("topic").GetString() == "poison" && s.GetProperty("deadLetterTopic").GetString() == "poison-dead");
        Assert.Contains(subscriptions, s => s.GetProperty("topic").GetString() == "routed"
            && s.GetProperty("rules").EnumerateArray().Any(r => r.GetProperty("match").GetString() == "event.type == \"vip\""));
    }

    [Fact]
    public async Task Health_waits_for_the_app_while_outbound_health_does_not()
    {
        await using var harness = Harness.Create(backend: Backend);
        var port = Sidecar.Sidecar.FreePort();
        await using var sidecar = await Sidecar.Sidecar.StartAsync(new Sidecar.SidecarOptions { AppId = "late", AppPort = port, ResourcesPaths = [harness.ComponentsDir] }, harness.Env, Ct);
        using var http = Http.Client();

        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync($"http://127.0.0.1:{sidecar.HttpPort}/v1.0/healthz/outbound", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync($"http://127.0.0.1:{sidecar.HttpPort}/v1.0/healthz", Ct)).StatusCode);

        var app = ConformanceHost.Build(port, false, new Recorder());
        await app.StartAsync(Ct);
        await sidecar.AppReady.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.Equal(HttpStatusCode.NoContent, (await http.GetAsync($"http://127.0.0.1:{sidecar.HttpPort}/v1.0/healthz", Ct)).StatusCode);
        await app.StopAsync(Ct);
        await app.DisposeAsync();
    }
}

public sealed class TokenAndMetadataTests_InMemory : TokenAndMetadataTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class TokenAndMetadataTests_Redis(RedisFixture redis) : TokenAndMetadataTests
{
    protected override Backend Backend => redis.Backend;
}
