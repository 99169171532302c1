using System.Collections.Concurrent;
using ConformanceApp.Grpc;
using Dapr.Client;
using Grpc.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Yarp.ReverseProxy.Forwarder;

namespace LocalDapr.Tests;

/// <summary>
/// Resiliency on service invocation as daprd applies it (dapr/dapr <c>pkg/resiliency</c>, <c>pkg/api/http/directmessaging.go</c>,
/// <c>pkg/api/grpc/proxy/handler.go</c>): every failed answer (HTTP status outside 200–399, gRPC status other than OK) and
/// every transport failure counts against the breaker and is retried, unless the retry policy's <c>matching</c> names
/// the codes to retry.
/// </summary>
public sealed class InvocationResiliencyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Policies = """
        policies:
          retries:
            every:
              policy: constant
              duration: 10ms
              maxRetries: 3
            twice:
              policy: constant
              duration: 10ms
              maxRetries: 2
              matching:
                gRPCStatusCodes: "4,8,14"
            transport:
              policy: constant
              duration: 10ms
              maxRetries: 3
              matching:
                httpStatusCodes: "502-504"
                gRPCStatusCodes: "4,8,14"
          circuitBreakers:
            fuse:
              timeout: 30s
              trip: consecutiveFailures >= 2
          timeouts:
            short: 300ms
        targets:
          apps:
            every:
              retry: every
            slow:
              timeout: short
              retry: twice
            stuck:
              timeout: short
              retry: twice
            matched:
              retry: transport
            fused:
              circuitBreaker: fuse
        """;

    [Fact]
    public async Task Http_answers_outside_2xx_3xx_are_retried_with_the_body_kept_and_the_last_answer_returned_as_it_came()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        var (_, callee) = await harness.AddRawAsync("every", "[]", (request, count) => request.Path switch
        {
            "/flaky" when count <= 2 => (503, """{"busy":true}"""),
            "/flaky" => (200, """{"ok":true}"""),
            _ => (404, """{"missing":true}"""),
        });
        using var http = Http.Client();

        using var flaky = await http.PostAsync($"{caller.HttpEndpoint}/v1.0/invoke/every/method/flaky", new StringContent("body kept"), Ct);
        Assert.Equal(HttpStatusCode.OK, flaky.StatusCode);
        Assert.Equal("""{"ok":true}""", await flaky.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, callee.Requests.Count);
        Assert.All(callee.Requests, r => Assert.Equal("body kept", r.Body));

        // A refusal is retried too when matching does not say otherwise; after the last retry the callee's answer comes back.
        using var missing = await http.PostAsync($"{caller.HttpEndpoint}/v1.0/invoke/every/method/missing", new StringContent("x"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("""{"missing":true}""", await missing.Content.ReadAsStringAsync(Ct));
        Assert.Equal("application/json; charset=utf-8", missing.Content.Headers.ContentType?.ToString());
        Assert.Equal(3 + 4, callee.Requests.Count);
    }

    [Fact]
    public async Task Http_matching_retries_only_the_status_codes_it_names()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        var (_, callee) = await harness.AddRawAsync("matched", "[]", (request, count) => request.Path switch
        {
            "/flaky" when count <= 1 => (503, "busy"),
            "/flaky" => (200, "ok"),
            _ => (404, "missing"),
        });
        using var http = Http.Client();

        using var flaky = await http.PostAsync($"{caller.HttpEndpoint}/v1.0/invoke/matched/method/flaky", new StringContent("x"), Ct);
        Assert.Equal(HttpStatusCode.OK, flaky.StatusCode);
        Assert.Equal(2, callee.Requests.Count);

        using var missing = await http.PostAsync($"{caller.HttpEndpoint}/v1.0/invoke/matched/method/missing", new StringContent("x"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("missing", await missing.Content.ReadAsStringAsync(Ct));
        Assert.Equal(3, callee.Requests.Count);
    }

    [Fact]
    public async Task Grpc_unary_calls_are_retried_on_any_non_ok_status_unless_matching_names_the_codes()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        await using var every = await CountingEcho.StartAsync(harness, "every", unavailableFirst: 2);
        await using var matched = await CountingEcho.StartAsync(harness, "matched", unavailableFirst: 2);

        foreach (var app in new[] { every, matched })
        {
            var client = new Echo.EchoClient(DaprClient.CreateInvocationInvoker(app.AppId, caller.GrpcEndpoint));
            Assert.Equal("hi", (await client.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct)).Text);
            Assert.Equal(3, app.Calls("Say"));

            var refused = await Assert.ThrowsAsync<RpcException>(() => client.FailAsync(new SayRequest { Text = "no" }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.Equal("refused: no", refused.Status.Detail);
        }
        Assert.Equal(4, every.Calls("Fail"));
        Assert.Equal(1, matched.Calls("Fail"));
    }

    [Fact]
    public async Task A_proxied_grpc_call_whose_attempt_outlives_the_policys_timeout_is_tried_again_and_answers_with_a_grpc_status()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        // The first Say hangs until the call is cancelled (a cold app's first call, slower than the policy's timeout).
        await using var slow = await CountingEcho.StartAsync(harness, "slow", unavailableFirst: 0, hangFirst: 1);
        var client = new Echo.EchoClient(DaprClient.CreateInvocationInvoker("slow", caller.GrpcEndpoint));

        Assert.Equal("hi", (await client.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct)).Text);
        Assert.Equal(2, slow.Calls("Say"));

        // Every attempt outliving the timeout: after the last retry the proxy answers with a gRPC status, never a bare HTTP status.
        await using var stuck = await CountingEcho.StartAsync(harness, "stuck", unavailableFirst: 0, hangFirst: int.MaxValue);
        var timedOut = await Assert.ThrowsAsync<RpcException>(() => new Echo.EchoClient(DaprClient.CreateInvocationInvoker("stuck", caller.GrpcEndpoint)).SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, timedOut.StatusCode);
        Assert.Equal("failed to proxy request: timeout after 300 ms", timedOut.Status.Detail);
        Assert.Equal(3, stuck.Calls("Say"));
    }

    [Fact]
    public async Task A_proxied_call_the_forwarding_itself_fails_is_answered_with_a_grpc_status_and_logged_not_with_a_bare_http_500()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        await using var callee = await CountingEcho.StartAsync(harness, "matched", unavailableFirst: 0);
        // The forwarder refusing the call as YARP refuses to forward over a response already set: an exception, not a ForwarderError.
        var invocation = new Sidecar.Invocation(new RefusingForwarder());
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.Protocol = "HTTP/2";
        context.Request.ContentType = "application/grpc";
        context.Request.Body = new MemoryStream([0, 0, 0, 0, 0]);

        await invocation.ForwardAsync(context, caller.Sidecar.Runtime, "matched", "/conformance.v1.Echo/Say", grpc: true);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("14", context.Response.Headers["grpc-status"].ToString());
        Assert.Contains("failed to proxy request", Uri.UnescapeDataString(context.Response.Headers["grpc-message"].ToString()), StringComparison.Ordinal);
        Assert.Contains(harness.Logs.Entries, e => e.Category == "daprd.caller" && e.Message.Contains("Invocation of matched", StringComparison.Ordinal));
    }

    /// <summary>A forwarder that throws, as YARP does when asked to forward over a response already set.</summary>
    private sealed class RefusingForwarder : IHttpForwarder
    {
        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer) =>
            SendAsync(context, destinationPrefix, httpClient, requestConfig, transformer, CancellationToken.None);

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The request cannot be forwarded, the response has already started");
    }

    [Fact]
    public async Task Every_non_ok_answer_of_a_proxied_grpc_call_counts_against_the_circuit_breaker()
    {
        await using var harness = Harness.Create(ResiliencyTests.Components("calls", Policies));
        var caller = await harness.AddAsync("caller", withApp: false);
        await using var fused = await CountingEcho.StartAsync(harness, "fused", unavailableFirst: 0);
        var client = new Echo.EchoClient(DaprClient.CreateInvocationInvoker("fused", caller.GrpcEndpoint));

        for (var i = 0; i < 2; i++)
            Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => client.FailAsync(new SayRequest { Text = "no" }, cancellationToken: Ct).ResponseAsync)).StatusCode);

        var open = await Assert.ThrowsAsync<RpcException>(() => client.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, open.StatusCode);
        Assert.Equal("failed to proxy request: circuit breaker is open", open.Status.Detail);
        Assert.Equal(0, fused.Calls("Say"));
    }

    [Fact]
    public async Task The_projects_resiliency_retries_equipments_unavailability_but_not_its_refusals_and_opens_no_breaker_on_them()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "components", "common", "resiliency.yaml"))) dir = Path.GetDirectoryName(dir) ?? throw new FileNotFoundException("components/common/resiliency.yaml above " + AppContext.BaseDirectory);
        await using var harness = Harness.Create(ResiliencyTests.Components(await File.ReadAllTextAsync(Path.Combine(dir, "components", "common", "resiliency.yaml"), Ct)));
        var gateway = await harness.AddAsync("gateway", withApp: false);
        await using var equipment = await CountingEcho.StartAsync(harness, "equipment", unavailableFirst: 2);
        var client = new Echo.EchoClient(DaprClient.CreateInvocationInvoker("equipment", gateway.GrpcEndpoint));

        Assert.Equal("hi", (await client.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct)).Text);
        Assert.Equal(3, equipment.Calls("Say"));
        for (var i = 0; i < 10; i++)
            Assert.Equal(StatusCode.FailedPrecondition, (await Assert.ThrowsAsync<RpcException>(() => client.FailAsync(new SayRequest { Text = "no" }, cancellationToken: Ct).ResponseAsync)).StatusCode);
        Assert.Equal(10, equipment.Calls("Fail"));
        Assert.Equal("hi", (await client.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct)).Text);
    }

    [Fact]
    public void Matching_patterns_are_checked_as_daprd_checks_them()
    {
        var matching = Resiliency.RetryMatching.Parse("500,502-504", "1-4,14");
        Assert.True(matching.Retries(503));
        Assert.False(matching.Retries(404));
        Assert.True(matching.Retries(14));
        Assert.False(matching.Retries(9));
        Assert.True(Resiliency.RetryMatching.All.Retries(404));
        Assert.Equal("invalid pattern 600, start code 600 is not valid", Assert.Throws<FormatException>(() => Resiliency.RetryMatching.Parse("600", null)).Message);
        Assert.Equal("invalid pattern 504-502, start value should not bigger than end value", Assert.Throws<FormatException>(() => Resiliency.RetryMatching.Parse("504-502", null)).Message);
        Assert.Equal("invalid pattern 1-2-3, more than one '-' exists", Assert.Throws<FormatException>(() => Resiliency.RetryMatching.Parse(null, "1-2-3")).Message);
    }

    /// <summary>An h2c gRPC app with its sidecar that counts the calls of each method; <c>Say</c> answers Unavailable first.</summary>
    private sealed class CountingEcho : Echo.EchoBase, IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, int> _calls = new();
        private readonly int _unavailableFirst;
        private readonly int _hangFirst;
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebApplication? _app;
        private Sidecar.Sidecar? _sidecar;

        private CountingEcho(string appId, int unavailableFirst, int hangFirst)
        {
            AppId = appId;
            _unavailableFirst = unavailableFirst;
            _hangFirst = hangFirst;
        }

        public string AppId { get; }

        public int Calls(string method) => _calls.GetValueOrDefault(method);

        public static async Task<CountingEcho> StartAsync(Harness harness, string appId, int unavailableFirst, int hangFirst = 0)
        {
            var echo = new CountingEcho(appId, unavailableFirst, hangFirst);
            var port = Sidecar.Sidecar.FreePort();
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton(echo);
            echo._app = builder.Build();
            echo._app.MapGrpcService<CountingEcho>();
            await echo._app.StartAsync(Ct);
            echo._sidecar = await Sidecar.Sidecar.StartAsync(new Sidecar.SidecarOptions { AppId = appId, AppPort = port, AppProtocol = "h2c", ResourcesPaths = [harness.ComponentsDir] }, harness.Env, Ct);
            await echo._sidecar.AppReady.WaitAsync(TimeSpan.FromSeconds(20), Ct);
            return echo;
        }

        public override async Task<SayReply> Say(SayRequest request, ServerCallContext context)
        {
            var call = _calls.AddOrUpdate("Say", 1, (_, n) => n + 1);
            if (call <= _hangFirst)
            {
                // Like a cold app busy with its first call: it does not give up when the caller cancels, and answers late.
                await _released.Task.WaitAsync(TimeSpan.FromSeconds(30), CancellationToken.None);
            }
            else
            {
                _released.TrySetResult();
            }
            return call <= _unavailableFirst ? throw new RpcException(new Status(StatusCode.Unavailable, "not yet")) : new SayReply { Text = request.Text };
        }

        public override Task<SayReply> Fail(SayRequest request, ServerCallContext context)
        {
            _calls.AddOrUpdate("Fail", 1, (_, n) => n + 1);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"refused: {request.Text}"));
        }

        public async ValueTask DisposeAsync()
        {
            if (_sidecar is not null) await _sidecar.DisposeAsync();
            if (_app is not null) await _app.DisposeAsync();
        }
    }
}
