using System.Globalization;
using System.Net;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.Dashboard.Tests;

/// <summary>The dashboard with MANAGEMENT_PORT set, as the Helm chart starts it: probes and the scrape there, nothing else.</summary>
public sealed class ManagementPortTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_management_port_serves_health_and_metrics_only_and_the_browser_port_no_metrics()
    {
        int appPort = Sidecar.FreePort(), managementPort = Sidecar.FreePort();
        var keys = Path.Combine(Directory.CreateTempSubdirectory("mtaeda-dashboard-keys-").FullName, "keys");
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ApplicationName = "Mtaeda.Dashboard",
            ContentRootPath = AppContext.BaseDirectory,
        });
        var nowhere = $"http://127.0.0.1:{Sidecar.FreePort().ToString(CultureInfo.InvariantCulture)}";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APP_ID"] = "dashboard",
            ["APP_PORT"] = appPort.ToString(CultureInfo.InvariantCulture),
            ["MANAGEMENT_PORT"] = managementPort.ToString(CultureInfo.InvariantCulture),
            ["DAPR_HTTP_ENDPOINT"] = nowhere,
            ["DAPR_GRPC_ENDPOINT"] = nowhere,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
            // Production sign-in: OpenID Connect (nothing is fetched from the authority until someone signs in).
            ["Authentication:Oidc:Authority"] = "https://login.mtaeda.test/tenant/v2.0",
            ["Authentication:Oidc:ClientId"] = "dashboard",
            ["Authentication:Oidc:ClientSecret"] = "not-used",
            ["Logging:LogLevel:Default"] = "Warning",
            ["DASHBOARD_KEYS_DIR"] = keys,
        });
        builder.AddDashboard();
        await using var app = builder.Build();
        app.MapDashboard();
        await app.StartAsync(Ct);
        try
        {
            using var management = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{managementPort}") };
            using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{appPort}") };

            using var live = await management.GetAsync("/healthz", Ct);
            using var ready = await management.GetAsync("/readyz", Ct);
            using var metrics = await management.GetAsync("/metrics", Ct);
            using var page = await management.GetAsync("/", Ct);
            using var signIn = await management.GetAsync("/account/signin", Ct);
            using var browserHealth = await browser.GetAsync("/healthz", Ct);
            using var browserMetrics = await browser.GetAsync("/metrics", Ct);

            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode); // no sidecar in this test
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
            Assert.Contains("service_name=\"dashboard\"", await metrics.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, signIn.StatusCode);
            Assert.Equal(HttpStatusCode.OK, browserHealth.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, browserMetrics.StatusCode);

            // The keys of the sign-in cookie are kept where DASHBOARD_KEYS_DIR says (the image: under /tmp, for a read-only root).
            var protector = app.Services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
            Assert.Equal("cookie", protector.Unprotect(protector.Protect("cookie")));
            Assert.NotEmpty(Directory.GetFiles(keys, "key-*.xml"));
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            Directory.Delete(Path.GetDirectoryName(keys)!, recursive: true);
        }
    }
}
