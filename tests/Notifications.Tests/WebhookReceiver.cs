using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mtaeda.Notifications.Tests;

/// <summary>One request a <see cref="WebhookReceiver"/> received.</summary>
/// <param name="Path">The path.</param>
/// <param name="Headers">The headers.</param>
/// <param name="Body">The body.</param>
public sealed record ReceivedWebhook(string Path, IHeaderDictionary Headers, string Body);

/// <summary>
/// A webhook receiver on a loopback port: answers each path as <see cref="Behaviour"/> says for that path (status code, or no
/// answer), and records every request.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<ReceivedWebhook> _received = Channel.CreateUnbounded<ReceivedWebhook>();

    private WebhookReceiver(WebApplication app, int port)
    {
        _app = app;
        BaseUrl = $"http://127.0.0.1:{port}";
    }

    /// <summary>What a path answers: a status per call number (1-based); a status of 0 never answers.</summary>
    public ConcurrentDictionary<string, Func<int, int>> Behaviour { get; } = new(StringComparer.Ordinal);

    public string BaseUrl { get; }

    public ChannelReader<ReceivedWebhook> Received => _received.Reader;

    public static async Task<WebhookReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var port = LocalDapr.Sidecar.Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        var calls = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        app.MapPost("/{**path}", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync(http.RequestAborted);
            var path = http.Request.Path.Value ?? "";
            await receiver._received.Writer.WriteAsync(new ReceivedWebhook(path, new HeaderDictionary(http.Request.Headers.ToDictionary()), body), http.RequestAborted);
            var call = calls.AddOrUpdate(path, 1, (_, n) => n + 1);
            var status = receiver.Behaviour.TryGetValue(path, out var behaviour) ? behaviour(call) : 200;
            if (status == 0) await Task.Delay(Timeout.InfiniteTimeSpan, http.RequestAborted);
            return Results.StatusCode(status);
        });
        await app.StartAsync(cancellationToken);
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }
}
