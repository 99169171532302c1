using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mtaeda.EndToEnd.Tests;

/// <summary>
/// An OTLP/HTTP receiver (<c>http/protobuf</c>) on loopback: the apps of a run export their traces, logs and metrics to
/// it (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), and it keeps every request body as it came, to be scanned byte for byte.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> _bodies = new();

    private OtlpReceiver(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    /// <summary>The endpoint to give as <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The port.</summary>
    public int Port { get; }

    /// <summary>Every export received: its signal (<c>traces</c>, <c>logs</c>, <c>metrics</c>) and its body (protobuf).</summary>
    public IReadOnlyList<(string Signal, byte[] Body)> Bodies => [.. _bodies];

    /// <summary>Starts a receiver on a free loopback port.</summary>
    /// <returns>The running receiver.</returns>
    public static OtlpReceiver Start()
    {
        var port = LocalDapr.Sidecar.Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app, port);
        app.MapPost("/v1/{signal}", async (string signal, HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            receiver._bodies.Enqueue((signal, body.ToArray()));
            // An empty Export*ServiceResponse: everything accepted.
            return Results.Bytes([], "application/x-protobuf");
        });
        app.StartAsync().GetAwaiter().GetResult();
        return receiver;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
