using System.Net.Sockets;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Mtaeda.ServiceDefaults.Tests.Fakes;

/// <summary>
/// A service built exactly as a real one (<c>AddServiceDefaults()</c> ... <c>MapDefaultEndpoints()</c>) on an
/// in-memory TestServer. Settings that would otherwise leak in from the environment (a sidecar port, a token, an OTLP
/// collector) are pinned: no token, and a sidecar address where nothing listens.
/// </summary>
internal sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app)
    {
        App = app;
        Client = app.GetTestClient();
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static async Task<TestApp> StartAsync(
        IReadOnlyDictionary<string, string?>? configuration = null,
        Action<WebApplicationBuilder>? services = null,
        Action<WebApplication>? endpoints = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ApplicationName = typeof(TestApp).Assembly.GetName().Name,
        });
        builder.WebHost.UseTestServer();
        var nowhere = $"http://127.0.0.1:{UnusedPort()}";
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["APP_ID"] = "servicedefaults-tests",
            ["APP_API_TOKEN"] = string.Empty,
            ["DAPR_API_TOKEN"] = string.Empty,
            ["DAPR_HTTP_ENDPOINT"] = nowhere,
            ["DAPR_GRPC_ENDPOINT"] = nowhere,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = string.Empty,
        });
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.AddServiceDefaults();
        services?.Invoke(builder);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        endpoints?.Invoke(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TestApp(app);
    }

    /// <summary>A loopback port nothing listens on (bound, read, released).</summary>
    public static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
