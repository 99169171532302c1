using System.Text;
using ConformanceApp.Grpc;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;

namespace LocalDapr.Tests;

/// <summary>Runs on both backends: <see cref="InvocationConformanceTests_InMemory"/> and <see cref="InvocationConformanceTests_Redis"/>.</summary>
public abstract class InvocationConformanceTests
{
    /// <summary>The backend this run of the suite uses.</summary>
    protected abstract Backend Backend { get; }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Http_invocation_passes_verb_path_query_headers_and_body_and_names_caller_and_callee()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("callee");
        using var client = DaprClient.CreateInvokeHttpClient("callee", caller.HttpEndpoint);

        using var request = new HttpRequestMessage(HttpMethod.Put, "/echo/items/42?sort=desc") { Content = new StringContent("payload", Encoding.UTF8, "text/plain") };
        request.Headers.Add("x-custom", "kept");
        using var response = await client.SendAsync(request, Ct);

        response.EnsureSuccessStatusCode();
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var e = echo.RootElement;
        Assert.Equal("PUT", e.GetProperty("method").GetString());
        Assert.Equal("/echo/items/42", e.GetProperty("path").GetString());
        Assert.Equal("?sort=desc", e.GetProperty("query").GetString());
        Assert.Equal("payload", e.GetProperty("body").GetString());
        Assert.Equal("kept", e.GetProperty("custom").GetString());
        Assert.Equal("caller", e.GetProperty("caller").GetString());
        Assert.Equal("callee", e.GetProperty("callee").GetString());
    }

    [Fact]
    public async Task The_callee_status_and_body_come_back_as_they_are()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("callee");
        using var http = Http.Client();

        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/callee/method/status/418", Ct);

        Assert.Equal((HttpStatusCode)418, response.StatusCode);
        Assert.Equal("status 418 from the app", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task The_dapr_app_id_header_routes_a_plain_request()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("callee");
        using var http = Http.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{caller.HttpEndpoint}/echo/by-header") { Content = JsonContent.Create(new { a = 1 }) };
        request.Headers.Add("dapr-app-id", "callee");

        using var response = await http.SendAsync(request, Ct);

        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/echo/by-header", echo.RootElement.GetProperty("path").GetString());
        Assert.Equal("""{"a":1}""", echo.RootElement.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Invoking_an_unknown_app_is_a_500_with_err_direct_invoke()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        using var http = Http.Client();

        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/ghost/method/anything", Ct);

        await response.AssertDaprErrorAsync(HttpStatusCode.InternalServerError, "ERR_DIRECT_INVOKE", "failed to invoke, id: ghost, err: couldn't find service: ghost");
    }

    [Fact]
    public async Task Invocation_reaches_an_h2c_app()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("h2c-callee", h2c: true);
        using var http = Http.Client();

        using var response = await http.GetAsync($"{caller.HttpEndpoint}/v1.0/invoke/h2c-callee/method/echo/over-h2c", Ct);

        response.EnsureSuccessStatusCode();
        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("/echo/over-h2c", echo.RootElement.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Grpc_calls_are_proxied_by_dapr_app_id_with_unary_streaming_and_errors_intact()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("echo", h2c: true);
        var echo = new Echo.EchoClient(DaprClient.CreateInvocationInvoker("echo", caller.GrpcEndpoint));

        var reply = await echo.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct);
        Assert.Equal("hi", reply.Text);
        Assert.Equal("caller", reply.Caller);
        Assert.Equal("echo", reply.Callee);

        var failure = await Assert.ThrowsAsync<RpcException>(() => echo.FailAsync(new SayRequest { Text = "no" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, failure.StatusCode);
        Assert.Equal("refused: no", failure.Status.Detail);

        using var count = echo.Count(new CountRequest { To = 5 }, cancellationToken: Ct);
        var counted = new List<string>();
        await foreach (var item in count.ResponseStream.ReadAllAsync(Ct)) counted.Add(item.Text);
        Assert.Equal(["1", "2", "3", "4", "5"], counted);

        using var chat = echo.Chat(cancellationToken: Ct);
        await chat.RequestStream.WriteAsync(new SayRequest { Text = "one" }, Ct);
        Assert.True(await chat.ResponseStream.MoveNext(Ct));
        Assert.Equal("re: one", chat.ResponseStream.Current.Text);
        await chat.RequestStream.WriteAsync(new SayRequest { Text = "two" }, Ct);
        Assert.True(await chat.ResponseStream.MoveNext(Ct));
        Assert.Equal("re: two", chat.ResponseStream.Current.Text);
        await chat.RequestStream.CompleteAsync();
        Assert.False(await chat.ResponseStream.MoveNext(Ct));
    }

    [Fact]
    public async Task A_grpc_call_without_an_app_id_gets_daprds_proxy_error()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        using var channel = GrpcChannel.ForAddress(caller.GrpcEndpoint);
        var echo = new Echo.EchoClient(channel);

        var e = await Assert.ThrowsAsync<RpcException>(() => echo.SayAsync(new SayRequest { Text = "x" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.Unknown, e.StatusCode);
        Assert.Equal("failed to proxy request: required metadata dapr-callee-app-id or dapr-app-id not found", e.Status.Detail);
    }

    [Fact]
    public async Task The_trace_continues_through_invocation()
    {
        await using var harness = Harness.Create(backend: Backend);
        var caller = await harness.AddAsync("caller", withApp: false);
        await harness.AddAsync("callee");
        using var http = Http.Client();
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{caller.HttpEndpoint}/v1.0/invoke/callee/method/echo/t");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        using var response = await http.SendAsync(request, Ct);

        using var echo = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var traceparent = echo.RootElement.GetProperty("traceparent").GetString()!;
        Assert.StartsWith($"00-{traceId}-", traceparent);
        Assert.DoesNotContain("00f067aa0ba902b7", traceparent);
    }
}

public sealed class InvocationConformanceTests_InMemory : InvocationConformanceTests
{
    protected override Backend Backend => Backend.InMemory;
}

public sealed class InvocationConformanceTests_Redis(RedisFixture redis) : InvocationConformanceTests
{
    protected override Backend Backend => redis.Backend;
}
