using System.Globalization;

namespace LocalDapr.Tests;

/// <summary>
/// Apps written the plain way: the conformance app run by the runner as its own process, its SDK clients and actor
/// runtime built with nothing but the <c>DAPR_HTTP_PORT</c>/<c>DAPR_GRPC_PORT</c> the runner gives (no endpoint set in code).
/// </summary>
public sealed class PlainAppConformanceTests : IAsyncLifetime
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private static string Bin => AppContext.BaseDirectory;

    private readonly string _dir = Directory.CreateTempSubdirectory("local-dapr-plain-").FullName;
    private readonly int _appPort = Sidecar.Sidecar.FreePort();
    private readonly int _httpPort = Sidecar.Sidecar.FreePort();
    private LocalDapr.Runner.RunnerProcess? _runner;
    private readonly HttpClient _http = Http.Client();

    public async ValueTask InitializeAsync()
    {
        File.WriteAllText(Path.Combine(_dir, "components.yaml"), Harness.DefaultComponents);
        _runner = LocalDapr.Runner.RunnerProcess.Start(Path.Combine(Bin, "local-dapr.dll"),
            ["run", "--app-id", "plain", "--app-port", _appPort.ToString(CultureInfo.InvariantCulture), "--dapr-http-port", _httpPort.ToString(CultureInfo.InvariantCulture),
             "--resources-path", _dir, "--", "dotnet", Path.Combine(Bin, "ConformanceApp.dll")],
            new Dictionary<string, string?> { ["DAPR_API_TOKEN"] = null, ["APP_API_TOKEN"] = null, ["CONFORMANCE_ACTORS"] = "true" });
        await _runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_runner is not null)
        {
            _runner.Signal(2);
            await _runner.Exited.WaitAsync(TimeSpan.FromSeconds(30));
            await _runner.DisposeAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<string> AppAsync(HttpMethod method, string path, string body = "")
    {
        using var request = new HttpRequestMessage(method, $"http://127.0.0.1:{_appPort}{path}") { Content = new StringContent(body) };
        using var response = await _http.SendAsync(request, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {text}\n{string.Join('\n', _runner!.Lines.TakeLast(20))}");
        return text;
    }

    [Fact]
    public async Task Actor_calls_and_actor_state_of_an_app_with_the_sdks_default_endpoint_work()
    {
        Assert.Equal("2", await AppAsync(HttpMethod.Post, "/plain/actor/plain-1/2"));
        Assert.Equal("5", await AppAsync(HttpMethod.Post, "/plain/actor/plain-1/3"));
    }

    [Fact]
    public async Task State_pubsub_and_invocation_of_an_app_with_the_sdks_default_endpoints_work()
    {
        Assert.Equal("kept", await AppAsync(HttpMethod.Post, "/plain/state/k1", "kept"));
        Assert.Equal("orders", await AppAsync(HttpMethod.Post, "/plain/publish/7"));
        using var echo = JsonDocument.Parse(await AppAsync(HttpMethod.Get, "/plain/invoke/hello/world"));
        Assert.Equal("/echo/hello/world", echo.RootElement.GetProperty("path").GetString());
        Assert.Equal("plain", echo.RootElement.GetProperty("caller").GetString());
    }
}
