using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mtaeda.Equipment.Tests.Integration;

/// <summary>One CloudEvent as it reached the recorder.</summary>
public sealed record RecordedEvent(string Id, string Type, string Source, string Subject, string Topic, string DataJson);

/// <summary>
/// A subscriber written against the wire only (no SDK): it answers <c>/dapr/subscribe</c> with one subscription per
/// topic and keeps every CloudEvent delivered, so tests can await exactly what a consumer of that topic receives.
/// </summary>
public sealed class EventRecorder : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<RecordedEvent> _events = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EventRecorder(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public IReadOnlyList<RecordedEvent> Events
    {
        get
        {
            lock (_lock) return [.. _events];
        }
    }

    public static async Task<EventRecorder> StartAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        var port = LocalDapr.Sidecar.Sidecar.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        EventRecorder? self = null;
        app.MapGet("/dapr/subscribe", () => Results.Json(topics.Select(topic => new { pubsubname = "pubsub", topic, route = "/events" })));
        app.MapPost("/events", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            using var envelope = JsonDocument.Parse(await reader.ReadToEndAsync(context.RequestAborted));
            var root = envelope.RootElement;
            self!.Add(new RecordedEvent(
                Text(root, "id"), Text(root, "type"), Text(root, "source"), Text(root, "subject"), Text(root, "topic"),
                root.TryGetProperty("data", out var data) ? data.GetRawText() : ""));
            return Results.Json(new { status = "SUCCESS" });
        });
        await app.StartAsync(cancellationToken);
        self = new EventRecorder(app, port);
        return self;
    }

    /// <summary>Waits until <paramref name="condition"/> holds over what arrived.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> WaitForAsync(Func<IReadOnlyList<RecordedEvent>, bool> condition, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            IReadOnlyList<RecordedEvent> snapshot;
            lock (_lock)
            {
                snapshot = [.. _events];
                changed = _changed.Task;
            }
            if (condition(snapshot)) return snapshot;
            try
            {
                await changed.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}; received: {string.Join(", ", snapshot.Select(e => $"{e.Type}({e.Subject})"))}");
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Add(RecordedEvent recorded)
    {
        TaskCompletionSource changed;
        lock (_lock)
        {
            _events.Add(recorded);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        changed.TrySetResult();
    }

    private static string Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
