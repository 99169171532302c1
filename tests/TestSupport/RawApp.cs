using System.Collections.Concurrent;
using System.Text;
using LocalDapr.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mtaeda.Testing;

/// <summary>A request a <see cref="RawApp"/> received.</summary>
/// <param name="Path">The path.</param>
/// <param name="ContentType">The content type.</param>
/// <param name="Headers">The headers, names in lower case.</param>
/// <param name="Body">The body.</param>
public sealed record RawRequest(string Path, string ContentType, IReadOnlyDictionary<string, string> Headers, string Body);

/// <summary>
/// An app written against the wire only (no SDK), to assert exactly what the sidecar sends and how it treats each answer:
/// it answers <c>/dapr/subscribe</c> with the subscriptions it is given and every POST with what <c>respond</c> says.
/// </summary>
public sealed class RawApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RawRequest> _requests = new();
    private readonly Recording<RawRequest> _answered = new();
    private int _disposed;

    private RawApp(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The app's port (HTTP/1.1, loopback).</summary>
    public int Port { get; }

    /// <summary>The requests received so far (those answered and those being answered), in order.</summary>
    public IReadOnlyList<RawRequest> Requests => [.. _requests];

    /// <summary>Starts an app that answers every delivery at once.</summary>
    /// <param name="subscriptions">The JSON answer to <c>/dapr/subscribe</c>.</param>
    /// <param name="respond">The status and JSON body for a request, given how many came before it, this one included.</param>
    /// <returns>The running app.</returns>
    public static Task<RawApp> StartAsync(string subscriptions, Func<RawRequest, int, (int Status, string Body)> respond) =>
        StartAsync(subscriptions, (request, count, _) => Task.FromResult(respond(request, count)));

    /// <summary>Starts an app whose answer may wait (it is given the request's abort token).</summary>
    /// <param name="subscriptions">The JSON answer to <c>/dapr/subscribe</c>.</param>
    /// <param name="respond">The status and JSON body for a request, given how many came before it, this one included.</param>
    /// <returns>The running app.</returns>
    public static async Task<RawApp> StartAsync(string subscriptions, Func<RawRequest, int, CancellationToken, Task<(int Status, string Body)>> respond)
    {
        ArgumentNullException.ThrowIfNull(respond);
        var port = Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var self = new RawApp(app, port);
        var count = 0;
        app.MapGet("/dapr/subscribe", () => Results.Text(subscriptions, "application/json"));
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var request = new RawRequest(context.Request.Path.Value ?? "", context.Request.ContentType ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), await reader.ReadToEndAsync());
            self._requests.Enqueue(request);
            var (status, body) = await respond(request, Interlocked.Increment(ref count), context.RequestAborted);
            self._answered.Add(request);
            return Results.Text(body, "application/json", Encoding.UTF8, status);
        });
        await app.StartAsync();
        return self;
    }

    /// <summary>Waits until at least <paramref name="count"/> deliveries arrived (checked each time one is answered).</summary>
    /// <param name="count">How many.</param>
    /// <param name="timeout">How long to wait (20 s when null).</param>
    /// <returns>The requests received by then.</returns>
    public async Task<IReadOnlyList<RawRequest>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        await _answered.WaitUntilAsync(_ => _requests.Count >= count, $"{count} deliveries (received {_requests.Count})", timeout ?? TimeSpan.FromSeconds(20));
        return Requests;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
