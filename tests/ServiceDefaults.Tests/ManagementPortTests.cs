using System.Globalization;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.ServiceDefaults.Tests;

/// <summary>
/// The management listener (MANAGEMENT_PORT) of a service on real Kestrel: what kubelet probes and a Prometheus scrape
/// (HTTP/1.1, no token) get there, and that nothing else of the app answers on it.
/// </summary>
public sealed class ManagementPortTests
{
    private const string Token = "app-token-of-this-test";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Probes_and_the_scrape_get_answers_over_http_1_1_without_the_app_token()
    {
        await using var service = await Service.StartAsync(management: true);
        using var http1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{service.ManagementPort}") };

        using var live = await http1.GetAsync(DefaultEndpoints.LivenessPath, Ct);
        using var metrics = await http1.GetAsync(DefaultEndpoints.MetricsPath, Ct);
        using var ready = await http1.GetAsync(DefaultEndpoints.ReadinessPath, Ct);

        Assert.Equal(HttpVersion.Version11, live.Version);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", await live.Content.ReadAsStringAsync(Ct));
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        Assert.Contains("service_name=\"management-tests\"", await metrics.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        // No sidecar listens in this test: the readiness probe answers, and says not ready.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/dapr/subscribe", HttpStatusCode.NotFound)]
    [InlineData("GET", "/v1/orders", HttpStatusCode.NotFound)]
    [InlineData("GET", "/healthz/extra", HttpStatusCode.NotFound)]
    [InlineData("POST", "/actors/Anything/1/method/Do", HttpStatusCode.NotFound)]
    [InlineData("POST", "/healthz", HttpStatusCode.MethodNotAllowed)]
    [InlineData("DELETE", "/metrics", HttpStatusCode.MethodNotAllowed)]
    public async Task Nothing_else_of_the_app_answers_on_the_management_port(string method, string path, HttpStatusCode expected)
    {
        await using var service = await Service.StartAsync(management: true);
        using var http1 = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{service.ManagementPort}") };
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add(DaprAppToken.HeaderName, Token); // even with the app token

        using var response = await http1.SendAsync(request, Ct);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal(0, service.OrdersCalls);
    }

    [Fact]
    public async Task The_app_port_keeps_its_behaviour_and_the_management_port_listens_on_every_address()
    {
        await using var service = await Service.StartAsync(management: true);
        using var h2c = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{service.AppPort}"), DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var health = await h2c.GetAsync(DefaultEndpoints.LivenessPath, Ct);
        using var metrics = await h2c.GetAsync(DefaultEndpoints.MetricsPath, Ct);
        using var orders = await h2c.GetAsync("/v1/orders", Ct);
        using var withToken = new HttpRequestMessage(HttpMethod.Get, "/v1/orders") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        withToken.Headers.Add(DaprAppToken.HeaderName, Token);
        using var allowed = await h2c.SendAsync(withToken, Ct);

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, orders.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(1, service.OrdersCalls);

        var addresses = service.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.Contains(addresses, a => a.EndsWith($":{service.ManagementPort}", StringComparison.Ordinal) && (a.Contains("[::]", StringComparison.Ordinal) || a.Contains("0.0.0.0", StringComparison.Ordinal)));
        Assert.DoesNotContain(addresses, a => a.EndsWith($":{service.AppPort}", StringComparison.Ordinal) && (a.Contains("[::]", StringComparison.Ordinal) || a.Contains("0.0.0.0", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Without_a_management_port_only_the_app_port_listens()
    {
        await using var service = await Service.StartAsync(management: false);

        var addresses = service.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Assert.All(addresses, a => Assert.EndsWith($":{service.AppPort}", a, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("app")]
    [InlineData("70000")]
    [InlineData("same")]
    public void A_management_port_that_is_no_port_or_the_app_port_is_refused(string given)
    {
        var builder = WebApplication.CreateBuilder();
        var appPort = TestApp.UnusedPort();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APP_PORT"] = appPort.ToString(CultureInfo.InvariantCulture),
            [ManagementPort.ConfigurationKey] = given == "same" ? appPort.ToString(CultureInfo.InvariantCulture) : given,
        });

        var e = Assert.Throws<InvalidOperationException>(() => builder.ListenOnAppPort(5000));

        Assert.StartsWith(ManagementPort.ConfigurationKey, e.Message, StringComparison.Ordinal);
    }

    private sealed class Service : IAsyncDisposable
    {
        private int _ordersCalls;

        private Service(WebApplication app, int appPort, int managementPort)
        {
            App = app;
            AppPort = appPort;
            ManagementPort = managementPort;
        }

        public WebApplication App { get; }

        public int AppPort { get; }

        public int ManagementPort { get; }

        public int OrdersCalls => Volatile.Read(ref _ordersCalls);

        public static async Task<Service> StartAsync(bool management)
        {
            int appPort = TestApp.UnusedPort(), managementPort = TestApp.UnusedPort();
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production, ApplicationName = typeof(TestApp).Assembly.GetName().Name });
            var nowhere = $"http://127.0.0.1:{TestApp.UnusedPort()}";
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["APP_ID"] = "management-tests",
                ["APP_PORT"] = appPort.ToString(CultureInfo.InvariantCulture),
                [Mtaeda.ServiceDefaults.ManagementPort.ConfigurationKey] = management ? managementPort.ToString(CultureInfo.InvariantCulture) : null,
                ["APP_API_TOKEN"] = Token,
                ["DAPR_API_TOKEN"] = string.Empty,
                ["DAPR_HTTP_ENDPOINT"] = nowhere,
                ["DAPR_GRPC_ENDPOINT"] = nowhere,
                ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
                ["Logging:LogLevel:Default"] = "Warning",
            });
            builder.AddServiceDefaults();
            builder.ListenOnAppPort(5000);
            var app = builder.Build();
            var service = new Service(app, appPort, managementPort);
            app.MapDefaultEndpoints();
            app.MapGet("/v1/orders", () =>
            {
                Interlocked.Increment(ref service._ordersCalls);
                return Results.Ok();
            });
            await app.StartAsync(Ct);
            return service;
        }

        public async ValueTask DisposeAsync()
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }
    }
}
