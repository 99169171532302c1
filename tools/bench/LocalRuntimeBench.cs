using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapr.Client;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Bench;

/// <summary>
/// The local runtime's scenarios, each beside its baseline in the same run: HTTP invocation (through the sidecar vs
/// straight to the app), publish-to-delivery latency (through the sidecar and broker vs a direct delivery POST), and
/// bulk-publish delivery throughput (per-event and bulk-subscribe delivery vs direct batch POSTs).
/// </summary>
public static class LocalRuntimeBench
{
    private const string Components = """
        apiVersion: dapr.io/v1alpha1
        kind: Component
        metadata: { name: pubsub }
        spec: { type: pubsub.in-memory, version: v1 }
        """;

    public static async Task<string> RunAsync(int calls, int rate, int events, TextWriter log)
    {
        var dir = Directory.CreateTempSubdirectory("bench-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "pubsub.yaml"), Components);
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        await using var env = new RuntimeEnvironment(loggers);
        var subscriber = new Subscriber();
        var appPort = Sidecar.FreePort();
        await using var app = await subscriber.StartAsync(appPort);
        await using var target = await Sidecar.StartAsync(new SidecarOptions { AppId = "target", AppPort = appPort, ResourcesPaths = [dir] }, env);
        await using var caller = await Sidecar.StartAsync(new SidecarOptions { AppId = "caller", ResourcesPaths = [dir] }, env);
        await target.AppReady;
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 64 });
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint($"http://127.0.0.1:{caller.GrpcPort}").UseHttpEndpoint($"http://127.0.0.1:{caller.HttpPort}").Build();
        var payload = new string('x', 1024);
        var workers = 16;
        var limit = TimeSpan.FromSeconds(Math.Max(30, calls / (double)rate * 3));

        log.WriteLine($"warming up ({Math.Min(calls, 3000)} calls each path)");
        var warm = Math.Min(calls, 3000);
        await Load.PacedAsync("warm", rate * 2, warm, workers, limit, _ => Post(http, $"http://127.0.0.1:{appPort}/echo", payload));
        await Load.PacedAsync("warm", rate * 2, warm, workers, limit, _ => Post(http, $"http://127.0.0.1:{caller.HttpPort}/v1.0/invoke/target/method/echo", payload));
        await Load.PacedAsync("warm", rate * 2, warm, workers, limit, _ => dapr.PublishEventAsync("pubsub", "latency", new Stamp(Stopwatch.GetTimestamp(), payload)));
        await subscriber.Latency.WaitAsync(warm, TimeSpan.FromSeconds(30));

        log.WriteLine("HTTP invocation");
        var invokeDirect = await Load.PacedAsync("HTTP call, direct to the app", rate, calls, workers, limit, _ => Post(http, $"http://127.0.0.1:{appPort}/echo", payload));
        var invokeRuntime = await Load.PacedAsync("HTTP call through the sidecar (`/v1.0/invoke`)", rate, calls, workers, limit, _ => Post(http, $"http://127.0.0.1:{caller.HttpPort}/v1.0/invoke/target/method/echo", payload));

        log.WriteLine("publish to delivery");
        var deliveredDirect = subscriber.Latency.Reset("Delivery POSTed straight to the subscriber");
        var cpu = Cpu();
        await Load.PacedAsync("direct", rate, calls, workers, limit, _ => PostEvent(http, $"http://127.0.0.1:{appPort}/on-event", payload), into: deliveredDirect);
        await subscriber.Latency.WaitAsync(calls, limit);
        deliveredDirect.Elapsed = TimeSpan.FromSeconds(calls / (double)rate);
        deliveredDirect.Cpu = Cpu() - cpu;

        var deliveredRuntime = subscriber.Latency.Reset("Publish (gRPC) to delivery through the sidecar and in-memory broker");
        cpu = Cpu();
        var publishCall = await Load.PacedAsync("Publish call alone (gRPC `PublishEvent` round trip)", rate, calls, workers, limit, _ => dapr.PublishEventAsync("pubsub", "latency", new Stamp(Stopwatch.GetTimestamp(), payload)));
        await subscriber.Latency.WaitAsync(calls, limit);
        deliveredRuntime.Elapsed = publishCall.Elapsed;
        deliveredRuntime.Cpu = Cpu() - cpu;

        log.WriteLine($"bulk publish throughput ({events:N0} events per scenario)");
        var bulkDirect = await DirectBatchesAsync(http, appPort, subscriber, events);
        var bulkToSingle = await BulkPublishAsync(dapr, subscriber.Single, "bulk-single", "Bulk publish, per-event delivery (ordered, one in flight)", events);
        var bulkToBatch = await BulkPublishAsync(dapr, subscriber.Batched, "bulk-batch", "Bulk publish, bulk-subscribe delivery (batches of 100)", events);

