using LocalDapr.Runner;
using LocalDapr.Sidecar;
using Microsoft.Playwright;
using Mtaeda.Testing;
using static Microsoft.Playwright.Assertions;

namespace Mtaeda.Dashboard.Tests.Browser;

/// <summary>
/// The dashboard alone beside its sidecar, under the runner, with none of the services and no hub: what a user sees when
/// everything behind the dashboard is away. Light enough to run without the whole system.
/// </summary>
public sealed class AloneDashboard : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mtaeda-dash-").FullName;
    private readonly int _port = Sidecar.FreePort();
    private RunnerProcess? _runner;
    private IPlaywright? _playwright;

    public string Password { get; } = System.Security.Cryptography.RandomNumberGenerator.GetHexString(16, lowercase: true);

    public string Url => $"http://localhost:{_port}";

    public IBrowser Browser { get; private set; } = default!;

    public RunnerProcess Runner => _runner ?? throw new InvalidOperationException("not started");

    public async ValueTask InitializeAsync()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        Directory.CreateDirectory(Path.Combine(_dir, "components"));
        File.Copy(Path.Combine(Repository.Root, "components", "common", "resiliency.yaml"), Path.Combine(_dir, "components", "resiliency.yaml"));
        var runFile = Path.Combine(_dir, "dapr.yaml");
        await new RunFileBuilder(Repository.Root, configuration)
            .Resources(Path.Combine(_dir, "components"))
            .Env("ASPNETCORE_ENVIRONMENT", "Development")
            .Env("DASHBOARD_DEV_PASSWORD", Password)
            .Env("DevelopmentIssuer__Issuer", Url)
            .Env("Dashboard__RefreshSeconds", "1")
            .Env("Dashboard__CallTimeoutSeconds", "2")
            .Env("Hub__Url", $"http://localhost:{Sidecar.FreePort()}/hubs/operations")
            .App("dashboard", (_port, Sidecar.FreePort(), Sidecar.FreePort()))
            .WriteAsync(runFile);
        _runner = RunnerProcess.Start(Path.Combine(AppContext.BaseDirectory, "local-dapr.dll"), ["run", "-f", runFile, "--app-startup-timeout", "120"]);
        await _runner.WaitForLineAsync(l => l.Contains("you're up and running", StringComparison.Ordinal), TimeSpan.FromSeconds(150));
        _playwright = await Playwright.CreateAsync();
        Browser = await DashboardBrowser.LaunchChromiumAsync(_playwright);
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_runner is not null) await _runner.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class AloneDashboardTests(AloneDashboard dashboard) : IClassFixture<AloneDashboard>
{
    [Fact]
    public void The_run_prints_the_address_and_the_three_development_sign_ins()
    {
        var lines = dashboard.Runner.Lines;

        Assert.Contains(lines, l => l.Contains($"MTAEDA dashboard: {dashboard.Url}", StringComparison.Ordinal));
        foreach (var user in new[] { "supervisor", "technician", "viewer" })
        {
            Assert.Contains(lines, l => l.Contains($"sign in as {user}", StringComparison.Ordinal) && l.Contains(dashboard.Password, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Someone_not_signed_in_gets_the_sign_in_page_never_data_and_a_wrong_password_is_refused()
    {
        var page = await dashboard.Browser.NewPageAsync();

        await page.GotoAsync(dashboard.Url + "/work-orders");
        Assert.StartsWith(dashboard.Url + "/account/signin", page.Url, StringComparison.Ordinal);
        await Expect(page.Locator("[data-testid=open-work-orders]")).ToHaveCountAsync(0);

        await page.FillAsync("#userName", "supervisor");
        await page.FillAsync("#password", "not-the-password");
        await page.ClickAsync("button[type=submit]");
        await Expect(page.Locator(".failed")).ToContainTextAsync("do not match");
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardSystem.Screenshots, "00-sign-in-refused.png"), FullPage = true });
    }

    [Fact]
    public async Task With_every_service_and_the_hub_away_a_signed_in_user_sees_reconnecting()
    {
        var page = await dashboard.Browser.NewPageAsync(new() { ViewportSize = new() { Width = 1400, Height = 900 } });
        await page.GotoAsync(dashboard.Url + "/");
        await page.FillAsync("#userName", "viewer");
        await page.FillAsync("#password", dashboard.Password);
        await page.ClickAsync("button[type=submit]");

        await Expect(page.Locator("[data-testid=signed-in]")).ToContainTextAsync("Vic Viewer (viewer)");
        await Expect(page.Locator("[data-testid=reconnecting]")).ToContainTextAsync("live alerts", new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid=reconnecting]")).ToContainTextAsync("stations", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(DashboardSystem.Screenshots, "00-everything-away.png"), FullPage = true });
    }

    [Fact]
    public async Task The_development_issuer_serves_its_metadata_and_keys()
    {
        using var http = new HttpClient();

        var metadata = await http.GetStringAsync(dashboard.Url + "/.well-known/openid-configuration", TestContext.Current.CancellationToken);
        var keys = await http.GetStringAsync(dashboard.Url + "/.well-known/jwks.json", TestContext.Current.CancellationToken);

        Assert.Contains($"\"issuer\":\"{dashboard.Url}\"", metadata, StringComparison.Ordinal);
        Assert.Contains("\"kty\":\"RSA\"", keys, StringComparison.Ordinal);
    }
}
