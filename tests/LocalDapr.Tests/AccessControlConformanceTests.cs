using System.Globalization;
using ConformanceApp.Grpc;
using Dapr.Client;
using Grpc.Core;
using Grpc.Net.Client;
using Autogen = Dapr.Client.Autogen.Grpc.v1;

namespace LocalDapr.Tests;

/// <summary>
/// One run of the runner for <see cref="AccessControlConformanceTests"/>: the conformance app, run the plain way (only
/// the runner's environment), as <c>ledger</c> (HTTP), <c>echo</c> (h2c, as MTAEDA's services run) and <c>echo-grpc</c>
/// (gRPC), each with its own access control in the Configuration its run-file entry names (<c>configFilePath</c>); and
/// three sidecars without an app that call them: <c>caller</c> (whose own Configuration denies every call to it, which
/// must not matter for its calls to others), <c>auditor</c> and <c>stranger</c> (named by no policy).
/// </summary>
public sealed class AccessControlRun : IAsyncLifetime
{
    public const string Token = "access-control-conformance-token";

    private static string Bin => AppContext.BaseDirectory;

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-acl-run-").FullName;
    private LocalDapr.Runner.RunnerProcess? _runner;

    public Dictionary<string, (int Http, int Grpc)> Sidecars { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Lines => _runner?.Lines ?? [];

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "components"));
        File.WriteAllText(Path.Combine(_dir, "components", "components.yaml"), Harness.DefaultComponents);
        File.WriteAllText(Path.Combine(_dir, "caller.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: caller
            spec:
              accessControl:
                defaultAction: deny
            """);
        File.WriteAllText(Path.Combine(_dir, "ledger.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: ledger
            spec:
              accessControl:
                defaultAction: deny
                policies:
                - appId: caller
                  defaultAction: allow
                  trustDomain: public
                  namespace: default
                  operations:
                  - name: /echo/admin/**
                    httpVerb: ["*"]
                    action: deny
                  - name: /echo/payments/*
                    httpVerb: [POST, PUT]
                    action: deny
                - appId: auditor
                  defaultAction: deny
                  trustDomain: public
                  namespace: default
                  operations:
                  - name: /echo/reports/*
                    httpVerb: [GET]
                    action: allow
            """);
        File.WriteAllText(Path.Combine(_dir, "echo.yaml"), """
            apiVersion: dapr.io/v1alpha1
            kind: Configuration
            metadata:
              name: echo
            spec:
              accessControl:
                defaultAction: deny
                trustDomain: public
                policies:
                - appId: caller
                  defaultAction: allow
                  trustDomain: public
                  namespace: default
                  operations:
                  - name: /conformance.v1.Echo/Fail
                    action: deny
            """);

        var apps = new System.Text.StringBuilder("version: 1\ncommon:\n  resourcesPaths: [./components]\napps:\n");
        void App(string id, string? protocol, string? config)
        {
            Directory.CreateDirectory(Path.Combine(_dir, id));
            var ports = (Http: Sidecar.Sidecar.FreePort(), Grpc: Sidecar.Sidecar.FreePort());
            Sidecars[id] = ports;
            apps.Append(CultureInfo.InvariantCulture, $"  - appID: {id}\n    appDirPath: ./{id}\n    daprHTTPPort: {ports.Http}\n    daprGRPCPort: {ports.Grpc}\n");
            if (config is not null) apps.Append(CultureInfo.InvariantCulture, $"    configFilePath: ../{config}\n");
            if (protocol is not null)
            {
                apps.Append(CultureInfo.InvariantCulture, $"    appPort: {Sidecar.Sidecar.FreePort()}\n    appProtocol: {protocol}\n");
                apps.Append(CultureInfo.InvariantCulture, $"    command: [\"dotnet\", \"{Path.Combine(Bin, "ConformanceApp.dll")}\"]\n");
            }
        }
        App("caller", null, "caller.yaml");
        App("auditor", null, null);
        App("stranger", null, null);
        App("ledger", "http", "ledger.yaml");
        App("echo", "h2c", "echo.yaml");
        App("echo-grpc", "grpc", "echo.yaml");
        File.WriteAllText(Path.Combine(_dir, "dapr.yaml"), apps.ToString());

        _runner = LocalDapr.Runner.RunnerProcess.Start(Path.Combine(Bin, "local-dapr.dll"), ["run", "-f", Path.Combine(_dir, "dapr.yaml")],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = Token, ["APP_API_TOKEN"] = null });
        await _runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(120), TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_runner is not null)
        {
            _runner.Signal(2);
            await _runner.Exited.WaitAsync(TimeSpan.FromSeconds(30));
            await _runner.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>
/// Runs <see cref="AccessControlConformanceTests"/> alone: its run starts three app processes at once, a load kept away
/// from the timing-sensitive tests of the suite (such as two Redis replicas competing for a stream's entries).
/// </summary>
[CollectionDefinition(DisableParallelization = true)]
public sealed class AccessControlRunCollection;

/// <summary>
/// Dapr's service-invocation access control (<c>spec.accessControl</c>) applied by the callee's sidecar, as daprd applies
/// it: HTTP invocation (403, <c>ERR_DIRECT_INVOKE</c>), proxied gRPC (<c>PermissionDenied</c>) and <c>InvokeService</c>
/// (<c>Internal</c>, wrapping the callee's refusal), with the callers named by their app ids.
/// </summary>
[Collection(nameof(AccessControlRunCollection))]
public sealed class AccessControlConformanceTests(AccessControlRun run) : IClassFixture<AccessControlRun>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Denied(string caller, string operation, string verb) =>
        $"access control policy has denied access to id: spiffe://public/ns/default/{caller} operation: {operation} verb: {verb}";

    private async Task<(HttpStatusCode Status, JsonElement Body)> InvokeAsync(string caller, string callee, HttpMethod method, string path)
    {
        using var client = DaprClient.CreateInvokeHttpClient(callee, $"http://127.0.0.1:{run.Sidecars[caller].Http}", AccessControlRun.Token);
        using var request = new HttpRequestMessage(method, path);
        if (method != HttpMethod.Get) request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(text.Length > 0, $"{method} {path} from {caller}: {(int)response.StatusCode} with no body\n{string.Join('\n', run.Lines.TakeLast(20))}");
        using var json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone());
    }

    private async Task AssertRefusedAsync(string caller, HttpMethod method, string path, string? message = null)
    {
        var (status, body) = await InvokeAsync(caller, "ledger", method, path);
        Http.AssertDaprError(status, body, HttpStatusCode.Forbidden, "ERR_DIRECT_INVOKE",
            message is null ? null : $"failed to invoke, id: ledger, err: rpc error: code = PermissionDenied desc = {message}");
    }

    private async Task AssertReachedAsync(string caller, HttpMethod method, string path)
    {
        var (status, body) = await InvokeAsync(caller, "ledger", method, path);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(path, body.GetProperty("path").GetString());
        Assert.Equal(caller, body.GetProperty("caller").GetString());
    }

    private Echo.EchoClient Echo(string caller, string callee) =>
        new(DaprClient.CreateInvocationInvoker(callee, $"http://127.0.0.1:{run.Sidecars[caller].Grpc}", AccessControlRun.Token));

    [Fact]
    public async Task A_call_the_callers_policy_allows_reaches_the_app_whatever_the_callers_own_configuration_says()
    {
        await AssertReachedAsync("caller", HttpMethod.Get, "/echo/orders/1");
        await AssertReachedAsync("caller", HttpMethod.Delete, "/echo/orders/1");
    }

    [Fact]
    public async Task A_caller_no_policy_names_gets_the_global_default_action()
    {
        await AssertRefusedAsync("stranger", HttpMethod.Get, "/echo/orders/1", Denied("stranger", "echo/orders/1", "GET"));
    }

    [Fact]
    public async Task An_operation_a_rule_denies_is_refused_below_its_double_star_and_without_regard_to_case()
    {
        await AssertRefusedAsync("caller", HttpMethod.Get, "/echo/admin/users/1", Denied("caller", "echo/admin/users/1", "GET"));
        await AssertRefusedAsync("caller", HttpMethod.Post, "/echo/admin", Denied("caller", "echo/admin", "POST"));
        await AssertRefusedAsync("caller", HttpMethod.Get, "/echo/ADMIN/x", Denied("caller", "echo/ADMIN/x", "GET"));
    }

    [Fact]
    public async Task A_rule_applies_only_to_the_http_verbs_it_names()
    {
        await AssertRefusedAsync("caller", HttpMethod.Post, "/echo/payments/7", Denied("caller", "echo/payments/7", "POST"));
        await AssertRefusedAsync("caller", HttpMethod.Put, "/echo/payments/7");
        await AssertReachedAsync("caller", HttpMethod.Get, "/echo/payments/7");
    }

    [Fact]
    public async Task A_single_star_allows_one_last_segment_and_the_apps_default_denies_the_rest()
    {
        await AssertReachedAsync("auditor", HttpMethod.Get, "/echo/reports/2026");
        await AssertRefusedAsync("auditor", HttpMethod.Get, "/echo/reports/2026/12", Denied("auditor", "echo/reports/2026/12", "GET"));
        await AssertRefusedAsync("auditor", HttpMethod.Post, "/echo/reports/2026");
        await AssertRefusedAsync("auditor", HttpMethod.Get, "/echo/orders/1");
    }

    [Fact]
    public async Task The_dapr_app_id_header_and_the_invoke_route_are_judged_alike()
    {
        using var http = Http.Client();
        foreach (var (url, header) in new[] { ($"/v1.0/invoke/ledger/method/echo/admin/x", false), ("/echo/admin/x", true) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{run.Sidecars["caller"].Http}{url}");
            request.Headers.Add("dapr-api-token", AccessControlRun.Token);
            if (header) request.Headers.Add("dapr-app-id", "ledger");
            using var response = await http.SendAsync(request, Ct);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal($"failed to invoke, id: ledger, err: rpc error: code = PermissionDenied desc = {Denied("caller", "echo/admin/x", "GET")}",
                body.RootElement.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task A_proxied_grpc_method_a_rule_denies_is_permission_denied_on_a_grpc_app()
    {
        var echo = Echo("caller", "echo-grpc");

        Assert.Equal("hi", (await echo.SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct)).Text);
        var e = await Assert.ThrowsAsync<RpcException>(() => echo.FailAsync(new SayRequest { Text = "x" }, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Equal(Denied("caller", "/conformance.v1.Echo/Fail", "NONE"), e.Status.Detail);
    }

    [Fact]
    public async Task A_proxied_grpc_call_from_a_caller_no_policy_names_is_permission_denied()
    {
        foreach (var callee in new[] { "echo", "echo-grpc" })
        {
            var e = await Assert.ThrowsAsync<RpcException>(() => Echo("stranger", callee).SayAsync(new SayRequest { Text = "hi" }, cancellationToken: Ct).ResponseAsync);
            Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
            Assert.Equal(Denied("stranger", "/conformance.v1.Echo/Say", "NONE"), e.Status.Detail);
        }
    }

    [Fact]
    public async Task On_an_h2c_app_a_rule_naming_a_grpc_method_in_mixed_case_never_matches_a_proxied_call_as_on_daprd()
    {
        // daprd lower-cases the rules of an app whose protocol is HTTP (h2c is) but matches a proxied gRPC method as
        // written (dapr/dapr pkg/runtime/config.go, pkg/messaging/grpc_proxy.go): the rule denying Fail does not apply,
        // the caller's default (allow) does, and the app answers.
        var e = await Assert.ThrowsAsync<RpcException>(() => Echo("caller", "echo").FailAsync(new SayRequest { Text = "x" }, cancellationToken: Ct).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, e.StatusCode);
        Assert.Equal("refused: x", e.Status.Detail);
    }

    [Fact]
    public async Task Invoke_service_is_judged_by_the_callees_policy_and_a_refusal_is_daprds_internal_error()
    {
        Autogen.Dapr.DaprClient Client(string caller) =>
            new(GrpcChannel.ForAddress($"http://127.0.0.1:{run.Sidecars[caller].Grpc}", new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { UseProxy = false } }));
        var headers = new Metadata { { "dapr-api-token", AccessControlRun.Token } };
        Autogen.InvokeServiceRequest Request(string method, Autogen.HTTPExtension.Types.Verb verb) => new()
        {
            Id = "ledger",
            Message = new Autogen.InvokeRequest { Method = method, HttpExtension = new Autogen.HTTPExtension { Verb = verb } },
        };

        var allowed = await Client("caller").InvokeServiceAsync(Request("echo/orders/1", Autogen.HTTPExtension.Types.Verb.Get), headers, cancellationToken: Ct);
        using var echo = JsonDocument.Parse(allowed.Data.Value.ToStringUtf8());
        Assert.Equal("/echo/orders/1", echo.RootElement.GetProperty("path").GetString());

        var e = await Assert.ThrowsAsync<RpcException>(() =>
            Client("caller").InvokeServiceAsync(Request("echo/payments/1", Autogen.HTTPExtension.Types.Verb.Post), headers, cancellationToken: Ct).ResponseAsync);
        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.Equal($"failed to invoke, id: ledger, err: rpc error: code = PermissionDenied desc = {Denied("caller", "echo/payments/1", "POST")}", e.Status.Detail);
    }
}