        Directory.Delete(dir, recursive: true);
        return Report(calls, rate, events, workers, [invokeDirect, invokeRuntime], [deliveredDirect, deliveredRuntime, publishCall], [bulkDirect, bulkToSingle, bulkToBatch]);
    }

    private static TimeSpan Cpu() => Process.GetCurrentProcess().TotalProcessorTime;

    private static async Task Post(HttpClient http, string url, string payload)
    {
        using var response = await http.PostAsync(url, new StringContent(payload, Encoding.UTF8, "text/plain"));
        response.EnsureSuccessStatusCode();
    }

    private static async Task PostEvent(HttpClient http, string url, string payload)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = Guid.NewGuid().ToString(), source = "bench", type = "com.dapr.event.sent", specversion = "1.0", datacontenttype = "application/json",
            data = new Stamp(Stopwatch.GetTimestamp(), payload), topic = "latency", pubsubname = "pubsub",
        }, JsonSerializerOptions.Web);
        using var content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/cloudevents+json") } };
        using var response = await http.PostAsync(url, content);
        response.EnsureSuccessStatusCode();
    }

    private static async Task<Sample> BulkPublishAsync(DaprClient dapr, Counter counter, string topic, string name, int events)
    {
        counter.Reset();
        var sample = new Sample(name);
        var cpu = Cpu();
        var start = Stopwatch.GetTimestamp();
        const int batch = 100;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) * batch < events)
            {
                var items = Enumerable.Range(0, batch).Select(_ => new Stamp(Stopwatch.GetTimestamp(), "")).ToList();
                var response = await dapr.BulkPublishEventAsync("pubsub", topic, items);
                if (response.FailedEntries.Count > 0) throw new InvalidOperationException($"{response.FailedEntries.Count} entries failed");
            }
        })));
        await counter.WaitAsync(events, TimeSpan.FromSeconds(120));
        sample.Elapsed = Stopwatch.GetElapsedTime(start);
        sample.Cpu = Cpu() - cpu;
        counter.CopyTo(sample);
        return sample;
    }

    private static async Task<Sample> DirectBatchesAsync(HttpClient http, int appPort, Subscriber subscriber, int events)
    {
        subscriber.Batched.Reset();
        var sample = new Sample("Direct batch POSTs to the subscriber (100 events each)");
        var cpu = Cpu();
        var start = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) * 100 < events)
            {
                var buffer = new ArrayBufferWriter<byte>(64 * 1024);
                using (var w = new Utf8JsonWriter(buffer))
                {
                    w.WriteStartObject();
                    w.WriteString("topic", "bulk-batch");
                    w.WriteStartArray("entries");
                    for (var i = 0; i < 100; i++)
                    {
                        w.WriteStartObject();
                        w.WriteString("entryId", i.ToString(CultureInfo.InvariantCulture));
                        w.WriteStartObject("event");
                        w.WriteStartObject("data");
                        w.WriteNumber("sent", Stopwatch.GetTimestamp());
                        w.WriteEndObject();
                        w.WriteEndObject();
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                using var content = new ReadOnlyMemoryContent(buffer.WrittenMemory) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
                using var response = await http.PostAsync($"http://127.0.0.1:{appPort}/on-batch", content);
                response.EnsureSuccessStatusCode();
            }
        })));
        await subscriber.Batched.WaitAsync(events, TimeSpan.FromSeconds(120));
        sample.Elapsed = Stopwatch.GetElapsedTime(start);
        sample.Cpu = Cpu() - cpu;
        subscriber.Batched.CopyTo(sample);
        return sample;
    }

    public const string Header = "| scenario | events | per second | p50 ms | p90 ms | p99 ms | CPU ms per 1000 | against the baseline |\n|---|---:|---:|---:|---:|---:|---:|---|";

    private static string Report(int calls, int rate, int events, int workers, Sample[] invoke, Sample[] publish, Sample[] bulk)
    {
        var sb = new StringBuilder();
        var i = CultureInfo.InvariantCulture;
        sb.AppendLine("# Local runtime benchmark");
        sb.AppendLine();
        sb.AppendLine(i, $"Measured {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}.");
        sb.AppendLine("Everything (client, sidecars, broker, app) runs in the one bench process on loopback, so the CPU figures are the whole path's.");
        sb.AppendLine();
        sb.AppendLine("Reproduce with:");
        sb.AppendLine();
        sb.AppendLine("```");
        sb.AppendLine(i, $"dotnet run -c Release --project tools/bench -- --calls {calls} --rate {rate} --events {events}");
        sb.AppendLine("```");
        sb.AppendLine();
        const string header = Header;
        sb.AppendLine(i, $"## HTTP service invocation ({rate}/s, {calls} calls, {workers} workers, 1 KiB body)");
        sb.AppendLine();
        sb.AppendLine(header);
        foreach (var s in invoke) sb.AppendLine(s.Row(invoke[0]));
        sb.AppendLine();
        sb.AppendLine(i, $"Added latency per hop at p50: **{invoke[1].PercentileMs(50) - invoke[0].PercentileMs(50):0.000} ms** (Dapr's published sidecar overhead for HTTP invocation: +1.06 ms at p50).");
        sb.AppendLine();
        sb.AppendLine(i, $"## Publish to delivery ({rate}/s, {calls} events, 1 KiB payload)");
        sb.AppendLine();
        sb.AppendLine(header);
        foreach (var s in publish) sb.AppendLine(s.Row(publish[0]));
        sb.AppendLine();
        sb.AppendLine(i, $"Added latency of publishing through the runtime instead of delivering directly, at p50: **{publish[1].PercentileMs(50) - publish[0].PercentileMs(50):0.000} ms** (Dapr's published publish overhead: +0.53 ms at p50).");
        sb.AppendLine();
        sb.AppendLine(i, $"## Bulk publish throughput ({events:N0} events per scenario, 4 publishers, batches of 100)");
        sb.AppendLine();
        sb.AppendLine("Latency here is publish-to-handler under saturation (queueing included), not a per-hop figure.");
        sb.AppendLine();
        sb.AppendLine(header);
        foreach (var s in bulk) sb.AppendLine(s.Row(bulk[0]));
        sb.AppendLine();
        sb.AppendLine(i, $"Delivered events per second through the runtime: **{bulk[1].PerSecond:N0}** per-event, **{bulk[2].PerSecond:N0}** with bulk subscribe (target: at least 10,000).");
        return sb.ToString();
    }

    private sealed record Stamp(long Sent, string Payload);

    /// <summary>Counts deliveries and records publish-to-handler latency from the <c>sent</c> stamp in the data.</summary>
    private sealed class Counter
    {
        private Sample _sample = new("");
        private long _count;
        private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _target = long.MaxValue;

        public Sample Reset(string name = "")
        {
            _sample = new Sample(name);
            Interlocked.Exchange(ref _count, 0);
            return _sample;
        }

        public void Hit(long sent)
        {
            _sample.Record(sent, Stopwatch.GetTimestamp());
            if (Interlocked.Increment(ref _count) >= Interlocked.Read(ref _target)) _reached.TrySetResult();
        }

        public async Task WaitAsync(long count, TimeSpan timeout)
        {
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _target, count);
            if (Interlocked.Read(ref _count) >= count) _reached.TrySetResult();
            await _reached.Task.WaitAsync(timeout);
            Interlocked.Exchange(ref _target, long.MaxValue);
        }

        public void CopyTo(Sample sample)
        {
            sample.Absorb(_sample);
        }
    }

    private sealed class Subscriber
    {
        public Counter Latency { get; } = new();
        public Counter Single { get; } = new();
        public Counter Batched { get; } = new();

        public async Task<WebApplication> StartAsync(int port)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, o => o.Protocols = HttpProtocols.Http1));
            var app = builder.Build();
            app.MapGet("/dapr/subscribe", () => Results.Text("""
                [{"pubsubname":"pubsub","topic":"latency","route":"/on-event"},
                 {"pubsubname":"pubsub","topic":"bulk-single","route":"/on-single"},
                 {"pubsubname":"pubsub","topic":"bulk-batch","route":"/on-batch","bulkSubscribe":{"enabled":true,"maxMessagesCount":100,"maxAwaitDurationMs":5}}]
                """, "application/json"));
            app.MapPost("/echo", async (HttpContext c) =>
            {
                await c.Request.Body.CopyToAsync(Stream.Null);
                return Results.Ok();
            });
            app.MapPost("/on-event", async (HttpContext c) => Latency.Hit(Sent(await ReadAsync(c))));
            app.MapPost("/on-single", async (HttpContext c) => Single.Hit(Sent(await ReadAsync(c))));
            app.MapPost("/on-batch", async (HttpContext c) =>
            {
                using var doc = JsonDocument.Parse(await ReadAsync(c));
                var statuses = new List<object>();
                foreach (var entry in doc.RootElement.GetProperty("entries").EnumerateArray())
                {
                    Batched.Hit(entry.GetProperty("event").GetProperty("data").GetProperty("sent").GetInt64());
                    statuses.Add(new { entryId = entry.GetProperty("entryId").GetString(), status = "SUCCESS" });
                }
                return Results.Json(new { statuses });
            });
            await app.StartAsync();
            return app;
        }

        private static async Task<byte[]> ReadAsync(HttpContext c)
        {
            using var ms = new MemoryStream();
            await c.Request.Body.CopyToAsync(ms);
            return ms.ToArray();
        }

        private static long Sent(byte[] cloudEvent)
        {
            using var doc = JsonDocument.Parse(cloudEvent);
            return doc.RootElement.GetProperty("data").GetProperty("sent").GetInt64();
        }
    }
}
