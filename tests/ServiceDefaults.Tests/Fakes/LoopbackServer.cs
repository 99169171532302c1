using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Mtaeda.ServiceDefaults.Tests.Fakes;

/// <summary>
/// A real Kestrel server on 127.0.0.1 and a free port, for what must go over the network: the fake Dapr sidecar the
/// readiness probe calls, and the upstream the HTTP resilience pipeline retries against. Counts hits per path.
/// </summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> hits = new(StringComparer.Ordinal);

    private LoopbackServer(WebApplication app) => this.app = app;

    public Uri BaseAddress => new(app.Urls.Single());

    public int Hits(string path) => hits.GetValueOrDefault(path);

    public static async Task<LoopbackServer> StartAsync(Action<IEndpointRouteBuilder> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackServer(app);
        app.Use((context, next) =>
        {
            server.hits.AddOrUpdate(context.Request.Path.Value ?? "/", 1, (_, count) => count + 1);
            return next(context);
        });
        map(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        return server;
    }

    /// <summary>A fake Dapr sidecar whose <c>/v1.0/healthz/outbound</c> answers <paramref name="status"/>.</summary>
    public static Task<LoopbackServer> FakeSidecarAsync(int status) =>
        StartAsync(routes => routes.MapGet("/v1.0/healthz/outbound", () => Microsoft.AspNetCore.Http.Results.StatusCode(status)));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync(CancellationToken.None);
        await app.DisposeAsync();
    }
}
